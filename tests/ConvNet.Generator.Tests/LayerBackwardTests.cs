using System;
using System.Linq;
using Xunit;
using static ConvNet.Tests.RefLayer;

namespace ConvNet.Tests;

/// <summary>INetwork.Backward(layer, ...): backpropagating from any layer's output equals the reference network cut
/// after that layer (its parameters are a prefix of the whole network's), and from the last layer it is Backward.</summary>
public class LayerBackwardTests
{
    private static readonly ReferenceNetwork Chain = new((2, 10, 10),
        Conv(3, 3, pad: 1), Tanh, MaxPool(2), Conv(4, 3, stride: 2, pad: 1), Sigmoid, AvgPool(3, 1), Relu, Fc(6), Tanh, Fc(3));

    private static readonly Lazy<System.Reflection.Assembly> Compiled = new(() => Harness.Load(Chain.Source("LayerChain")));

    [Fact]
    public void Every_layer_matches_the_reference_cut_after_it()
    {
        for (int layer = 0; layer < Chain.Layers.Length; layer++)
        {
            var net = Harness.Create(Compiled.Value, "Numerics.LayerChain");
            var rng = new Random(layer);
            var noise = Numerics.Uniform(rng, net.Parameters.Length);
            for (int k = 0; k < noise.Length; k++) net.Parameters[k] += 0.1f * noise[k];
            var input = Numerics.Uniform(rng, net.InputLength);
            var cut = new ReferenceNetwork(Chain.Input, Chain.Layers[..(layer + 1)]);
            var gradient = Numerics.Uniform(rng, ReferenceNetwork.Length(cut.Shapes[^1]));

            net.Forward(input, new float[net.OutputLength]);
            var dInput = new float[net.InputLength];
            net.Backward(layer, gradient, dInput);

            var prefix = net.Parameters[..cut.ParameterCount];
            var acts = cut.Forward(prefix, input);
            var (refDInput, refDParams) = cut.Backward(prefix, acts, gradient.Select(v => (double)v).ToArray());
            Numerics.AssertClose(refDInput, dInput, $"layer {layer} dInput");
            Numerics.AssertClose(refDParams, net.Gradients.AsSpan(0, cut.ParameterCount), $"layer {layer} dParameters");
            Assert.All(net.Gradients[cut.ParameterCount..], g => Assert.Equal(0f, g));
        }
    }

    [Fact]
    public void The_last_layer_is_Backward_to_the_bit_and_batches_match_single_samples()
    {
        var rng = new Random(7);
        var input = Numerics.Uniform(rng, 3 * Chain.Input.C * Chain.Input.H * Chain.Input.W);
        var a = Harness.Create(Compiled.Value, "Numerics.LayerChain");
        var b = Harness.Create(Compiled.Value, "Numerics.LayerChain");
        var outputs = new float[3 * a.OutputLength];
        var dOut = Numerics.Uniform(rng, outputs.Length);
        a.Forward(input, outputs, 3);
        b.Forward(input, outputs, 3);
        var dA = new float[input.Length];
        var dB = new float[input.Length];
        a.Backward(dOut, dA, 3);
        b.Backward(Chain.Layers.Length - 1, dOut, dB, 3);
        Assert.Equal(dA, dB);
        Assert.Equal(a.Gradients, b.Gradients);

        // Layer 3 for a batch of 3 adds up what the single-sample call gives for each sample.
        int length = a.Layers[3].Output.Length;
        var gradients = Numerics.Uniform(rng, 3 * length);
        var batch = Harness.Create(Compiled.Value, "Numerics.LayerChain");
        batch.Forward(input, outputs, 3);
        var dBatch = new float[input.Length];
        batch.Backward(3, gradients, dBatch, 3);
        var single = Harness.Create(Compiled.Value, "Numerics.LayerChain");
        int n = a.InputLength;
        for (int s = 0; s < 3; s++)
        {
            single.Forward(input.AsSpan(s * n, n), new float[single.OutputLength]);
            var d = new float[n];
            single.Backward(3, gradients.AsSpan(s * length, length), d);
            Numerics.AssertClose(d.Select(v => (double)v).ToArray(), dBatch.AsSpan(s * n, n), $"sample {s}");
        }
        Numerics.AssertClose(single.Gradients.Select(v => (double)v).ToArray(), batch.Gradients, "summed gradients");
    }

    [Fact]
    public void Misuse_is_refused_before_anything_is_written()
    {
        var net = Harness.Create(Compiled.Value, "Numerics.LayerChain");
        var before = (float[])net.Gradients.Clone();
        Assert.Throws<InvalidOperationException>(() => net.Backward(2, new float[net.Layers[2].Output.Length], []));
        net.Forward(new float[net.InputLength], new float[net.OutputLength]);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Backward(-1, new float[1], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Backward(Chain.Layers.Length, new float[1], []));
        var e = Assert.Throws<ArgumentException>(() => net.Backward(2, new float[net.Layers[2].Output.Length + 1], []));
        Assert.Contains(net.Layers[2].Output.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Throws<ArgumentException>(() => net.Backward(2, new float[net.Layers[2].Output.Length], new float[3]));
        Assert.Throws<InvalidOperationException>(() => net.Backward(2, new float[2 * net.Layers[2].Output.Length], [], 2));
        Assert.Equal(before, net.Gradients);
    }

    [Fact]
    public void A_dead_branch_is_refused()
    {
        var assembly = Harness.Load("""
            using ConvNet;
            namespace App;
            [Input(1, 4, 4)]
            [Conv(2, 3, Name = "side")]
            [FullyConnected(3, From = "input")]
            public partial class DeadBranch { }
            """, "CNN016");
        var net = Harness.Create(assembly, "App.DeadBranch");
        net.Forward(new float[net.InputLength], new float[net.OutputLength]);
        var e = Assert.Throws<InvalidOperationException>(() => net.Backward(0, new float[net.Layers[0].Output.Length], []));
        Assert.Contains("side", e.Message);
    }
}
