using System.Linq;
using ConvNet.Generator;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using Xunit;

namespace ConvNet.Tests;

/// <summary>The planner's decisions, read from the generator's plan step: each network goes through the parser and
/// shape inference as a user's class would, and the expected values are worked out by hand from the rules the
/// planner documents (ARCHITECTURE.md, "How a graph runs"), not from the planner's code.</summary>
public class PlannerTests
{
    /// <summary>The plan step's output for a class <c>Net</c> with these attributes.</summary>
    private static PlannedNetwork Planned(string input, params string[] layers)
    {
        string source = $"using ConvNet;\nnamespace App;\n[Input({input})]\n{string.Concat(layers.Select(l => $"[{l}]\n"))}public partial class Net {{ }}\n";
        var driver = Harness.Driver().RunGenerators(Harness.Compilation(source));
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        var (value, _) = Assert.Single(result.TrackedSteps[NetworkGenerator.PlanStep].SelectMany(s => s.Outputs));
        return (PlannedNetwork)value;
    }

    private static ExecutionPlan Plan(string input, params string[] layers) =>
        Planned(input, layers).Execution ?? throw new Xunit.Sdk.XunitException("the network has errors");

    /// <summary>3x3 stride-1 layers run as Winograd from 8 input channels, rows of 7 and 16 tiles of 2x2 output pixels
    /// on; the input gradient too, unless its pad 2 - P is negative or it has fewer than 16 tiles. Otherwise a stride-1
    /// layer whose padded rows are at most a quarter wider than its output rows runs forward as GemmTaps; everything else
    /// is im2col.</summary>
    [Theory]
    [InlineData("8, 16, 16", "Conv(8, 3, Pad = 1)", nameof(Algorithm.Winograd), nameof(Algorithm.Winograd))]   // 8x8 = 64 tiles
    [InlineData("8, 7, 7", "Conv(4, 3, Pad = 1)", nameof(Algorithm.Winograd), nameof(Algorithm.Winograd))]     // 4x4 = 16 tiles, the least
    [InlineData("8, 9, 9", "Conv(4, 3)", nameof(Algorithm.Winograd), nameof(Algorithm.Winograd))]              // 7x7 out, 4x4 tiles
    [InlineData("8, 12, 12", "Conv(4, 3, Pad = 3)", nameof(Algorithm.Winograd), nameof(Algorithm.Im2Col))]     // 2 - 3 is no pad
    [InlineData("7, 16, 16", "Conv(8, 3, Pad = 1)", nameof(Algorithm.GemmTaps), nameof(Algorithm.Im2Col))]     // 7 channels: 18 <= 16 * 5 / 4
    [InlineData("3, 32, 32", "Conv(32, 3, Pad = 1)", nameof(Algorithm.GemmTaps), nameof(Algorithm.Im2Col))]    // an RGB first layer
    [InlineData("8, 6, 6", "Conv(4, 3, Pad = 1)", nameof(Algorithm.Im2Col), nameof(Algorithm.Im2Col))]         // rows of 6; 4 * (8 - 6) > 6
    [InlineData("8, 16, 16", "Conv(8, 3, Stride = 2, Pad = 1)", nameof(Algorithm.Im2Col), nameof(Algorithm.Im2Col))]
    [InlineData("8, 16, 16", "Conv(8, 1)", nameof(Algorithm.Im2Col), nameof(Algorithm.Im2Col))]                // 1x1: no taps to share
    public void Each_conv_gets_its_algorithm(string input, string conv, string forward, string inputGradient)
    {
        var k = Plan(input, conv).Layers[0].Kernels;
        Assert.Equal(forward, k.Forward.ToString());
        Assert.Equal(inputGradient, k.InputGradient.ToString());
    }

    /// <summary>dWeight is a GEMM over colT where CKK fills a Vector512 (16) and HW is at most 2 CKK, in place when CKK
    /// is a multiple of 4; otherwise dot products.</summary>
    [Theory]
    [InlineData("16, 8, 8", "Conv(8, 3, Pad = 1)", nameof(WeightGradient.Gemm))]        // CKK 144, HW 64
    [InlineData("6, 5, 5", "Conv(4, 5, Pad = 2)", nameof(WeightGradient.GemmThenAdd))]  // CKK 150, HW 25
    [InlineData("1, 28, 28", "Conv(6, 5)", nameof(WeightGradient.Dots))]                // CKK 25, HW 576
    [InlineData("1, 8, 8", "Conv(4, 3, Pad = 1)", nameof(WeightGradient.Dots))]         // CKK 9
    public void Each_conv_gets_its_weight_gradient(string input, string conv, string expected) =>
        Assert.Equal(expected, Plan(input, conv).Layers[0].Kernels.WeightGradient.ToString());

