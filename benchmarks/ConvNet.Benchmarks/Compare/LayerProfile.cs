using System;
using System.Collections.Generic;
using System.Reflection;
using ConvNet;

namespace ConvNet.Benchmarks;

/// <summary>
/// GFLOP/s of each conv and FC layer of a network (the CIFAR net, VGG-16), forward and backward, one sample on one thread.
/// </summary>
/// <remarks>
/// The generated kernels (<c>CifarNet.Conv1.Forward</c> and so on) are <c>internal</c>, and the generator emits them
/// into this assembly, because the networks are declared here: so they are called directly, on the
/// activations of a real forward pass, with no InternalsVisibleTo and no timing by subtraction (which would mix in the
/// noise of two whole-network runs). The sum of the layer times is set against one whole forward pass, so the share
/// spent outside these kernels (ReLU, pooling, copies) is visible too.
/// </remarks>
internal static class LayerProfile
{
    internal delegate void LayerForward(ReadOnlySpan<float> p, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch);
    internal delegate void LayerBackward(ReadOnlySpan<float> p, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dp, Span<float> dInput, Span<float> scratch);

    internal delegate void WinogradForward(ReadOnlySpan<float> p, ReadOnlySpan<float> u, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch);
    internal delegate void TransformWeights(ReadOnlySpan<float> p, Span<float> u);
    internal delegate void WinogradBackward(ReadOnlySpan<float> p, ReadOnlySpan<float> u, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dp, Span<float> dInput, Span<float> scratch);

    internal sealed record Kernel(int Index, long Flops, int ScratchLength, LayerForward Forward, LayerBackward Backward);

    internal static readonly Kernel[] LeNet5Kernels = KernelsOf(typeof(LeNet5), LeNet5.LayerTable);
    internal static readonly Kernel[] CifarKernels = KernelsOf(typeof(CifarNet), CifarNet.LayerTable);
    internal static readonly Kernel[] Vgg16Kernels = KernelsOf(typeof(Vgg16), Vgg16.LayerTable);
    internal static readonly Kernel[] AlexNetKernels = KernelsOf(typeof(AlexNet), AlexNet.LayerTable);

    /// <summary>The conv and FC layers' kernels of a generated network: its nested layer classes (named after the layers,
    /// e.g. <c>Conv1</c> for conv1) and their Forward, Backward, Flops and ScratchLength, found once, at setup.</summary>
    private static Kernel[] KernelsOf(Type network, IReadOnlyList<LayerInfo> layers)
    {
        const BindingFlags Members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
        var kernels = new List<Kernel>();
        for (int index = 0; index < layers.Count; index++)
        {
            var layer = layers[index];
            if (layer.Kind is not (LayerKind.Conv or LayerKind.FullyConnected)) continue;
            string name = char.ToUpperInvariant(layer.Name[0]) + layer.Name[1..];
            var type = network.GetNestedType(name, BindingFlags.Public | BindingFlags.NonPublic)
                ?? throw new InvalidOperationException($"{network.Name} has no layer class {name}.");
            T Constant<T>(string field) => (T)(type.GetField(field, Members)?.GetRawConstantValue()
                ?? throw new InvalidOperationException($"{network.Name}.{name} has no constant {field}."));
            TDelegate Method<TDelegate>(string method) where TDelegate : Delegate =>
                type.GetMethod(method, Members)?.CreateDelegate<TDelegate>()
                ?? throw new InvalidOperationException($"{network.Name}.{name} has no method {method}.");
            if (Constant<int>("Index") != index) throw new InvalidOperationException($"{network.Name}.{name} is not layer {index}.");
            // A Winograd layer's kernels read its transformed filters, which the network computes again only when the
            // weights change (so not in inference): transformed here once, on the first call, from the network's weights.
            bool winograd = type.GetField("TransformedLength", Members) is not null;
            var u = winograd ? new float[Constant<int>("TransformedLength")] : [];
            bool transformed = false;
            ReadOnlySpan<float> Transformed(ReadOnlySpan<float> p)
            {
                if (!transformed) Method<TransformWeights>("TransformWeights")(p, u);
                transformed = true;
                return u;
            }
            LayerForward forward;
            LayerBackward backward;
            if (winograd)
            {
                var f = Method<WinogradForward>("Forward");
                forward = (p, input, output, scratch) => f(p, Transformed(p), input, output, scratch);
            }
            else forward = Method<LayerForward>("Forward");
            if (type.GetMethod("Backward", Members)!.GetParameters().Length == 8)
            {
                var b = Method<WinogradBackward>("Backward");
                backward = (p, input, output, dOutput, dp, dInput, scratch) => b(p, Transformed(p), input, output, dOutput, dp, dInput, scratch);
            }
            else backward = Method<LayerBackward>("Backward");
            kernels.Add(new(index, Constant<long>("Flops"), Constant<int>("ScratchLength"), forward, backward));
        }
        return [.. kernels];
    }

