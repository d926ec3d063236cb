using System;
using System.Collections.Generic;
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

    internal sealed record Kernel(int Index, long Flops, int ScratchLength, LayerForward Forward, LayerBackward Backward);

    internal static readonly Kernel[] CifarKernels =
    [
        new(CifarNet.Conv1.Index, CifarNet.Conv1.Flops, CifarNet.Conv1.ScratchLength, CifarNet.Conv1.Forward, CifarNet.Conv1.Backward),
        new(CifarNet.Conv2.Index, CifarNet.Conv2.Flops, CifarNet.Conv2.ScratchLength, CifarNet.Conv2.Forward, CifarNet.Conv2.Backward),
        new(CifarNet.Conv3.Index, CifarNet.Conv3.Flops, CifarNet.Conv3.ScratchLength, CifarNet.Conv3.Forward, CifarNet.Conv3.Backward),
        new(CifarNet.Fc1.Index, CifarNet.Fc1.Flops, CifarNet.Fc1.ScratchLength, CifarNet.Fc1.Forward, CifarNet.Fc1.Backward),
        new(CifarNet.Fc2.Index, CifarNet.Fc2.Flops, CifarNet.Fc2.ScratchLength, CifarNet.Fc2.Forward, CifarNet.Fc2.Backward),
    ];

    internal static readonly Kernel[] Vgg16Kernels =
    [
        new(Vgg16.Conv1.Index, Vgg16.Conv1.Flops, Vgg16.Conv1.ScratchLength, Vgg16.Conv1.Forward, Vgg16.Conv1.Backward),
        new(Vgg16.Conv2.Index, Vgg16.Conv2.Flops, Vgg16.Conv2.ScratchLength, Vgg16.Conv2.Forward, Vgg16.Conv2.Backward),
        new(Vgg16.Conv3.Index, Vgg16.Conv3.Flops, Vgg16.Conv3.ScratchLength, Vgg16.Conv3.Forward, Vgg16.Conv3.Backward),
        new(Vgg16.Conv4.Index, Vgg16.Conv4.Flops, Vgg16.Conv4.ScratchLength, Vgg16.Conv4.Forward, Vgg16.Conv4.Backward),
        new(Vgg16.Conv5.Index, Vgg16.Conv5.Flops, Vgg16.Conv5.ScratchLength, Vgg16.Conv5.Forward, Vgg16.Conv5.Backward),
        new(Vgg16.Conv6.Index, Vgg16.Conv6.Flops, Vgg16.Conv6.ScratchLength, Vgg16.Conv6.Forward, Vgg16.Conv6.Backward),
        new(Vgg16.Conv7.Index, Vgg16.Conv7.Flops, Vgg16.Conv7.ScratchLength, Vgg16.Conv7.Forward, Vgg16.Conv7.Backward),
        new(Vgg16.Conv8.Index, Vgg16.Conv8.Flops, Vgg16.Conv8.ScratchLength, Vgg16.Conv8.Forward, Vgg16.Conv8.Backward),
        new(Vgg16.Conv9.Index, Vgg16.Conv9.Flops, Vgg16.Conv9.ScratchLength, Vgg16.Conv9.Forward, Vgg16.Conv9.Backward),
        new(Vgg16.Conv10.Index, Vgg16.Conv10.Flops, Vgg16.Conv10.ScratchLength, Vgg16.Conv10.Forward, Vgg16.Conv10.Backward),
        new(Vgg16.Conv11.Index, Vgg16.Conv11.Flops, Vgg16.Conv11.ScratchLength, Vgg16.Conv11.Forward, Vgg16.Conv11.Backward),
        new(Vgg16.Conv12.Index, Vgg16.Conv12.Flops, Vgg16.Conv12.ScratchLength, Vgg16.Conv12.Forward, Vgg16.Conv12.Backward),
        new(Vgg16.Conv13.Index, Vgg16.Conv13.Flops, Vgg16.Conv13.ScratchLength, Vgg16.Conv13.Forward, Vgg16.Conv13.Backward),
        new(Vgg16.Fc1.Index, Vgg16.Fc1.Flops, Vgg16.Fc1.ScratchLength, Vgg16.Fc1.Forward, Vgg16.Fc1.Backward),
        new(Vgg16.Fc2.Index, Vgg16.Fc2.Flops, Vgg16.Fc2.ScratchLength, Vgg16.Fc2.Forward, Vgg16.Fc2.Backward),
        new(Vgg16.Fc3.Index, Vgg16.Fc3.Flops, Vgg16.Fc3.ScratchLength, Vgg16.Fc3.Forward, Vgg16.Fc3.Backward),
    ];

    /// <summary>Buffers for one layer's kernels, cut from a real forward pass of the workload's first sample. The
    /// parameters and the gradient array are the network's, shared by every layer (VGG-16's are 553 MB each).</summary>
    internal sealed class LayerBuffers
    {
        public float[] Parameters = [], Input = [], Output = [], Expected = [], DOutput = [], Gradients = [], DInput = [], Scratch = [];
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
                });
            }
            return all;
        }
    }

    public static void Run(NetworkDef def, IReadOnlyList<Kernel> kernels, FmaPeak.Result peak)
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
        Console.WriteLine($"Sum of these forward kernels {CallTimer.Format(layerSum)}; whole forward pass {CallTimer.Format(network.Median)} " +
            $"({100 * (1 - layerSum / network.Median):F1}% outside conv/FC kernels: ReLU, pooling, copies).");
        Console.WriteLine();
    }
}
