using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;
using static ConvNet.Tests.RefLayer;

namespace ConvNet.Tests;

/// <summary>Generated Forward and Backward against the independent double-precision reference, per layer kind and
/// for whole networks: exact on small integers (bit for bit), close on random reals, and against finite differences.</summary>
public class NumericTests
{
    public static readonly Case[] Cases =
    [
        new("ConvPlain", new((2, 6, 7), Conv(3, 3))),
        new("ConvPadStride", new((3, 9, 9), Conv(4, 3, stride: 2, pad: 1))),
        new("ConvPad2", new((1, 5, 8), Conv(2, 5, pad: 2))),
        new("ConvStride3Pad2", new((2, 9, 12), Conv(3, 4, stride: 3, pad: 2))),
        new("ConvOneByOne", new((5, 4, 4), Conv(3, 1))),
        // dWeight as a GEMM over colT (HW <= 2*CKK), accumulated in place: CKK 144 = 9 Vector512s; CKK 20 = 16 + a Vector128.
        new("ConvWeightGemm144", new((16, 6, 6), Conv(8, 3, pad: 1))),
        new("ConvWeightGemm20", new((5, 5, 5), Conv(4, 2))),
        // Single-channel stride-1 forward without im2col (padded-width GEMM passes): padded, unpadded, and a width whose
        // wide rows (22 x 9 = 198) end in a partial vector, so the accumulating passes take narrower widths.
        new("ConvSingleChannelPad", new((1, 9, 20), Conv(5, 3, pad: 1))),
        new("ConvSingleChannel", new((1, 7, 16), Conv(3, 3))),
        new("MaxPool2", new((2, 6, 8), MaxPool(2))),
        new("MaxPoolOverlap", new((3, 7, 7), MaxPool(3, 2))),
        new("AvgPool2", new((2, 4, 6), AvgPool(2))),
        new("AvgPool3Stride1", new((2, 5, 5), AvgPool(3, 1))),
        new("Fc", new((2, 3, 3), Fc(7))),
        new("Relu", new((2, 3, 5), Relu)),
        new("Sigmoid", new((1, 4, 4), Sigmoid)),
        new("Tanh", new((3, 2, 2), Tanh)),
        new("Tiny", new((3, 12, 12), Conv(4, 5, pad: 2), Relu, MaxPool(2), Fc(5))),
        new("LeNetLike", new((1, 28, 28), Conv(6, 5, pad: 2), Relu, MaxPool(2), Conv(16, 5), Relu, MaxPool(2), Fc(120), Relu, Fc(84), Relu, Fc(10))),
        new("Smooth", new((2, 10, 10), Conv(3, 3, pad: 1), Tanh, AvgPool(2), Conv(4, 3, stride: 2, pad: 1), Sigmoid, Fc(6), Tanh, Fc(3))),
        .. ConvSweep(),
        .. FcSweep(),
    ];

    // A property, not a field: Cases (above) is initialised first and reads it.
    private static int[] SweepChannels => [1, 7, 8, 9, 16, 17];

    /// <summary>One conv per output width 1..33, with channel counts around vector and register-tile sizes and a mix of
    /// strides, pads, kernel sizes and heights, so that every tile, vector tail, overlapping last vector, scalar
    /// fallback (fewer pixels than a vector) and padded border of the generated kernels meets the reference.</summary>
    private static IEnumerable<Case> ConvSweep()
    {
        for (int ow = 1; ow <= 33; ow++)
        {
            int stride = 1 + ow % 3, k = ow % 4 == 0 ? 1 : 2 + ow % 3, pad = Math.Min(ow % 3, k - 1), oh = 1 + ow % 4;
            int f = SweepChannels[ow % 6], c = SweepChannels[(ow * 5 + 1) % 6];
            int w = (ow - 1) * stride + k - 2 * pad, h = (oh - 1) * stride + k - 2 * pad;
            if (w < 1 || h < 1) { pad = 0; w = (ow - 1) * stride + k; h = (oh - 1) * stride + k; }
            yield return new($"ConvSweep{ow}", new((c, h, w), Conv(f, k, stride, pad)));
        }
    }