    /// <summary>Kinds without a choice keep their one kernel and need neither scratch nor prepared weights.</summary>
    [Fact]
    public void Other_kinds_run_their_one_kernel()
    {
        var x = Plan("2, 8, 8", "MaxPool(2)", "Relu", "BatchNorm", "GlobalAvgPool", "Dropout(0.5)", "FullyConnected(3)");
        Assert.All(x.Layers, l => Assert.Equal(KernelPlan.Direct, l.Kernels));
        Assert.Equal(0, x.KernelScratch);
        Assert.Equal(0, x.PreparedLength);
    }

    /// <summary>Per-thread kernel scratch is the widest layer's: an im2col layer with dot products needs col[CKK, HW],
    /// one with an in-place GEMM colT[HW, CKK].</summary>
    [Fact]
    public void Scratch_is_the_widest_layers_need()
    {
        // conv1: 1x12x12 -> 4x5x5, CKK 9, HW 25 (dots): 225. conv2: 4x5x5 -> 2x2x2, CKK 36, HW 4 (GEMM in place): 144.
        var x = Plan("1, 11, 11", "Conv(4, 3, Stride = 2)", "Relu", "Conv(2, 3, Stride = 2)");
        Assert.Equal([225, 0, 144], x.Layers.Select(l => l.Kernels.Scratch));
        Assert.Equal(225, x.KernelScratch);
        // The second layer the widest: 1x9x9 -> 8x9x9 is CKK 1, HW 81 (81); 8x9x9 -> 4x4x4 is CKK 72, HW 16, in place (1152).
        x = Plan("1, 9, 9", "Conv(8, 1)", "Conv(4, 3, Stride = 2)");
        Assert.Equal([81, 1152], x.Layers.Select(l => l.Kernels.Scratch));
        Assert.Equal(1152, x.KernelScratch);
    }

    /// <summary>Prepared weights: each Winograd layer's u[16][F, C] (planes padded by 16 floats) and a copy of its
    /// F x C x 9 weights, one layer after another; other layers have none.</summary>
    [Fact]
    public void Winograd_layers_get_consecutive_prepared_weights()
    {
        var x = Plan("8, 16, 16", "Conv(8, 3, Pad = 1)", "Relu", "Conv(8, 3, Stride = 2, Pad = 1)", "Conv(16, 3, Pad = 1)");
        int first = 16 * (8 * 8 + 16) + 8 * 8 * 9, last = 16 * (16 * 8 + 16) + 16 * 8 * 9;
        Assert.Equal([first, 0, 0, last], x.Layers.Select(l => l.Kernels.PreparedLength));
        Assert.Equal([0, -1, -1, first], x.Layers.Select(l => l.PreparedOffset));
        Assert.Equal(first + last, x.PreparedLength);
    }

    /// <summary>The head is the trailing chain of FC, activation and dropout layers with an FC layer in it.</summary>
    [Theory]
    [InlineData(3, "Conv(4, 3)", "Relu", "MaxPool(2)", "FullyConnected(10)")]
    [InlineData(1, "Conv(4, 3)", "Relu", "FullyConnected(10)", "Relu", "Dropout(0.5)", "FullyConnected(5)")]
    [InlineData(2, "Conv(4, 3)", "Relu")]                                            // an activation-only tail: no head
    [InlineData(0, "FullyConnected(10)", "Tanh", "FullyConnected(5)")]               // all head
    [InlineData(3, "FullyConnected(8)", "FullyConnected(8)", "Add(\"fc1\")")]                 // ends in a merge: no head
    [InlineData(4, "Conv(4, 3, Pad = 1)", "FullyConnected(8)", "FullyConnected(8)", "Add(\"fc1\")", "FullyConnected(2)")] // only after the merge
    public void The_head_is_the_trailing_fully_connected_chain(int expected, params string[] layers) =>
        Assert.Equal(expected, Plan("2, 8, 8", layers).HeadStart);