    /// <summary>Buffers for one layer's kernels, cut from a real forward pass of the workload's first sample. The
    /// parameters and the gradient array are the network's, shared by every layer (VGG-16's are 553 MB each).</summary>
    internal sealed class LayerBuffers
    {
        public float[] Parameters = [], Input = [], Output = [], Expected = [], DOutput = [], Gradients = [], DInput = [], Scratch = [];
        /// <summary>For a fully connected layer that a ReLU follows: DOutput as that ReLU's backward passes it on, zero
        /// wherever the layer's output is not positive (in training, about half of it); else null.</summary>
        public float[]? ReluDOutput;
        public LayerInfo Layer = null!;

        public static List<LayerBuffers> For(IReadOnlyList<Kernel> kernels, Workload w)
        {
            var net = w.CreateNetwork();
            var sample = w.Inputs.AsSpan(0, net.InputLength);
            net.Forward(sample, new float[net.OutputLength]);
            var rng = new Rng(7);
            var all = new List<LayerBuffers>();
            foreach (var k in kernels)
            {
                var layer = net.Layers[k.Index];
                var dOutput = new float[layer.Output.Length];
                for (int i = 0; i < dOutput.Length; i++) dOutput[i] = rng.NextUniform(-1, 1);
                all.Add(new LayerBuffers
                {
                    Layer = layer,
                    Parameters = net.Parameters,
                    Input = k.Index == 0 ? sample.ToArray() : net.LayerOutput(k.Index - 1).ToArray(),
                    Output = new float[layer.Output.Length],
                    Expected = net.LayerOutput(k.Index).ToArray(),
                    DOutput = dOutput,
                    Gradients = net.Gradients,
                    // The network skips the first layer's input gradient; so does this profile, to time what training runs.
                    DInput = k.Index == 0 ? [] : new float[layer.Input.Length],
                    Scratch = new float[k.ScratchLength],
                    ReluDOutput = layer.Kind == LayerKind.FullyConnected && k.Index + 1 < net.Layers.Count
                        && net.Layers[k.Index + 1] is { Kind: LayerKind.Relu } next && next.Inputs.Count == 1 && next.Inputs[0] == layer.Name
                        ? ReluBackward(net.LayerOutput(k.Index), dOutput)
                        : null,
                });
            }
            return all;
        }

        private static float[] ReluBackward(ReadOnlySpan<float> output, float[] dOutput)
        {
            var d = new float[dOutput.Length];
            for (int i = 0; i < d.Length; i++) d[i] = output[i] > 0 ? dOutput[i] : 0;
            return d;
        }
    }