    /// <summary>FC and ReLU lengths across 4-, 8- and 16-float vector boundaries, and output counts across the 4-row tile.</summary>
    private static IEnumerable<Case> FcSweep()
    {
        int[] lengths = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49];
        for (int i = 0; i < lengths.Length; i++)
            yield return new($"FcSweep{lengths[i]}", new((1, 1, lengths[i]), Relu, Fc(SweepChannels[i % 6])));
    }

    public static TheoryData<Case> All => [.. Cases];

    /// <summary>Exact arithmetic needs only +, * and division by powers of two, and sums below 2^24, which small
    /// integers keep through at most two layers with parameters (the test asserts the bound).</summary>
    public static TheoryData<Case> ExactCases =>
    [
        .. Cases.Where(c => c.Reference.Layers.All(l => l.Kind is not (LayerKind.Sigmoid or LayerKind.Tanh)
                                                        && !(l.Kind == LayerKind.AvgPool && l.Size != 2))
                            && c.Reference.Layers.Count(l => l.Kind is LayerKind.Conv or LayerKind.FullyConnected) <= 2),
    ];

    private static readonly Lazy<Assembly> Compiled = new(() =>
        Harness.Load(string.Join("\n", Cases.Select((c, i) => c.Reference.Source(c.Name, $"Numerics{i}")))));

    internal static INetwork Create(Case c) =>
        Harness.Create(Compiled.Value, $"Numerics{Array.IndexOf(Cases, c)}.{c.Name}");

    [Theory, MemberData(nameof(All))]
    public void Layout_matches_the_reference(Case c)
    {
        var net = Create(c);
        var r = c.Reference;
        Assert.Equal(r.ParameterCount, net.Parameters.Length);
        Assert.Equal(ReferenceNetwork.Length(r.Input), net.InputLength);
        Assert.Equal(r.OutputLength, net.OutputLength);
        for (int i = 0; i < r.Layers.Length; i++)
        {
            Assert.Equal(new Shape(r.Shapes[i + 1].C, r.Shapes[i + 1].H, r.Shapes[i + 1].W), net.Layers[i].Output);
            Assert.Equal(r.ParamOffsets[i], net.Layers[i].ParameterOffset);
        }
    }

    [Theory, MemberData(nameof(ExactCases))]
    public void Small_integers_give_bit_exact_forward_and_backward(Case c)
    {
        var rng = new Random(c.Name.Length * 7919);
        var net = Create(c);
        var r = c.Reference;
        Array.Copy(Numerics.Integers(rng, r.ParameterCount, 4), net.Parameters, r.ParameterCount);
        var input = Numerics.Integers(rng, net.InputLength, 8);
        var dOut = Numerics.Integers(rng, net.OutputLength, 4);
        var acts = r.Forward(net.Parameters, input);
        Assert.True(acts.All(a => a.All(v => Math.Abs(v) < 1 << 24)), "test precondition: values stay exact in float");
        CompareOnce(net, r, input, dOut, exact: true);
    }

    [Theory, MemberData(nameof(All))]
    public void Random_reals_match_the_reference(Case c)
    {
        var rng = new Random(c.Name.Length * 104729);
        var net = Create(c);
        var r = c.Reference;
        // The constructor's He/Xavier weights keep deep activations at a realistic scale; the noise makes biases non-zero.
        var noise = Numerics.Uniform(rng, r.ParameterCount);
        for (int i = 0; i < r.ParameterCount; i++) net.Parameters[i] += 0.1f * noise[i];
        CompareOnce(net, r, Numerics.Uniform(rng, net.InputLength), Numerics.Uniform(rng, net.OutputLength), exact: false);
    }

    private static void CompareOnce(INetwork net, ReferenceNetwork r, float[] input, float[] dOut, bool exact)
    {
        var output = new float[net.OutputLength];
        net.Forward(input, output);
        var acts = r.Forward(net.Parameters, input);
        net.ZeroGradients();
        var dInput = new float[net.InputLength];
        net.Backward(dOut, dInput);
        var (refDInput, refDParams) = r.Backward(net.Parameters, acts, dOut.Select(v => (double)v).ToArray());
        Action<double[], ReadOnlySpan<float>, string> check = exact
            ? Numerics.AssertExact
            : (e, a, w) => Numerics.AssertClose(e, a, w);
        check(acts[^1], output, "output");
        for (int i = 0; i < r.Layers.Length; i++) check(acts[i + 1], net.LayerOutput(i), $"layer {i} output");
        check(refDInput, dInput, "dInput");
        check(refDParams, net.Gradients, "dParameters");
    }

    [Theory, MemberData(nameof(All))]
    public void Batch_matches_the_per_sample_loop_and_repeats_bit_for_bit(Case c)
    {
        // Two workers get 5 and 6 samples: the fully connected head's groups of 4 samples and every remainder after them.
        const int batch = 11;
        var rng = new Random(11);
        var net = Create(c);
        net.MaxDegreeOfParallelism = 2;
        var noise = Numerics.Uniform(rng, net.Parameters.Length);
        for (int i = 0; i < noise.Length; i++) net.Parameters[i] += 0.1f * noise[i];
        var inputs = Numerics.Uniform(rng, batch * net.InputLength);
        var dOuts = Numerics.Uniform(rng, batch * net.OutputLength);

        var expectedOut = new double[batch * net.OutputLength];
        var expectedDIn = new double[batch * net.InputLength];
        var expectedGrad = new double[net.Parameters.Length];
        var output = new float[net.OutputLength];
        var dIn = new float[net.InputLength];
        for (int n = 0; n < batch; n++)
        {
            net.ZeroGradients();
            net.Forward(inputs.AsSpan(n * net.InputLength, net.InputLength), output);
            net.Backward(dOuts.AsSpan(n * net.OutputLength, net.OutputLength), dIn);
            for (int i = 0; i < output.Length; i++) expectedOut[n * output.Length + i] = output[i];
            for (int i = 0; i < dIn.Length; i++) expectedDIn[n * dIn.Length + i] = dIn[i];
            for (int i = 0; i < expectedGrad.Length; i++) expectedGrad[i] += net.Gradients[i];
        }

        float[] RunBatch(out float[] batchDIn)
        {
            var outs = new float[batch * net.OutputLength];
            batchDIn = new float[batch * net.InputLength];
            net.ZeroGradients();
            net.Forward(inputs, outs, batch);
            net.Backward(dOuts, batchDIn, batch);
            Numerics.AssertClose(expectedOut, outs, "batch output");
            return outs;
        }
        var outs1 = RunBatch(out var dIn1);
        var grad1 = (float[])net.Gradients.Clone();
        Numerics.AssertClose(expectedDIn, dIn1, "batch dInput");
        Numerics.AssertClose(expectedGrad, grad1, "batch gradients");
        var outs2 = RunBatch(out var dIn2);
        Assert.Equal(outs1, outs2);
        Assert.Equal(dIn1, dIn2);
        Assert.Equal(grad1, net.Gradients);
    }
}
