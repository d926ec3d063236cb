using System;
using System.Linq;
using Xunit;

namespace ConvNet.Tests;

/// <summary>Training-mode dropout draws its masks inside the network, so the tests read them from what the network
/// computes and check everything else exactly: the share dropped (a binomial bound), the kept values' scale, the
/// backward's use of the same mask, reproducibility per seed, independence from the thread count and between layers,
/// and, through an identity FC layer that shows a batch's masks in the output, the whole network against the reference.
/// The networks are <see cref="NumericTests"/>' cases (one compilation).</summary>
public class DropoutTests
{
    private static INetwork Create(string name, int seed = 0, int threads = 2)
    {
        var net = NumericTests.Create(NumericTests.Get(name), seed);
        net.MaxDegreeOfParallelism = threads;
        net.Training = true;
        return net;
    }

    private static float[] Forward(INetwork net, float[] inputs, int batch)
    {
        var outputs = new float[batch * net.OutputLength];
        net.Forward(inputs, outputs, batch);
        return outputs;
    }

    /// <summary>Uniform in [-1, 1] without zeros, so every dropped value shows as a zero.</summary>
    private static float[] NonZero(Random rng, int length) =>
        [.. Numerics.Uniform(rng, length).Select(v => v == 0 ? 0.5f : v)];

    [Theory]
    [InlineData("DropoutOnly0", 0.0)]
    [InlineData("DropoutOnly10", 0.1)]
    [InlineData("DropoutOnly50", 0.5)]
    [InlineData("DropoutOnly90", 0.9)]
    public void Drops_the_expected_share_and_scales_the_rest_exactly(string name, double p)
    {
        const int batch = 16;
        var net = Create(name);
        var rng = new Random(name.Length);
        var inputs = NonZero(rng, batch * net.InputLength);
        var outputs = Forward(net, inputs, batch);
        float scale = (float)(1 / (1 - p));
        int dropped = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (outputs[i] == 0) dropped++;
            else Assert.Equal(inputs[i] * scale, outputs[i]);
        }
        // Five standard deviations of the binomial share: a wrong threshold or a biased hash fails, chance does not.
        double share = (double)dropped / inputs.Length, sigma = Math.Sqrt(p * (1 - p) / inputs.Length);
        Assert.True(Math.Abs(share - p) <= 5 * sigma, $"dropped {share:P2}, expected {p:P0} +- {5 * sigma:P2}");

        // Backward: the forward's mask and scale, exactly.
        var dOuts = Numerics.Uniform(rng, outputs.Length);
        var dInputs = new float[inputs.Length];
        net.Backward(dOuts, dInputs, batch);
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(outputs[i] == 0 ? 0f : dOuts[i] * scale, dInputs[i]);

