using System.Collections.Generic;
using System.Linq;
using ConvNet.Generator.Emit;
using ConvNet.Generator.Emit.Layers;
using ConvNet.Generator.Model;

namespace ConvNet.Generator.Planning;

/// <summary>Decides how a network's graph runs: pure C#, no Roslyn types, every decision recorded in the
/// <see cref="ExecutionPlan"/> the emitter prints. Values are numbered as in <see cref="LayerPlan"/> (0: the network
/// input, i + 1: layer i's output).
/// <list type="bullet">
/// <item>Kernels: each layer's descriptor chooses its algorithms, scratch and prepared weights
/// (<see cref="LayerDescriptor.Choose"/>); per-thread kernel scratch is the widest layer's, prepared weights are laid
/// out one layer after another.</item>
/// <item>Activations: every value has its own slot in the per-sample workspace (<see cref="NetworkPlan.ValueOffset"/>);
/// a value read by several layers is read in place, never copied.</item>
/// <item>Segments: training-mode batch statistics (batch norm) need the whole batch before any sample is normalised,
/// so a training pass runs in segments split at each layer with batch statistics, with every worker finishing a
/// segment before the statistics are combined. Forward segment k is layers [ForwardStart[k], next start); backward
/// segment k is layers BackwardLow[k]..BackwardHigh[k], run top-down, one layer higher than the forward segment,
/// because such a layer's backward needs the batch's gradient sums first. Evaluation runs forward in one pass and
/// backward through the same segments back to back.</item>
/// <item>The head: the trailing chain of fully connected, activation and dropout layers with an FC layer in it runs
/// layer by layer over a call's samples (a chunk, or a worker's share; each weight matrix read once per call); the body
/// runs sample by sample.</item>
/// <item>Chunks: see <see cref="ChunkGranule"/>.</item>
/// <item>Deltas: a value's gradient is overwritten by the first layer that writes it in backward order and added into by
/// the others (fan-out). It lives in the per-sample delta workspace when it outlives a backward segment, touches the
/// head, or is the input or output; otherwise in a per-thread arena block, reused as soon as the value's producer
/// has read it (for a plain chain: two blocks in turn).</item>
/// <item>Dead layers (whose output never reaches the network's output) are skipped in backward.</item>
/// </list></summary>
internal static class Planner
{
    /// <summary>The plan of a graph whose shapes all fit; the same graph always gives an equal plan.</summary>
    public static ExecutionPlan Plan(NetworkPlan graph)
    {
        var layers = graph.Layers;
        int count = layers.Count;
        var descriptors = layers.Select(l => LayerDescriptors.Of(l.Kind)).ToArray();
        var consumers = new List<int>[count + 1];
        for (int v = 0; v <= count; v++) consumers[v] = [];
        foreach (var l in layers)
            foreach (int v in l.Inputs) consumers[v].Add(l.Index);

        var live = new bool[count];
        for (int i = count - 1; i >= 0; i--)
            live[i] = i == count - 1 || consumers[i + 1].Any(c => live[c]);

        int headStart = FindHead(graph, consumers);
        var batchNorms = layers.Where(l => descriptors[l.Index].BatchStatistics).Select(l => l.Index).ToArray();
        var kernels = layers.Select(l => descriptors[l.Index].Choose(l)).ToArray();

        var statsOffset = new int[count];
        var statsLength = new int[count];
        int stats = 0;
        foreach (var l in layers)
        {
            statsLength[l.Index] = descriptors[l.Index].BatchStatistics ? descriptors[l.Index].StatisticsLength(l) : 0;
            statsOffset[l.Index] = descriptors[l.Index].BatchStatistics ? stats : -1;
            stats += statsLength[l.Index];
        }
        var preparedOffset = new int[count];
        int prepared = 0;
        for (int i = 0; i < count; i++)
        {
            preparedOffset[i] = kernels[i].PreparedLength > 0 ? prepared : -1;
            prepared += kernels[i].PreparedLength;
        }

        int m = batchNorms.Length;
        var forwardStart = new int[m + 1];
        var backwardLow = new int[m + 1];
        var backwardHigh = new int[m + 1];
        for (int k = 0; k <= m; k++)
        {
            forwardStart[k] = k == 0 ? 0 : batchNorms[k - 1];
            backwardLow[k] = k == 0 ? 0 : batchNorms[k - 1] + 1;
            backwardHigh[k] = k == m ? count - 1 : batchNorms[k];
        }
        var segment = new int[count];
        for (int k = 0; k <= m; k++)
            for (int i = backwardLow[k]; i <= backwardHigh[k]; i++) segment[i] = k;

        // Where each value's delta lives: the workspace unless every writer and the producer share a body segment.
        var deltaInWorkspace = new bool[count + 1];
        deltaInWorkspace[0] = true;
        for (int v = 1; v <= count; v++)
        {
            int producer = v - 1;
            deltaInWorkspace[v] = v == count || producer >= headStart
                || consumers[v].Any(c => live[c] && (c >= headStart || segment[c] != segment[producer]));
        }

        var accumulate = new bool[count][];
        var written = new bool[count + 1];
        for (int i = count - 1; i >= 0; i--)
        {
            var l = layers[i];
            accumulate[i] = new bool[l.Inputs.Count];
            if (!live[i]) continue;
            for (int k = 0; k < l.Inputs.Count; k++)
            {
                accumulate[i][k] = written[l.Inputs[k]];
                written[l.Inputs[k]] = true;
            }
        }

        // An overwriting kernel whose input's delta was already written by another consumer needs a block to add from.
        var needsTemp = new bool[count];
        for (int i = 0; i < count; i++)
            needsTemp[i] = live[i] && i < headStart && !descriptors[i].AccumulatesInputGradients && accumulate[i].Any(a => a);

        var arena = new Arena(graph, live, headStart, deltaInWorkspace, accumulate, needsTemp, backwardLow, backwardHigh);
        var schedules = new LayerSchedule[count];
        for (int i = 0; i < count; i++)
            schedules[i] = new LayerSchedule(kernels[i], live[i], accumulate[i].ToEquatableArray(), arena.TempBlock[i],
                statsOffset[i], statsLength[i], preparedOffset[i]);

        return new ExecutionPlan
        {
            Layers = schedules.ToEquatableArray(),
            HeadStart = headStart,
            ChunkGranule = ChunkGranule(graph, headStart),
            BatchNorms = batchNorms.ToEquatableArray(),
            // The first of the smallest, as OrderBy keeps the source order of ties.
            TrainingCheck = batchNorms.OrderBy(i => layers[i].Out.H * layers[i].Out.W).DefaultIfEmpty(-1).First(),
            StatsLength = stats,
            PreparedLength = prepared,
            ForwardStart = forwardStart.ToEquatableArray(),
            BackwardLow = backwardLow.ToEquatableArray(),
            BackwardHigh = backwardHigh.ToEquatableArray(),
            DeltaInWorkspace = deltaInWorkspace.ToEquatableArray(),
            DeltaBlock = arena.DeltaBlock.ToEquatableArray(),
            ArenaBlocks = arena.Blocks,
            BlockLength = arena.BlockLength,
            KernelScratch = kernels.Select(k => k.Scratch).DefaultIfEmpty(0).Max(),
            HasDropout = descriptors.Any(d => d.DrawsMasks),
        };
    }