    public static void Run(NetworkDef def, IReadOnlyList<Kernel> kernels, FmaPeak.Result peak, MemoryBandwidth.Result bandwidth)
    {
        var w = new Workload(def, 1, 1);
        var table = new TextTable("layer", "shape", "fwd MFLOP", "forward", "fwd GFLOP/s", "% peak", "backward", "bwd GFLOP/s", "% peak");
        var runs = new List<Action>();
        var buffers = LayerBuffers.For(kernels, w);
        for (int i = 0; i < kernels.Count; i++)
        {
            var (k, b) = (kernels[i], buffers[i]);
            k.Forward(b.Parameters, b.Input, b.Output, b.Scratch);
            Agreement.Check($"{def.Name} {b.Layer.Name} kernel vs network", b.Expected, b.Output, b.Output.Length);
            runs.Add(() => k.Forward(b.Parameters, b.Input, b.Output, b.Scratch));
            runs.Add(() => k.Backward(b.Parameters, b.Input, b.Expected, b.DOutput, b.Gradients, b.DInput, b.Scratch));
        }
        var relu = new List<int>();
        for (int i = 0; i < kernels.Count; i++)
        {
            var (k, b) = (kernels[i], buffers[i]);
            if (b.ReluDOutput is not { } d) continue;
            relu.Add(i);
            runs.Add(() => k.Backward(b.Parameters, b.Input, b.Expected, d, b.Gradients, b.DInput, b.Scratch));
        }
        using var whole = new ConvNetInference(w);
        runs.Add(whole.Run);
        // Interleaved, so the sum of the layers and the whole pass below are timed under the same conditions.
        var timings = CallTimer.MeasureInterleaved(runs, budgetSeconds: 1);
        double layerSum = 0;
        for (int i = 0; i < kernels.Count; i++)
        {
            var (k, b) = (kernels[i], buffers[i]);
            var (forward, backward) = (timings[2 * i], timings[2 * i + 1]);
            // Backward is the dWeight pass plus, except for the first layer, the dInput pass: each as many FMAs as forward.
            double backwardFlops = k.Flops * (b.DInput.Length == 0 ? 1 : 2);
            double f = k.Flops / forward.Median / 1e9, bw = backwardFlops / backward.Median / 1e9;
            layerSum += forward.Median;
            table.Add(b.Layer.Name, $"{b.Layer.Input} -> {b.Layer.Output}", $"{k.Flops / 1e6:F2}",
                CallTimer.Format(forward.Median), $"{f:F2}", $"{100 * f / peak.PerCoreGflops:F1}%",
                CallTimer.Format(backward.Median), $"{bw:F2}", $"{100 * bw / peak.PerCoreGflops:F1}%");
        }
        var network = timings[^1];
        Console.WriteLine($"{def.Name} per layer, batch 1, 1 thread (generated kernels called directly; % of the one-core FMA peak):");
        Console.WriteLine(table);
        Console.WriteLine("Fully connected layers against the one-thread memory bandwidth (bytes: each float a kernel must read or write once):");
        long? cache = MemoryBandwidth.LastLevelCacheBytes();
        for (int i = 0; i < kernels.Count; i++)
        {
            var b = buffers[i];
            if (b.Layer.Kind != LayerKind.FullyConnected) continue;
            long m = b.Layer.Output.Length, n = b.Layer.Input.Length, dInput = b.DInput.Length;
            // Forward: weights, bias, input, output. Backward: dWeight and dBias read and written, the output gradient and
            // input read, and for dInput the weights read and dInput written.
            long forwardBytes = 4 * (m * n + 2 * m + n), backwardBytes = 4 * (2 * m * n + 3 * m + n + (dInput == 0 ? 0 : m * n + n));
            double fwd = forwardBytes / timings[2 * i].Median / 1e9, bwd = backwardBytes / timings[2 * i + 1].Median / 1e9;
            // Both sizes, since weights and dWeight that fit the last-level cache come from it, faster than memory.
            string where = $"weights and dWeight {Bytes(8 * m * n)}" + (cache is { } c ? $", last-level cache {c >> 20} MB" : "");
            Console.WriteLine($"  {b.Layer.Name}: forward {Bytes(forwardBytes)}, {fwd:F1} GB/s = {100 * fwd / bandwidth.ReadOne:F0}% of read {bandwidth.ReadOne:F1}; " +
                $"backward {Bytes(backwardBytes)}, {bwd:F1} GB/s = {100 * bwd / bandwidth.UpdateOne:F0}% of read-modify-write {bandwidth.UpdateOne:F1} ({where})");
            int r = relu.IndexOf(i);
            if (r < 0) continue;
            var reluTime = timings[2 * kernels.Count + r].Median;
            int zeros = Array.FindAll(b.ReluDOutput!, x => x == 0).Length;
            // Rows whose output gradient is 0 leave dWeight as it is, so only the others' rows of it are moved.
            long reluBytes = backwardBytes - 4 * 2 * zeros * n;
            Console.WriteLine($"  {b.Layer.Name} backward behind its ReLU ({zeros} of {m} output gradients 0): {CallTimer.Format(reluTime)}, " +
                $"{Bytes(reluBytes)} to move, {reluBytes / reluTime / 1e9:F1} GB/s");
        }
        static string Bytes(long b) => b >= 1_000_000 ? $"{b / 1e6:F1} MB" : $"{b / 1e3:F1} KB";
        Console.WriteLine($"Sum of these forward kernels {CallTimer.Format(layerSum)}; whole forward pass {CallTimer.Format(network.Median)} " +
            $"({100 * (1 - layerSum / network.Median):F1}% outside conv/FC kernels: ReLU, pooling, copies).");
        Console.WriteLine();
    }
}
