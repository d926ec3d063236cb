using System.Collections.Generic;
using System.Linq;
using ConvNet.Generator.Emit.Layers;
using ConvNet.Generator.Model;

namespace ConvNet.Generator.Planning;

/// <summary>How a network's graph runs: everything the emitter needs beyond the shapes, decided here once, with no Roslyn
/// types. Values are numbered as in <see cref="LayerPlan"/> (0: the network input, i + 1: layer i's output).
/// <list type="bullet">
/// <item>Activations: every value has its own slot in the per-sample workspace (<see cref="NetworkPlan.ValueOffset"/>);
/// a value read by several layers is read in place, never copied.</item>
/// <item>Segments: training-mode batch norm needs the statistics of the whole batch before any sample is normalised,
/// so a training pass runs in segments split at each batch norm layer, with every worker finishing a segment before
/// the statistics are combined. Forward segment k is layers [<see cref="ForwardStart"/>[k], next start); backward
/// segment k is layers <see cref="BackwardLow"/>[k]..<see cref="BackwardHigh"/>[k], run top-down, one layer
/// higher than the forward segment, because a batch norm layer's backward needs the batch's gradient sums first.
/// Evaluation runs forward in one pass and backward through the same segments back to back.</item>
/// <item>The head: the trailing chain of fully connected, activation and dropout layers with an FC layer in it runs
/// layer by layer over a call's samples (a chunk, or a worker's share; each weight matrix read once per call); the body runs sample by sample.</item>
/// <item>Deltas: a value's gradient is overwritten by the first layer that writes it in backward order and added into by
/// the others (fan-out). It lives in the per-sample delta workspace when it outlives a backward segment, touches the
/// head, or is the input or output; otherwise in a per-thread arena block, reused as soon as the value's producer
/// has read it (for a plain chain: two blocks in turn).</item>
/// <item>Dead layers (whose output never reaches the network's output) are skipped in backward.</item>
/// </list></summary>
internal sealed class ExecutionPlan
{
    public int HeadStart { get; }
    public bool[] Live { get; }
    public int[] BatchNorms { get; }
    /// <summary>Per layer: the offset of a batch norm layer's statistics (2C floats; its partial sums 2C doubles).</summary>
    public int[] StatsOffset { get; }
    public int StatsLength { get; }
    /// <summary>Per layer: the offset of its prepared weights (a Winograd conv layer's transformed filters) in the network's
    /// prepared-weights array, or -1.</summary>
    public int[] PreparedOffset { get; }
    public int PreparedLength { get; }
    public int[] ForwardStart { get; }
    public int[] BackwardLow { get; }
    public int[] BackwardHigh { get; }
    public bool[] DeltaInWorkspace { get; }
    /// <summary>Per value: its arena block, or -1.</summary>
    public int[] DeltaBlock { get; }
    /// <summary>Per layer and input: add into the input's delta rather than overwrite it.</summary>
    public bool[][] Accumulate { get; }
    /// <summary>Per layer: a block for an overwriting kernel's result that must then be added in, or -1.</summary>
    public int[] TempBlock { get; }
    public int ArenaBlocks { get; }
    public int BlockLength { get; }
    /// <summary>Floats of per-thread kernel scratch (the widest layer's), before the arena.</summary>
    public int KernelScratch { get; }

    public int Segments => ForwardStart.Length;
    public bool HasBatchNorm => BatchNorms.Length > 0;
    public bool HasDropout { get; }