        if (p == 0) return;
        var perSample = Enumerable.Range(0, batch).Select(n => outputs.Skip(n * net.InputLength).Take(net.InputLength).Select(v => v == 0).ToArray()).ToList();
        Assert.Equal(batch, perSample.Select(m => string.Concat(m.Select(b => b ? '1' : '0'))).Distinct().Count());
    }

    /// <summary>The same constructor seed gives the same masks call after call, on 1 thread or 2; the next call, another
    /// seed or another sample gives other masks.</summary>
    [Fact]
    public void Masks_are_reproducible_per_seed_and_independent_of_the_thread_count()
    {
        const int batch = 7;
        var inputs = NonZero(new Random(3), batch * 1024);
        var one = Create("DropoutOnly50", seed: 7, threads: 1);
        var two = Create("DropoutOnly50", seed: 7, threads: 2);
        var other = Create("DropoutOnly50", seed: 8, threads: 2);
        var first = Forward(one, inputs, batch);
        Assert.Equal(first, Forward(two, inputs, batch));
        Assert.NotEqual(first, Forward(other, inputs, batch));
        var second = Forward(one, inputs, batch);
        Assert.Equal(second, Forward(two, inputs, batch));
        Assert.NotEqual(first, second);

        var single = new float[1024];
        var singleTwo = new float[1024];
        one.Forward(inputs.AsSpan(0, 1024), single);
        two.Forward(inputs.AsSpan(0, 1024), singleTwo);
        Assert.Equal(single, singleTwo);
    }

    /// <summary>Two dropout layers in one Forward: where the first kept a value, the second must still drop about half.</summary>
    [Fact]
    public void Two_layers_draw_independent_masks()
    {
        var net = Create("DropoutTwice");
        var input = NonZero(new Random(4), net.InputLength);
        net.Forward(input, new float[net.OutputLength]);
        var firstKept = net.LayerOutput(0).ToArray().Select(v => v != 0).ToArray();
        var secondKept = net.LayerOutput(2).ToArray().Select(v => v != 0).ToArray();
        int both = firstKept.Count(k => k);
        int droppedBySecond = Enumerable.Range(0, firstKept.Length).Count(i => firstKept[i] && !secondKept[i]);
        double sigma = Math.Sqrt(0.25 / both);
        Assert.True(Math.Abs((double)droppedBySecond / both - 0.5) <= 5 * sigma, $"second layer dropped {droppedBySecond} of the {both} the first kept");
    }

    /// <summary>Backward differentiates the Forward it follows, whatever the mode is set to in between.</summary>
    [Fact]
    public void Backward_follows_the_mode_of_its_forward()
    {
        var net = Create("DropoutOnly50");
        var rng = new Random(6);
        var input = NonZero(rng, net.InputLength);
        var dOut = Numerics.Uniform(rng, net.OutputLength);
        var output = new float[net.OutputLength];
        var dInput = new float[net.InputLength];
        net.Forward(input, output);
        net.Training = false;
        net.Backward(dOut, dInput);
        Assert.Contains(output, v => v == 0);
        for (int i = 0; i < dInput.Length; i++) Assert.Equal(output[i] == 0 ? 0f : dOut[i] * 2f, dInput[i]);

        net.Forward(input, output);
        Assert.Equal(input, output);
        net.Training = true;
        net.Backward(dOut, dInput);
        Assert.Equal(dOut, dInput);
    }

    /// <summary>Makes the last layer, a fully connected one as wide as its input, the identity (exact: one product by 1,
    /// the rest by 0), so a batch's outputs are its dropout layer's outputs.</summary>
    internal static void MakeIdentityHead(INetwork net)
    {
        var fc = net.Layers[^1];
        int n = fc.Output.Channels;
        Assert.Equal(LayerKind.FullyConnected, fc.Kind);
        Assert.Equal(n, fc.Input.Length);
        Array.Clear(net.Parameters, fc.ParameterOffset, fc.ParameterCount);
        for (int k = 0; k < n; k++) net.Parameters[fc.ParameterOffset + k * n + k] = 1;
    }

    /// <summary>The masks of the one dropout layer of a network with an identity head (<see cref="MakeIdentityHead"/>),
    /// read from a batch's outputs of <paramref name="n"/> values per sample: kept where the output is not zero.</summary>
    internal static Func<int, int, int, bool> MasksShownByIdentityHead(ReferenceNetwork r, float[] outputs, int n)
    {
        int dropout = Array.FindIndex(r.Layers, l => l.Kind == LayerKind.Dropout);
        Assert.Equal(r.Layers.Length - 2, dropout);
        var copy = (float[])outputs.Clone();
        return (layer, sample, element) => layer == dropout ? copy[sample * n + element] != 0 : throw new ArgumentOutOfRangeException(nameof(layer));
    }

    /// <summary>Dropout in the middle of a batch, after a training batch norm and in the fully connected head: an identity
    /// FC layer after it copies its output (exact: one product by 1, the rest by 0), so the masks can be read from the
    /// network's outputs, then the network is compared with the reference using those masks, on 2 threads and on 1.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Batch_masks_give_the_reference_result(int threads)
    {
        const int batch = 11;
        var c = NumericTests.Get("DropoutIdentityHead");
        var r = c.Reference;
        var net = Create(c.Name, seed: 9, threads);
        var rng = new Random(9);
        NumericTests.Perturb(net, rng);
        MakeIdentityHead(net);
        int n = net.OutputLength;

        var inputs = Numerics.Uniform(rng, batch * net.InputLength);
        var dOuts = Numerics.Uniform(rng, batch * n);
        var buffers = ReferenceNetwork.D(net.Buffers);
        var outputs = Forward(net, inputs, batch);
        var dInputs = new float[inputs.Length];
        net.ZeroGradients();
        net.Backward(dOuts, dInputs, batch);

        var keep = MasksShownByIdentityHead(r, outputs, n);
        var p = ReferenceNetwork.D(net.Parameters);
        var samples = Enumerable.Range(0, batch).Select(s => ReferenceNetwork.D(inputs.AsSpan(s * net.InputLength, net.InputLength))).ToArray();
        var pass = r.Run(p, buffers, samples, training: true, keep);
        var (refDInputs, refDParams) = r.Backward(p, pass, [.. Enumerable.Range(0, batch).Select(s => ReferenceNetwork.D(dOuts.AsSpan(s * n, n)))]);
        Numerics.AssertClose([.. pass.Acts.SelectMany(a => a[^1])], outputs, "outputs");
        Numerics.AssertClose([.. refDInputs.SelectMany(d => d)], dInputs, "dInputs");
        Numerics.AssertClose(refDParams, net.Gradients, "dParameters");
        Numerics.AssertClose(pass.Buffers, net.Buffers, "buffers");
        double share = outputs.Count(v => v == 0) / (double)outputs.Length;
        Assert.InRange(share, 0.15, 0.35);
    }
}
