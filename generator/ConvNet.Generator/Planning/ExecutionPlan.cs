using ConvNet.Generator.Model;

namespace ConvNet.Generator.Planning;

/// <summary>How a layer's kernel computes one of its passes.</summary>
internal enum Algorithm
{
    /// <summary>The kind's one kernel (every kind but convolution).</summary>
    Direct,
    /// <summary>An im2col matrix col[CKK, HW], then one GEMM (a conv's input gradient: a GEMM into dCol, then col2im).</summary>
    Im2Col,
    /// <summary>A stride-1 conv's forward as one <c>Kernels.GemmTaps</c> over the zero-padded input, its B rows starting at
    /// the windows' offsets, on padded-width rows cropped afterwards (no im2col).</summary>
    GemmTaps,
    /// <summary>Winograd F(2x2, 3x3): 16 GEMMs over transformed 4x4 tiles, reading the prepared transformed filters.</summary>
    Winograd,
}

/// <summary>How a conv layer's weight gradient dWeight[F, CKK] += dOutput[F, HW] · colᵀ is computed.</summary>
internal enum WeightGradient
{
    /// <summary>The kind's own kernel (every kind but convolution).</summary>
    Direct,
    /// <summary>Dot products of dOutput rows with im2col rows, one horizontal sum per weight.</summary>
    Dots,
    /// <summary>A GEMM over the transposed im2col matrix colT[HW, CKK], accumulating into dWeight in place.</summary>
    Gemm,
    /// <summary>The same GEMM writing a fresh product after colT in scratch, then added into dWeight (CKK not a multiple of 4).</summary>
    GemmThenAdd,
}

/// <summary>A layer's kernel decisions, made by its descriptor at planning time (<c>LayerDescriptor.Choose</c>) and only
/// printed by its emitter: the algorithm of each pass, the per-thread scratch its kernels need and the floats of
/// prepared weights it keeps in the network (a Winograd layer's transformed filters and the copy of the weights they
/// came from).</summary>
internal sealed record KernelPlan(Algorithm Forward, Algorithm InputGradient, WeightGradient WeightGradient, int Scratch, int PreparedLength)
{
    /// <summary>A kind with one kernel per pass, no scratch and no prepared weights.</summary>
    public static KernelPlan Direct { get; } = new(Algorithm.Direct, Algorithm.Direct, WeightGradient.Direct, 0, 0);
}

/// <summary>What the plan decided for one layer. <see cref="Accumulate"/>: per input, whether its backward adds into
/// the input's delta (a later-written consumer already wrote it) rather than overwriting it; <see cref="TempBlock"/>: the
/// arena block where an overwriting kernel's input gradient goes before it is added in, or -1. <see cref="StatsOffset"/>
/// and <see cref="StatsLength"/>: a batch-statistics layer's place in the statistics arrays (-1 and 0 otherwise);
/// <see cref="PreparedOffset"/>: its prepared weights' place in the network's prepared-weights array, or -1.</summary>
internal sealed record LayerSchedule(
    KernelPlan Kernels, bool Live, EquatableArray<bool> Accumulate, int TempBlock, int StatsOffset, int StatsLength, int PreparedOffset);

/// <summary>How a network's graph runs, every decision the emitter prints, as plain values: built by
/// <see cref="Planner.Plan"/> as its own step of the incremental pipeline, so equal graphs give equal plans. Values are
/// numbered as in <see cref="LayerPlan"/> (0: the network input, i + 1: layer i's output); the <c>Backward*</c>,
/// <c>Forward*</c> arrays are per segment, <see cref="DeltaInWorkspace"/> and <see cref="DeltaBlock"/> per value.
/// See <see cref="Planner"/> for the rules.</summary>
internal sealed record ExecutionPlan
{
    /// <summary>Per layer, in declaration order.</summary>
    public EquatableArray<LayerSchedule> Layers { get; init; }

    /// <summary>The first layer of the head (the layer count when there is none).</summary>
    public int HeadStart { get; init; }

    /// <summary>The unit of a batch forward chunk, in samples.</summary>
    public int ChunkGranule { get; init; }

    /// <summary>The layers with batch statistics (batch norm), where the training passes split into segments.</summary>
    public EquatableArray<int> BatchNorms { get; init; }

    /// <summary>The batch-statistics layer with the fewest values per channel, which decides the smallest batch that can
    /// train, or -1.</summary>
    public int TrainingCheck { get; init; }

    /// <summary>Floats of all batch-statistics layers' statistics (and doubles of their partial sums per worker).</summary>
    public int StatsLength { get; init; }

    /// <summary>Floats of the network's prepared-weights array.</summary>
    public int PreparedLength { get; init; }

    /// <summary>Forward segment k is layers [ForwardStart[k], ForwardStart[k + 1]).</summary>
    public EquatableArray<int> ForwardStart { get; init; }

    /// <summary>Backward segment k is layers BackwardLow[k]..BackwardHigh[k], run top-down.</summary>
    public EquatableArray<int> BackwardLow { get; init; }

    /// <summary>See <see cref="BackwardLow"/>.</summary>
    public EquatableArray<int> BackwardHigh { get; init; }

    /// <summary>Per value: its delta lives in the per-sample delta workspace, not in an arena block.</summary>
    public EquatableArray<bool> DeltaInWorkspace { get; init; }

    /// <summary>Per value: its arena block, or -1.</summary>
    public EquatableArray<int> DeltaBlock { get; init; }

    /// <summary>Blocks of the per-thread delta arena, after the kernel scratch.</summary>
    public int ArenaBlocks { get; init; }

    /// <summary>Floats of each arena block (the longest delta an arena block holds).</summary>
    public int BlockLength { get; init; }

    /// <summary>Floats of per-thread kernel scratch (the widest layer's), before the arena.</summary>
    public int KernelScratch { get; init; }

    /// <summary>Some layer draws dropout masks, so the network keeps a masks' generator.</summary>
    public bool HasDropout { get; init; }

    /// <summary>Training passes: one more than the batch-statistics layers.</summary>
    public int Segments => ForwardStart.Count;

    /// <summary>Some layer has batch statistics, so training runs in segments.</summary>
    public bool HasBatchNorm => BatchNorms.Count > 0;
}

/// <summary>The planning step's output for one class: its header, its graph, and how the graph runs (both null when
/// the declaration has errors: the emitter then writes the throwing stub).</summary>
internal sealed record PlannedNetwork(TypeHeader Type, NetworkPlan? Graph, ExecutionPlan? Execution);