    public ExecutionPlan(NetworkPlan plan)
    {
        var layers = plan.Layers;
        int count = layers.Count;
        var consumers = new List<int>[count + 1];
        for (int v = 0; v <= count; v++) consumers[v] = [];
        foreach (var l in layers)
            foreach (int v in l.Inputs) consumers[v].Add(l.Index);

        Live = new bool[count];
        for (int i = count - 1; i >= 0; i--)
            Live[i] = i == count - 1 || consumers[i + 1].Any(c => Live[c]);

        HeadStart = FindHead(plan, consumers);
        BatchNorms = layers.Where(l => l.Kind == LayerKind.BatchNorm).Select(l => l.Index).ToArray();
        HasDropout = layers.Any(l => l.Kind == LayerKind.Dropout);
        StatsOffset = new int[count];
        int stats = 0;
        foreach (var l in layers)
        {
            StatsOffset[l.Index] = l.Kind == LayerKind.BatchNorm ? stats : -1;
            if (l.Kind == LayerKind.BatchNorm) stats += BatchNormEmitter.StatsLength(l);
        }
        StatsLength = stats;
        PreparedOffset = new int[count];
        int prepared = 0;
        foreach (var l in layers)
        {
            int length = LayerDescriptors.Of(l.Kind).PreparedLength(l);
            PreparedOffset[l.Index] = length > 0 ? prepared : -1;
            prepared += length;
        }
        PreparedLength = prepared;

        int m = BatchNorms.Length;
        ForwardStart = new int[m + 1];
        BackwardLow = new int[m + 1];
        BackwardHigh = new int[m + 1];
        for (int k = 0; k <= m; k++)
        {
            ForwardStart[k] = k == 0 ? 0 : BatchNorms[k - 1];
            BackwardLow[k] = k == 0 ? 0 : BatchNorms[k - 1] + 1;
            BackwardHigh[k] = k == m ? count - 1 : BatchNorms[k];
        }
        var segment = new int[count];
        for (int k = 0; k <= m; k++)
            for (int i = BackwardLow[k]; i <= BackwardHigh[k]; i++) segment[i] = k;

        // Where each value's delta lives: the workspace unless every writer and the producer share a body segment.
        DeltaInWorkspace = new bool[count + 1];
        DeltaInWorkspace[0] = true;
        for (int v = 1; v <= count; v++)
        {
            int producer = v - 1;
            DeltaInWorkspace[v] = v == count || producer >= HeadStart
                || consumers[v].Any(c => Live[c] && (c >= HeadStart || segment[c] != segment[producer]));
        }

        Accumulate = new bool[count][];
        var written = new bool[count + 1];
        for (int i = count - 1; i >= 0; i--)
        {
            var l = layers[i];
            Accumulate[i] = new bool[l.Inputs.Count];
            if (!Live[i]) continue;
            for (int k = 0; k < l.Inputs.Count; k++)
            {
                Accumulate[i][k] = written[l.Inputs[k]];
                written[l.Inputs[k]] = true;
            }
        }

        KernelScratch = layers.Select(l => LayerDescriptors.Of(l.Kind).ScratchLength(l)).DefaultIfEmpty(0).Max();
        DeltaBlock = Enumerable.Repeat(-1, count + 1).ToArray();
        TempBlock = Enumerable.Repeat(-1, count).ToArray();
        (ArenaBlocks, BlockLength) = AllocateArena(plan);
    }

    /// <summary>Simulates each backward segment's body, top-down, giving arena blocks to deltas when first written and
    /// taking them back once their producer has run. All blocks have the longest length, so any free one fits.</summary>
    private (int Blocks, int Length) AllocateArena(NetworkPlan plan)
    {
        var layers = plan.Layers;
        int length = 0;
        foreach (var l in layers)
        {
            if (!Live[l.Index] || l.Index >= HeadStart) continue;
            for (int k = 0; k < l.Inputs.Count; k++)
            {
                int v = l.Inputs[k];
                if (!DeltaInWorkspace[v] || (Accumulate[l.Index][k] && !LayerDescriptors.Of(l.Kind).AccumulatesInputGradients))
                    length = System.Math.Max(length, plan.ValueLength(v));
            }
        }

        var free = new SortedSet<int>();
        int blocks = 0;
        int Take()
        {
            if (free.Count == 0) return blocks++;
            int b = free.Min;
            free.Remove(b);
            return b;
        }
        for (int s = Segments - 1; s >= 0; s--)
        {
            for (int i = System.Math.Min(BackwardHigh[s], HeadStart - 1); i >= BackwardLow[s]; i--)
            {
                if (!Live[i]) continue;
                var l = layers[i];
                bool temp = false;
                for (int k = 0; k < l.Inputs.Count; k++)
                {
                    int v = l.Inputs[k];
                    if (!DeltaInWorkspace[v] && DeltaBlock[v] < 0) DeltaBlock[v] = Take();
                    temp |= Accumulate[i][k] && !LayerDescriptors.Of(l.Kind).AccumulatesInputGradients;
                }
                if (temp)
                {
                    TempBlock[i] = Take();
                    free.Add(TempBlock[i]);
                }
                if (DeltaBlock[i + 1] >= 0) free.Add(DeltaBlock[i + 1]);
            }
        }
        return (blocks, length);
    }

    /// <summary>Where the head starts: the longest run of head kinds at the end, each reading only the layer before it
    /// (which nothing else reads), if it has a layer that runs batched (an activation-only tail gains nothing from running
    /// layer by layer); the layer count when there is none.</summary>
    private static int FindHead(NetworkPlan plan, List<int>[] consumers)
    {
        var layers = plan.Layers;
        int head = layers.Count;
        while (head > 0)
        {
            var l = layers[head - 1];
            bool chained = l.Inputs.Count == 1 && l.Inputs[0] == head - 1 && (head == layers.Count || consumers[head].Count == 1);
            if (!LayerDescriptors.Of(l.Kind).HeadKind || !chained) break;
            head--;
        }
        for (int i = head; i < layers.Count; i++)
            if (LayerDescriptors.Of(layers[i].Kind).Batched) return head;
        return layers.Count;
    }
}
