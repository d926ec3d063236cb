using System;
using System.Linq;
using Xunit;

namespace ConvNet.Tests;

/// <summary>A Winograd layer's transformed filters are kept between calls and transformed again only when the weights
/// change: every change made through <see cref="INetwork.Parameters"/> must reach the next Forward and Backward, as the
/// direct kernels (which read the weights themselves) would see it. The reference is a fresh instance, which has never
/// transformed anything, given the same parameters.</summary>
public class WinogradTests
{
    private static readonly Case Winograd = NumericTests.Get("ConvWinograd");

    private static INetwork Fresh(float[] parameters) => Fresh(Winograd, parameters);

    private static INetwork Fresh(Case c, float[] parameters)
    {
        var net = NumericTests.Create(c);
        parameters.CopyTo(net.Parameters, 0);
        return net;
    }

    [Fact]
    public void A_weight_changed_between_forwards_is_used_by_the_next_forward()
    {
        var rng = new Random(11);
        var net = NumericTests.Create(Winograd);
        NumericTests.Perturb(net, rng);
        var input = Numerics.Uniform(rng, net.InputLength);
        var before = new float[net.OutputLength];
        net.Forward(input, before);

        // One weight of the last filter's last tap: the end of the compared range.
        net.Parameters[net.Layers[0].ParameterCount - net.Layers[0].Output.Channels - 1] += 0.5f;
        var after = new float[net.OutputLength];
        net.Forward(input, after);
        var expected = new float[net.OutputLength];
        Fresh(net.Parameters).Forward(input, expected);

        Assert.NotEqual(before, after);
        Assert.Equal(expected, after);
    }

    /// <summary>Weights at the start, at filter and channel boundaries, in the middle, and of the second of two Winograd
    /// layers (each keeps its own transformed filters): each single change must reach the next Forward.</summary>
    [Theory]
    [InlineData("ConvWinograd", 0, 0)]
    [InlineData("ConvWinograd", 0, 71)]
    [InlineData("ConvWinograd", 0, 72)]
    [InlineData("ConvWinograd", 0, 9)]
    [InlineData("ConvWinograd", 0, 150)]
    [InlineData("ConvWinogradTwice", 0, 300)]
    [InlineData("ConvWinogradTwice", 2, 0)]
    [InlineData("ConvWinogradTwice", 2, 215)]
    public void Any_single_weight_changed_between_forwards_is_used(string name, int layer, int weight)
    {
        var c = NumericTests.Get(name);
        var rng = new Random(weight + 7 * layer);
        var net = NumericTests.Create(c);
        NumericTests.Perturb(net, rng);
        var input = Numerics.Uniform(rng, net.InputLength);
        var before = new float[net.OutputLength];
        net.Forward(input, before);

        var info = net.Layers[layer];
        Assert.InRange(weight, 0, info.ParameterCount - info.Output.Channels - 1);
        net.Parameters[info.ParameterOffset + weight] += 0.5f;
        var after = new float[net.OutputLength];
        net.Forward(input, after);
        var expected = new float[net.OutputLength];
        Fresh(c, net.Parameters).Forward(input, expected);
        Assert.NotEqual(before, after);
        Assert.Equal(expected, after);
    }

    /// <summary>A weight changed and changed back: the filters transformed for the changed value must not stay.</summary>
    [Fact]
    public void A_weight_changed_and_restored_gives_the_first_result_again()
    {
        var rng = new Random(14);
        var net = NumericTests.Create(Winograd);
        NumericTests.Perturb(net, rng);
        var input = Numerics.Uniform(rng, 2 * net.InputLength);
        var first = new float[2 * net.OutputLength];
        net.Forward(input, first, 2);
        float kept = net.Parameters[5];
        net.Parameters[5] = kept + 1;
        var changed = new float[first.Length];
        net.Forward(input, changed, 2);
        net.Parameters[5] = kept;
        var restored = new float[first.Length];
        net.Forward(input, restored, 2);
        Assert.NotEqual(first, changed);
        Assert.Equal(first, restored);
    }

    /// <summary>A batch Backward after the weights changed since its batch Forward: the input gradient (a Winograd pass
    /// over dOutput) uses the new weights, as a network that ran its Forward with them gives.</summary>
    [Fact]
    public void A_weight_changed_between_batch_forward_and_backward_is_used_by_the_backward()
    {
        const int batch = 3;
        var rng = new Random(15);
        var net = NumericTests.Create(Winograd);
        net.MaxDegreeOfParallelism = 2;
        var inputs = Numerics.Uniform(rng, batch * net.InputLength);
        var dOuts = Numerics.Uniform(rng, batch * net.OutputLength);
        net.Forward(inputs, new float[dOuts.Length], batch);
        net.Parameters[net.Layers[0].ParameterCount / 2] -= 0.75f;
        var dInputs = new float[inputs.Length];
        net.Backward(dOuts, dInputs, batch);

        var reference = Fresh(Winograd, net.Parameters);
        reference.MaxDegreeOfParallelism = 2;
        reference.Forward(inputs, new float[dOuts.Length], batch);
        var expected = new float[inputs.Length];
        reference.Backward(dOuts, expected, batch);
        Assert.Equal(expected, dInputs);
    }

    [Fact]
    public void A_batch_forward_after_a_single_one_sees_changed_weights()
    {
        var rng = new Random(12);
        var net = NumericTests.Create(Winograd);
        var input = Numerics.Uniform(rng, 3 * net.InputLength);
        net.Forward(input.AsSpan(0, net.InputLength), new float[net.OutputLength]);
        NumericTests.Perturb(net, rng);
        var outputs = new float[3 * net.OutputLength];
        net.Forward(input, outputs, 3);
        var expected = new float[3 * net.OutputLength];
        Fresh(net.Parameters).Forward(input, expected, 3);
        Assert.Equal(expected, outputs);
    }

    /// <summary>A 3x3 layer whose transformed filters would need 268 M floats (4096 channels to 4096) takes the direct
    /// path, and its generated code compiles: no buffer size overflows an int.</summary>
    [Fact]
    public void A_layer_too_large_for_transformed_filters_runs_direct()
    {
        var r = Harness.Run("using ConvNet;\n[Input(4096, 8, 8)]\n[Conv(4096, 3, Pad = 1)]\npublic partial class Huge { }\n[Input(512, 8, 8)]\n[Conv(512, 3, Pad = 1)]\npublic partial class Large { }\n");
        Assert.Empty(r.Cnn);
        Assert.Empty(r.Compiler.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        Assert.DoesNotContain("TransformWeights", r.Generated.Single(g => g.HintName.Contains("Huge")).Source);
        Assert.Contains("TransformWeights", r.Generated.Single(g => g.HintName.Contains("Large")).Source);
    }

    /// <summary>The input gradient of a single conv layer depends only on its weights and dOutput, so a Backward after the
    /// weights changed must give what a network that ran its Forward with the new weights gives.</summary>
    [Fact]
    public void A_weight_changed_between_forward_and_backward_is_used_by_the_backward()
    {
        var rng = new Random(13);
        var net = NumericTests.Create(Winograd);
        var input = Numerics.Uniform(rng, net.InputLength);
        var dOut = Numerics.Uniform(rng, net.OutputLength);
        net.Forward(input, new float[net.OutputLength]);
        NumericTests.Perturb(net, rng);
        var dIn = new float[net.InputLength];
        net.Backward(dOut, dIn);

        var reference = Fresh(net.Parameters);
        reference.Forward(input, new float[net.OutputLength]);
        var expected = new float[net.InputLength];
        reference.Backward(dOut, expected);
        Assert.Equal(expected, dIn);
    }
}