    /// <summary>Chunks are single samples without a head, the head's 4-sample tile with a head that fits in cache
    /// (256 Ki weights), and for a larger head enough tiles that its weights cost at most a byte per 16 FLOPs.</summary>
    [Fact]
    public void Chunks_follow_the_head()
    {
        Assert.Equal(1, Plan("2, 8, 8", "Conv(4, 3)", "Relu").ChunkGranule);
        Assert.Equal(4, Plan("2, 8, 8", "Conv(4, 3)", "FullyConnected(10)").ChunkGranule);
        // 4096 -> 100: 409,600 weights and 819,200 FLOPs in all; 4 bytes per weight against 819,200 / 16 bytes a sample
        // may cost: 64 * 409,600 / 819,200 = 32 samples (a whole number of tiles).
        Assert.Equal(32, Plan("1, 64, 64", "FullyConnected(100)").ChunkGranule);
        // The same head after one 1x1 filter over the input, 8,192 FLOPs more: 26,214,400 / 827,392 = 31.7 -> 32.
        Assert.Equal(32, Plan("1, 64, 64", "Conv(1, 1)", "FullyConnected(100)").ChunkGranule);
        // 8 * 64 * 64 -> 10: 327,680 weights, 655,360 + 2 * 72 * 4096 = 1,245,184 FLOPs in all: 16.8 -> 17, 5 tiles.
        Assert.Equal(20, Plan("1, 64, 64", "Conv(8, 3, Pad = 1)", "FullyConnected(10)").ChunkGranule);
    }

    /// <summary>Training passes split at each batch norm layer; backward segments are one layer higher. Each batch
    /// norm layer has 2C floats of statistics, one after another.</summary>
    [Fact]
    public void Segments_split_at_batch_norm()
    {
        // 0 conv1, 1 bn1, 2 relu1, 3 conv2, 4 bn2, 5 relu2, 6 fc1
        var x = Plan("3, 8, 8", "Conv(4, 3, Pad = 1)", "BatchNorm", "Relu", "Conv(6, 3, Stride = 2, Pad = 1)", "BatchNorm", "Relu", "FullyConnected(10)");
        Assert.Equal([1, 4], x.BatchNorms);
        Assert.Equal(3, x.Segments);
        Assert.Equal([0, 1, 4], x.ForwardStart);
        Assert.Equal([0, 2, 5], x.BackwardLow);
        Assert.Equal([1, 4, 6], x.BackwardHigh);
        Assert.Equal([-1, 0, -1, -1, 8, -1, -1], x.Layers.Select(l => l.StatsOffset));
        Assert.Equal([0, 8, 0, 0, 12, 0, 0], x.Layers.Select(l => l.StatsLength));
        Assert.Equal(20, x.StatsLength);
        // bn2 has 4x4 values per channel, bn1 8x8: bn2 decides the smallest batch that can train.
        Assert.Equal(4, x.TrainingCheck);
        Assert.True(x.HasBatchNorm);
        Assert.False(x.HasDropout);
    }

    [Fact]
    public void Without_batch_norm_there_is_one_segment()
    {
        var x = Plan("1, 8, 8", "Conv(2, 3)", "Dropout(0.5)", "FullyConnected(3)");
        Assert.Equal([0], x.ForwardStart);
        Assert.Equal([0], x.BackwardLow);
        Assert.Equal([2], x.BackwardHigh);
        Assert.Equal(-1, x.TrainingCheck);
        Assert.Equal(0, x.StatsLength);
        Assert.False(x.HasBatchNorm);
        Assert.True(x.HasDropout);
    }

    /// <summary>A plain chain's intermediate deltas take two arena blocks in turn; the input's and the output's live in
    /// the workspace.</summary>
    [Fact]
    public void A_plain_chain_uses_two_arena_blocks()
    {
        // values: 0 input, 1 conv1, 2 relu1, 3 conv2, 4 relu2, 5 conv3 (the output)
        var x = Plan("1, 8, 8", "Conv(2, 3, Pad = 1)", "Relu", "Conv(2, 3, Pad = 1)", "Relu", "Conv(2, 3, Pad = 1)");
        Assert.Equal([true, false, false, false, false, true], x.DeltaInWorkspace);
        // Backward: conv3 writes value 4 (block 0), relu2 value 3 (block 1, then 0 is free), conv2 value 2 (block 0) ...
        Assert.Equal([-1, 1, 0, 1, 0, -1], x.DeltaBlock);
        Assert.Equal(2, x.ArenaBlocks);
        Assert.Equal(2 * 8 * 8, x.BlockLength);
        Assert.All(x.Layers, l => Assert.Equal(-1, l.TempBlock));
    }