    /// <summary>The per-thread arena of the body's intermediate deltas: simulates each backward segment's body,
    /// top-down, giving blocks to deltas when first written and taking them back once their producer has run. All
    /// blocks have the longest length, so any free one fits.</summary>
    private sealed class Arena
    {
        public int[] DeltaBlock { get; }
        public int[] TempBlock { get; }
        public int Blocks { get; }
        public int BlockLength { get; }

        public Arena(NetworkPlan graph, bool[] live, int headStart, bool[] deltaInWorkspace, bool[][] accumulate, bool[] needsTemp, int[] low, int[] high)
        {
            var layers = graph.Layers;
            DeltaBlock = Enumerable.Repeat(-1, layers.Count + 1).ToArray();
            TempBlock = Enumerable.Repeat(-1, layers.Count).ToArray();
            int length = 0;
            foreach (var l in layers)
            {
                if (!live[l.Index] || l.Index >= headStart) continue;
                for (int k = 0; k < l.Inputs.Count; k++)
                {
                    int v = l.Inputs[k];
                    if (!deltaInWorkspace[v] || (needsTemp[l.Index] && accumulate[l.Index][k])) length = System.Math.Max(length, graph.ValueLength(v));
                }
            }
            BlockLength = length;

            var free = new SortedSet<int>();
            int blocks = 0;
            int Take()
            {
                if (free.Count == 0) return blocks++;
                int b = free.Min;
                free.Remove(b);
                return b;
            }
            for (int s = low.Length - 1; s >= 0; s--)
            {
                for (int i = System.Math.Min(high[s], headStart - 1); i >= low[s]; i--)
                {
                    if (!live[i]) continue;
                    foreach (int v in layers[i].Inputs)
                        if (!deltaInWorkspace[v] && DeltaBlock[v] < 0) DeltaBlock[v] = Take();
                    if (needsTemp[i])
                    {
                        TempBlock[i] = Take();
                        free.Add(TempBlock[i]);
                    }
                    if (DeltaBlock[i + 1] >= 0) free.Add(DeltaBlock[i + 1]);
                }
            }
            Blocks = blocks;
        }
    }

    /// <summary>Where the head starts: the longest run of head kinds at the end, each reading only the layer before it
    /// (which nothing else reads), if it has a layer that runs batched (an activation-only tail gains nothing from running
    /// layer by layer); the layer count when there is none.</summary>
    private static int FindHead(NetworkPlan graph, List<int>[] consumers)
    {
        var layers = graph.Layers;
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

    /// <summary>The unit of a batch chunk, in samples. The head's dot products take <see cref="KernelHelpers.TileRows"/>
    /// samples at a time, so a chunk of whole tiles keeps them at full speed (one sample when there is no head: the body
    /// runs sample by sample). A chunk's samples are computed as they would be alone, so this changes speed, never bits.
    /// A head whose weights fit in cache (up to 1 MiB) costs the same per sample whatever the chunk; a larger one is read
    /// from memory once per chunk, so its chunks grow until that is at most a byte per 16 FLOPs of the chunk's work.</summary>
    private static int ChunkGranule(NetworkPlan graph, int headStart)
    {
        if (headStart == graph.Layers.Count) return 1;
        long headWeights = graph.Layers.Skip(headStart).Sum(l => (long)l.WeightCount);
        int tile = KernelHelpers.TileRows;
        if (headWeights <= 256 * 1024 || graph.Flops <= 0) return tile;
        long samples = (64 * headWeights + graph.Flops - 1) / graph.Flops;
        return (int)System.Math.Min((samples + tile - 1) / tile * tile, 1 << 20);
    }
}