    /// <summary>A value read twice: the consumer that runs first in backward (the Add) overwrites its delta, the other
    /// adds into it; an overwriting kernel (ReLU) writes to a temporary block that is then added in.</summary>
    [Fact]
    public void Fan_out_adds_the_second_gradient()
    {
        // 0 conv1 (value 1), 1 relu1 reads 1, 2 conv2 reads 2, 3 add1 reads 3 and 1 (the output, value 4)
        var x = Plan("2, 8, 8", "Conv(2, 3, Pad = 1)", "Relu", "Conv(2, 3, Pad = 1)", "Add(\"conv1\")");
        Assert.Equal([false, false], x.Layers[3].Accumulate);
        Assert.Equal([false], x.Layers[2].Accumulate);
        Assert.Equal([true], x.Layers[1].Accumulate);
        Assert.Equal([false], x.Layers[0].Accumulate);
        Assert.True(x.Layers[1].TempBlock >= 0);
        Assert.Equal(new[] { -1, -1, -1 }, new[] { 0, 2, 3 }.Select(i => x.Layers[i].TempBlock));
        // The temporary block is not the one value 1's delta is in, which it is added into.
        Assert.NotEqual(x.DeltaBlock[1], x.Layers[1].TempBlock);
    }

    /// <summary>A delta that crosses a batch norm segment, or touches the head, stays in the workspace.</summary>
    [Fact]
    public void Deltas_crossing_segments_or_in_the_head_live_in_the_workspace()
    {
        // values: 0 input, 1 conv1, 2 bn1, 3 relu1, 4 conv2, 5 fc1 (head from layer 4), 6 fc2
        var x = Plan("1, 8, 8", "Conv(2, 3, Pad = 1)", "BatchNorm", "Relu", "Conv(2, 3, Pad = 1)", "FullyConnected(4)", "FullyConnected(2)");
        Assert.Equal(4, x.HeadStart);
        // bn1's backward runs in segment 0 with conv1, relu1's in segment 1: value 2 crosses, value 1 does not; value 4
        // is read by the head.
        Assert.Equal([true, false, true, false, true, true, true], x.DeltaInWorkspace);
    }

    /// <summary>A dead branch runs forward but not backward, and takes no part in the delta placement.</summary>
    [Fact]
    public void Dead_layers_are_not_live()
    {
        var x = Plan("1, 8, 8", "Conv(2, 3, Pad = 1)", "Relu(Name = \"side\")", "Conv(2, 3, Pad = 1, From = \"conv1\")");
        Assert.Equal([true, false, true], x.Layers.Select(l => l.Live));
        Assert.Equal([false], x.Layers[1].Accumulate);
    }

    /// <summary>The plan compares by value: the same declaration planned twice gives equal plans (so the pipeline can
    /// reuse the emitted source), and any change to a decision's input gives a different one.</summary>
    [Fact]
    public void Plans_compare_by_value()
    {
        var a = Planned("8, 16, 16", "Conv(8, 3, Pad = 1)", "BatchNorm", "Relu", "FullyConnected(10)");
        var b = Planned("8, 16, 16", "Conv(8, 3, Pad = 1)", "BatchNorm", "Relu", "FullyConnected(10)");
        Assert.NotSame(a.Execution, b.Execution);
        Assert.Equal(a.Execution, b.Execution);
        Assert.Equal(a.Execution!.GetHashCode(), b.Execution!.GetHashCode());
        Assert.Equal(a, b);
        Assert.Equal(a.Execution, Planner.Plan(a.Graph!));

        // Stride 2: im2col instead of Winograd, other scratch, no prepared weights.
        Assert.NotEqual(a.Execution, Plan("8, 16, 16", "Conv(8, 3, Stride = 2, Pad = 1)", "BatchNorm", "Relu", "FullyConnected(10)"));
        // Dropout instead of batch norm: one segment.
        Assert.NotEqual(a.Execution, Plan("8, 16, 16", "Conv(8, 3, Pad = 1)", "Dropout(0.5)", "Relu", "FullyConnected(10)"));
        // A wider output changes the graph but no decision (the head still fits in cache, its kernels have no choice):
        // the plan is equal.
        var wider = Planned("8, 16, 16", "Conv(8, 3, Pad = 1)", "BatchNorm", "Relu", "FullyConnected(11)");
        Assert.NotEqual(a.Graph, wider.Graph);
        Assert.Equal(a.Execution, wider.Execution);
    }

    [Fact]
    public void A_class_with_errors_has_no_plan()
    {
        var planned = Planned("1, 7, 7", "Conv(2, 3, Stride = 3)");
        Assert.Null(planned.Graph);
        Assert.Null(planned.Execution);
    }

    [Fact]
    public void The_plan_holds_plain_values() =>
        ModelWalker.AssertPlain(Planned("2, 8, 8", "Conv(8, 3, Pad = 1)", "BatchNorm", "Dropout(0.5)", "FullyConnected(3)"));
}
