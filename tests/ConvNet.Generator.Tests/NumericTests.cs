using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;
using static ConvNet.Tests.RefLayer;

namespace ConvNet.Tests;

/// <summary>Generated Forward and Backward against the independent double-precision reference, per layer kind and
/// for whole networks: exact on small integers (bit for bit) and close on random reals, in evaluation mode and in
/// training mode (batch norm on the call's statistics, dropout with the network's own masks). The finite-difference
/// checks of the same cases are <see cref="FiniteDifferenceTests"/>.</summary>
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
        // Stride-1 forward without im2col (GemmTaps over the padded input's windows): one channel padded and unpadded,
        // whose wide rows (22 x 9 = 198) end in an overlapping vector; three channels as in an RGB first layer; and five
        // channels with a 5x5 window.
        new("ConvSingleChannelPad", new((1, 9, 20), Conv(5, 3, pad: 1))),
        new("ConvSingleChannel", new((1, 7, 16), Conv(3, 3))),
        new("ConvTapsRgb", new((3, 8, 16), Conv(4, 3, pad: 1))),
        new("ConvTaps5x5", new((5, 6, 20), Conv(3, 5, pad: 2), Relu)),
        // The relaxed window rule: remainders that are only padding (3x3 s2 p1 on 8: 7 / 2) or the stride's gap (1x1 s2,
        // 2x2 s3 on 9) round down, and the last padded row or the gap is never read.
        // Winograd F(2x2,3x3) forward and input gradient (3x3 stride 1, outputs of 7+ columns, 16+ tiles, 8+ channels):
        // padded, unpadded, pad 2, and tile rows of 10 (a Vector256 and an overlapping last one).
        new("ConvWinograd", new((8, 8, 16), Conv(4, 3, pad: 1))),
        new("ConvWinogradNoPad", new((8, 10, 18), Conv(3, 3))),
        new("ConvWinogradPad2", new((9, 6, 14), Conv(4, 3, pad: 2))),
        new("ConvWinogradOverlap", new((8, 8, 20), Conv(5, 3, pad: 1), Relu)),
        // Odd sides: the last tile row and column are half outside and cropped (AlexNet's 13x13 layers).
        new("ConvWinogradOdd", new((8, 7, 13), Conv(4, 3, pad: 1))),
        new("ConvWinogradOddSquare", new((9, 13, 13), Conv(3, 3, pad: 1), Relu)),
        new("ConvWinogradOddNoPad", new((8, 9, 15), Conv(2, 3))),
        // Two Winograd layers: each keeps its own transformed filters (WinogradTests).
        new("ConvWinogradTwice", new((8, 8, 16), Conv(8, 3, pad: 1), Tanh, Conv(3, 3, pad: 1))),
        new("ConvRemainderInPadding", new((2, 8, 8), Conv(3, 3, stride: 2, pad: 1))),
        new("ConvRemainderInGap", new((3, 8, 7), Conv(2, 1, stride: 2))),
        new("MaxPoolRemainderInGap", new((2, 8, 8), MaxPool(1, 2))),
        new("AvgPoolRemainderInGap", new((1, 9, 9), AvgPool(2, 3))),
        new("MaxPool2", new((2, 6, 8), MaxPool(2))),
        new("MaxPoolOverlap", new((3, 7, 7), MaxPool(3, 2))),
        new("AvgPool2", new((2, 4, 6), AvgPool(2))),
        new("AvgPool3Stride1", new((2, 5, 5), AvgPool(3, 1))),
        new("Fc", new((2, 3, 3), Fc(7))),
        new("Relu", new((2, 3, 5), Relu)),
        new("Sigmoid", new((1, 4, 4), Sigmoid)),
        new("Tanh", new((3, 2, 2), Tanh)),
        new("LeakyRelu", new((2, 3, 5), LeakyRelu())),
        // A negative slope: backward must tell the sides of 0 apart by the input, not the output.
        new("LeakyReluNegative", new((1, 4, 4), Conv(2, 3, pad: 1), LeakyRelu(-0.5), Fc(3), LeakyRelu(0.25))),
        new("Tiny", new((3, 12, 12), Conv(4, 5, pad: 2), Relu, MaxPool(2), Fc(5))),
        new("LeNetLike", new((1, 28, 28), Conv(6, 5, pad: 2), Relu, MaxPool(2), Conv(16, 5), Relu, MaxPool(2), Fc(120), Relu, Fc(84), Relu, Fc(10))),
        new("Smooth", new((2, 10, 10), Conv(3, 3, pad: 1), Tanh, AvgPool(2), Conv(4, 3, stride: 2, pad: 1), Sigmoid, Fc(6), Tanh, Fc(3))),

        // Merges: a residual add of the input, an add of a volume to itself (one value, two inputs), an add whose input is
        // From, a channel concatenation in a different order from the layers, and one naming a volume twice.
        new("AddInput", new((3, 4, 8), Conv(3, 3, pad: 1), Add("input"))),
        new("AddSelf", new((2, 3, 5), Relu.Named("r"), Add("r"))),
        new("AddFrom", new((2, 4, 4), Tanh, Conv(2, 1).Taking("input"), Add("tanh1"))),
        new("Concat", new((2, 3, 4), Conv(3, 1), Conv(2, 3, pad: 1).Taking("input"), Concat("conv1", "input"))),
        new("AddInputTwice", new((1, 1, 5), Add("input").Taking("input"))),
        new("ConcatInputOnly", new((2, 1, 3), Concat("input").Taking("input"))),
        new("ConcatRepeat", new((1, 2, 8), Relu, Concat("relu1", "input", "relu1"))),
        new("ConcatRepeatShort", new((1, 1, 3), Relu, Concat("relu1", "input", "relu1"))),
        // r is read by the concat and, later, the add: the concat's backward adds into the delta the add wrote.
        new("ConcatThenAdd", new((2, 2, 2), Relu.Named("r"), Concat("input"), Conv(2, 1), Add("r"))),
        // Inputs of different sizes, so each one's slice starts after the sizes of those before it (k times its own size
        // would be right only for equal sizes): 4, 3 and 1 channels; 1, 2 and 2 (the smallest first); unequal branches.
        new("ConcatUnequal", new((3, 4, 4), Conv(1, 1).Named("a"), Conv(4, 3, pad: 1).Taking("input"), Concat("input", "a"))),
        new("ConcatSmallFirst", new((2, 3, 5), Conv(1, 1).Named("a"), Conv(2, 3, pad: 1).Taking("input").Named("b"), Concat("b", "input").Taking("a"))),
        new("InceptionUnequal", new((3, 5, 5),
            Conv(1, 1).Named("b1"),
            Conv(3, 3, pad: 1).Taking("input").Named("b2"),
            Conv(2, 5, pad: 2).Taking("input").Named("b3"),
            Conv(4, 1).Taking("input"), Concat("b1", "b2", "b3"), Tanh, Fc(3))),
        // An add that is not the first reader of its volume to write the volume's gradient (a later layer reads it too, so
        // its backward runs first): it must add in, into an arena block, into the network's input gradient, and across a
        // batch norm segment (the delta in the per-sample workspace).
        new("AddThenReader", new((2, 4, 4), Conv(2, 3, pad: 1).Named("x"), Tanh, Add("x"), Conv(2, 1).Taking("x"), Add("add1"))),
        new("AddInputThenReader", new((2, 3, 3), Tanh, Add("input"), Conv(2, 1).Taking("input"), Add("add1"))),
        new("AddAcrossBatchNorm", new((2, 4, 4), Conv(2, 3, pad: 1).Named("x"), Sigmoid, Add("x"), BatchNorm(), Add("x"), Tanh)),
        new("ResidualProjection", new((3, 8, 8), Conv(4, 3, stride: 2, pad: 1), Relu, Conv(4, 3, pad: 1), Conv(4, 1, stride: 2).Taking("input"), Add("conv2"), Relu)),
        new("Inception", new((4, 6, 6),
            Conv(2, 1).Named("b1"),
            Conv(3, 1).Taking("input"), Relu, Conv(2, 3, pad: 1).Named("b2"),
            Conv(1, 1).Taking("input"), Conv(2, 5, pad: 2).Named("b3"),
            MaxPool(1).Taking("input"), Conv(2, 1).Named("b4"),
            Concat("b1", "b2", "b3"))),
        // x read by three layers: relu (its default input), a 1x1 conv (From) and an add (From), whose gradients must sum.
        new("FanOut3", new((3, 5, 5), Conv(3, 3, pad: 1).Named("x"), Relu.Named("a"), Conv(3, 1).Taking("x").Named("b"),
            Add("x").Taking("a"), Add("b"))),
        // A dead branch (CNN016, silenced): its layers still run forward (and a dead batch norm still tracks statistics),
        // its parameters get no gradient.
        new("DeadBranch", new((2, 4, 4), Conv(2, 1).Named("dead"), BatchNorm(), Tanh.Taking("input"), Fc(3))),

        // Batch norm: after a conv; after an FC layer (BatchNorm1d, one value per channel per sample); first layer with its
        // own epsilon and momentum; a ResNet basic block (segments across a branch); and fanned out into a concat.
        new("BatchNormConv", new((3, 5, 6), Conv(4, 3, pad: 1), BatchNorm(), Relu)),
        new("BatchNormAfterFc", new((2, 3, 3), Fc(6), BatchNorm(momentum: 0.3), Tanh)),
        new("BatchNormFirst", new((2, 4, 4), BatchNorm(epsilon: 1e-3, momentum: 0.5), Conv(3, 3))),
        new("BatchNormLast", new((3, 4, 4), Conv(2, 3, pad: 1), BatchNorm())),
        new("BatchNormTwice", new((2, 3, 3), BatchNorm(), BatchNorm(momentum: 0.5), Tanh)),
        new("BasicBlock", new((4, 6, 6), Conv(4, 3, pad: 1), BatchNorm(), Relu, Conv(4, 3, pad: 1), BatchNorm(), Add("input"), Relu, Gap, Fc(3))),
        // A realistic layer's running statistics: 32 channels of 16 x 16, 2,816 values per channel in a batch of 11, where
        // a biased running variance stays within the buffers' tolerance (BatchNormTests recovers it from the buffer).
        new("BatchNormWide", new((32, 16, 16), BatchNorm(momentum: 1), Tanh, BatchNorm())),
        new("BatchNormFanOut", new((2, 4, 4), BatchNorm().Named("n"), Tanh, Sigmoid.Taking("n"), Concat("tanh1"), BatchNorm(), Gap, Fc(2))),

        // Dropout: between convs, twice in the fully connected head, as the first layer; evaluation passes through.
        new("Dropout", new((2, 4, 5), Conv(3, 3, pad: 1), Tanh, Dropout(0.5), Conv(2, 3))),
        new("DropoutHead", new((1, 4, 4), Fc(20), Tanh, Dropout(0.3), Fc(5), Dropout(0.2))),
        new("DropoutFirst", new((2, 3, 3), Dropout(0.25), Fc(4))),
        // Alone on 1,024 values, for DropoutTests' statistics; and twice in a row, whose masks must be independent.
        new("DropoutOnly0", new((4, 16, 16), Dropout(0))),
        new("DropoutOnly10", new((4, 16, 16), Dropout(0.1))),
        new("DropoutOnly50", new((4, 16, 16), Dropout(0.5))),
        new("DropoutOnly90", new((4, 16, 16), Dropout(0.9))),
        new("DropoutTwice", new((1, 16, 16), Dropout(0.5), Tanh, Dropout(0.5))),
        // The identity FC after the dropout makes its batch masks visible in the output (see DropoutTests); BN before it
        // puts the head after a training segment.
        new("DropoutIdentityHead", new((2, 4, 4), Conv(3, 3, pad: 1), BatchNorm(), Tanh, Dropout(0.25), Fc(48))),

        // Global average pooling over a power of two (exact), an odd count, and an FC after it.
        new("Gap", new((3, 4, 4), Conv(5, 3, pad: 1), Gap, Fc(3))),
        new("GapOdd", new((2, 3, 5), Gap)),
        new("SmoothGraph", new((2, 5, 5), Conv(3, 3, pad: 1).Named("c"), Tanh, Conv(3, 3, pad: 1), BatchNorm(), Add("c"), Sigmoid,
            Conv(2, 1).Taking("c"), Concat("sigmoid1"), BatchNorm(momentum: 0.2), Tanh, Gap, Fc(3))),
        .. ConvSweep(),
        .. FcSweep(),
        .. MergeSweep(),
    ];

    // A property, not a field: Cases (above) is initialised first and reads it.
    private static int[] SweepChannels => [1, 7, 8, 9, 16, 17];

    private static int[] SweepLengths => [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49];

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
        for (int i = 0; i < SweepLengths.Length; i++)
            yield return new($"FcSweep{SweepLengths[i]}", new((1, 1, SweepLengths[i]), Relu, Fc(SweepChannels[i % 6])));
    }

    /// <summary>The vectorised add (forward sum and the backward's accumulation into a fanned-out delta), the concat copies,
    /// the global average's channel sums and batch norm's per-channel sums and affine passes across the same vector boundaries.</summary>
    private static IEnumerable<Case> MergeSweep()
    {
        foreach (int n in SweepLengths)
        {
            yield return new($"MergeSweep{n}", new((2, 1, n), Relu.Named("r"), Add("input"), Concat("r")));
            yield return new($"GapSweep{n}", new((3, 1, n), Relu, Gap));
            yield return new($"BatchNormSweep{n}", new((2, 1, n), BatchNorm(), Tanh));
        }
    }

    public static TheoryData<Case> All => [.. Cases];

    /// <summary>Exact arithmetic needs only +, * and division by powers of two, and sums below 2^24, which small
    /// integers keep through at most two layers with parameters on any path (the test asserts the bound). Dropout runs
    /// in evaluation mode here, so it passes its input through.</summary>
    public static TheoryData<Case> ExactCases =>
    [
        .. Cases.Where(c => c.Reference.Layers.Select((l, i) => (l, i)).All(t => t.l.Kind switch
               {
                   LayerKind.Sigmoid or LayerKind.Tanh or LayerKind.BatchNorm => false,
                   LayerKind.AvgPool => t.l.Size == 2,
                   LayerKind.GlobalAvgPool => IsPowerOfTwo(c.Reference.Shapes[c.Reference.Inputs[t.i][0]]),
                   _ => true,
               })
               && ParameterDepth(c.Reference) <= 2),
    ];

    private static bool IsPowerOfTwo((int C, int H, int W) s) => int.IsPow2(s.H * s.W);

    /// <summary>The most layers with parameters on any path from the input to the output.</summary>
    private static int ParameterDepth(ReferenceNetwork r)
    {
        var depth = new int[r.Layers.Length + 1];
        for (int i = 0; i < r.Layers.Length; i++)
            depth[i + 1] = r.Inputs[i].Max(v => depth[v]) + (r.Layers[i].Kind is LayerKind.Conv or LayerKind.FullyConnected ? 1 : 0);
        return depth.Max();
    }

    private static readonly Lazy<Assembly> Compiled = new(() =>
        Harness.Load(string.Join("\n", Cases.Select((c, i) => c.Reference.Source(c.Name, $"Numerics{i}")))));

    /// <summary>A new instance of case <paramref name="c"/>'s network (all cases share one compilation).</summary>
    internal static INetwork Create(Case c, int seed = 0) =>
        Harness.Create(Compiled.Value, $"Numerics{Array.IndexOf(Cases, c)}.{c.Name}", seed);

    internal static Case Get(string name) => Cases.Single(c => c.Name == name);

    /// <summary>The Winograd cases above exercise the Winograd kernels (a layer class with transformed filters) and the
    /// other conv cases, the direct ones: guards the cases against a change of the rule that picks the path.</summary>
    [Fact]
    public void Winograd_cases_take_the_Winograd_path()
    {
        foreach (var c in Cases.Where(c => c.Reference.Layers.Any(l => l.Kind == LayerKind.Conv)))
        {
            var net = Create(c);
            bool winograd = net.Layers.Where(l => l.Kind == LayerKind.Conv).Any(l =>
                net.GetType().GetNestedType(char.ToUpperInvariant(l.Name[0]) + l.Name[1..], BindingFlags.Public | BindingFlags.NonPublic)!
                    .GetField("TransformedLength", BindingFlags.NonPublic | BindingFlags.Static) is not null);
            Assert.True(winograd == c.Name.StartsWith("ConvWinograd", StringComparison.Ordinal), c.Name);
        }
    }

    [Theory, MemberData(nameof(All))]
    public void Layout_matches_the_reference(Case c)
    {
        var net = Create(c);
        var r = c.Reference;
        Assert.Equal(r.ParameterCount, net.Parameters.Length);
        Assert.Equal(r.BufferCount, net.Buffers.Length);
        Assert.Equal(ReferenceNetwork.Length(r.Input), net.InputLength);
        Assert.Equal(r.OutputLength, net.OutputLength);
        Assert.False(net.Training);
        for (int i = 0; i < r.Layers.Length; i++)
        {
            var layer = net.Layers[i];
            Assert.Equal(r.Names[i], layer.Name);
            Assert.Equal(new Shape(r.Shapes[i + 1].C, r.Shapes[i + 1].H, r.Shapes[i + 1].W), layer.Output);
            Assert.Equal(r.ParamOffsets[i], layer.ParameterOffset);
            Assert.Equal(r.Inputs[i].Select(v => v == 0 ? ReferenceNetwork.InputName : r.Names[v - 1]), layer.Inputs);
            if (r.Layers[i].Kind != LayerKind.BatchNorm) continue;
            int channels = r.Shapes[i + 1].C;
            Assert.Equal(r.BufferOffsets[i], layer.BufferOffset);
            Assert.Equal((r.Layers[i].Epsilon, r.Layers[i].Momentum), (layer.Epsilon, layer.Momentum));
            Assert.Equal([$"{r.Names[i]}.weight", $"{r.Names[i]}.bias"], layer.Tensors.Select(t => t.Name));
            Assert.All(net.Parameters.AsSpan(layer.ParameterOffset, channels).ToArray(), v => Assert.Equal(1f, v));
            Assert.All(net.Parameters.AsSpan(layer.ParameterOffset + channels, channels).ToArray(), v => Assert.Equal(0f, v));
        }
        Numerics.AssertExact(r.InitialBuffers(), net.Buffers, "initial buffers");
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
        var pass = r.Run(ReferenceNetwork.D(net.Parameters), r.InitialBuffers(), [ReferenceNetwork.D(input)]);
        Assert.True(pass.Acts[0].All(a => a.All(v => Math.Abs(v) < 1 << 24)), "test precondition: values stay exact in float");
        CompareOnce(net, r, input, dOut, exact: true, training: false);
    }

    [Theory, MemberData(nameof(All))]
    public void Random_reals_match_the_reference(Case c)
    {
        var rng = new Random(c.Name.Length * 104729);
        var net = Create(c);
        Perturb(net, rng);
        CompareOnce(net, c.Reference, Numerics.Uniform(rng, net.InputLength), Numerics.Uniform(rng, net.OutputLength), exact: false, training: false);
    }

    /// <summary>A single-sample training Forward and Backward: batch norm normalises over the sample's H x W values and
    /// counts the call in its running statistics, dropout drops (its mask is read from the network's own layer outputs).
    /// A network without either computes the same bits as in evaluation mode. Batch norm on one value per channel throws.</summary>
    [Theory, MemberData(nameof(All))]
    public void Training_mode_matches_the_reference(Case c)
    {
        var rng = new Random(c.Name.Length * 15485863);
        var net = Create(c, seed: 3);
        var r = c.Reference;
        Perturb(net, rng);
        var input = Numerics.Uniform(rng, net.InputLength);
        var dOut = Numerics.Uniform(rng, net.OutputLength);
        if (r.BatchNormPlane == 1)
        {
            net.Training = true;
            var buffers = (float[])net.Buffers.Clone();
            var output = Enumerable.Repeat(7f, net.OutputLength).ToArray();
            var e = Assert.Throws<InvalidOperationException>(() => net.Forward(input, output));
            Assert.Contains("batch size 1", e.Message);
            Assert.Equal(buffers, net.Buffers);
            Assert.All(output, v => Assert.Equal(7f, v));
            return;
        }
        CompareOnce(net, r, input, dOut, exact: false, training: true);
        if (r.Has(LayerKind.BatchNorm) || r.Has(LayerKind.Dropout)) return;

        var trained = (float[])net.Gradients.Clone();
        var trainedOutput = net.LayerOutput(r.Layers.Length - 1).ToArray();
        net.Training = false;
        var evaluated = new float[net.OutputLength];
        net.Forward(input, evaluated);
        net.ZeroGradients();
        net.Backward(dOut, new float[net.InputLength]);
        Assert.Equal(trainedOutput, evaluated);
        Assert.Equal(trained, net.Gradients);
    }

    /// <summary>Adds noise to the constructor's parameters (its He/Xavier weights keep deep activations at a realistic scale;
    /// the noise makes biases and batch norm's affine parameters non-trivial) and draws running statistics
    /// (means in [-0.5, 0.5], variances in [0.5, 1.5]), so evaluation-mode batch norm is not the identity.</summary>
    internal static void Perturb(INetwork net, Random rng)
    {
        var noise = Numerics.Uniform(rng, net.Parameters.Length);
        for (int i = 0; i < noise.Length; i++) net.Parameters[i] += 0.1f * noise[i];
        foreach (var layer in net.Layers)
        {
            if (layer.Kind != LayerKind.BatchNorm) continue;
            var (mean, variance) = (layer.BufferTensors[0], layer.BufferTensors[1]);
            for (int k = 0; k < mean.Length; k++)
            {
                net.Buffers[mean.Offset + k] = (float)(rng.NextDouble() - 0.5);
                net.Buffers[variance.Offset + k] = (float)(rng.NextDouble() + 0.5);
            }
        }
    }

    /// <summary>The dropout masks of the last single-sample training Forward, read from the layers' inputs and outputs:
    /// a value was kept where the output is not zero. Where the input itself is zero the mask cannot be seen and does
    /// not matter: the output is zero either way, and such a zero comes from a ReLU (or an earlier dropout) that stops
    /// the gradient itself.</summary>
    internal static Func<int, int, int, bool> Masks(INetwork net, ReferenceNetwork r)
    {
        var masks = new Dictionary<int, bool[]>();
        for (int i = 0; i < r.Layers.Length; i++)
            if (r.Layers[i].Kind == LayerKind.Dropout)
                masks[i] = net.LayerOutput(i).ToArray().Select(v => v != 0).ToArray();
        return (layer, sample, element) => sample == 0 ? masks[layer][element] : throw new ArgumentOutOfRangeException(nameof(sample));
    }

    /// <summary>One sample forward and backward, every layer's output, the gradients, and the buffers after the pass.</summary>
    private static void CompareOnce(INetwork net, ReferenceNetwork r, float[] input, float[] dOut, bool exact, bool training)
    {
        net.Training = training;
        var buffers = ReferenceNetwork.D(net.Buffers);
        var output = new float[net.OutputLength];
        net.Forward(input, output);
        var pass = r.Run(ReferenceNetwork.D(net.Parameters), buffers, [ReferenceNetwork.D(input)], training, training ? Masks(net, r) : null);
        net.ZeroGradients();
        var dInput = new float[net.InputLength];
        net.Backward(dOut, dInput);
        var (refDInputs, refDParams) = r.Backward(ReferenceNetwork.D(net.Parameters), pass, [ReferenceNetwork.D(dOut)]);
        Action<double[], ReadOnlySpan<float>, string> check = exact
            ? Numerics.AssertExact
            : (e, a, w) => Numerics.AssertClose(e, a, w);
        check(pass.Output(), output, "output");
        for (int i = 0; i < r.Layers.Length; i++) check(pass.Acts[0][i + 1], net.LayerOutput(i), $"layer {i} ({r.Names[i]}) output");
        check(refDInputs[0], dInput, "dInput");
        check(refDParams, net.Gradients, "dParameters");
        Numerics.AssertClose(pass.Buffers, net.Buffers, "buffers");
        if (training && r.Has(LayerKind.BatchNorm)) Assert.NotEqual(buffers, ReferenceNetwork.D(net.Buffers));
    }

    /// <summary>Skipping the input gradient (an empty span) must not change the parameter gradients, alone or in a batch,
    /// in either mode: the first layers' deltas, fanned out or merged, are still needed for their own parameters. Each
    /// run takes a new instance with the same seed, so training dropout draws the same masks.</summary>
    [Theory, MemberData(nameof(All))]
    public void Parameter_gradients_do_not_depend_on_asking_for_the_input_gradient(Case c)
    {
        const int batch = 3;
        var rng = new Random(c.Name.Length * 13);
        var inputs = Numerics.Uniform(rng, batch * ReferenceNetwork.Length(c.Reference.Input));
        var dOuts = Numerics.Uniform(rng, batch * c.Reference.OutputLength);
        float[] Gradients(bool training, int n, bool inputGradient)
        {
            var net = Create(c, seed: 5);
            net.MaxDegreeOfParallelism = 2;
            Perturb(net, new Random(c.Name.Length));
            net.Training = training;
            var outputs = new float[n * net.OutputLength];
            var dInputs = inputGradient ? new float[n * net.InputLength] : [];
            if (n == 1)
            {
                net.Forward(inputs.AsSpan(0, net.InputLength), outputs);
                net.Backward(dOuts.AsSpan(0, net.OutputLength), dInputs);
            }
            else
            {
                net.Forward(inputs.AsSpan(0, n * net.InputLength), outputs, n);
                net.Backward(dOuts.AsSpan(0, n * net.OutputLength), dInputs, n);
            }
            return net.Gradients;
        }
        foreach (bool training in new[] { false, true })
            foreach (int n in new[] { 1, batch })
                if (!(training && n == 1 && c.Reference.BatchNormPlane == 1))
                    Assert.Equal(Gradients(training, n, inputGradient: true), Gradients(training, n, inputGradient: false));
    }

    [Theory, MemberData(nameof(All))]
    public void Batch_matches_the_per_sample_loop_and_repeats_bit_for_bit(Case c)
    {
        // Two workers get 5 and 6 samples: the fully connected head's groups of 4 samples and every remainder after them.
        const int batch = 11;
        var rng = new Random(11);
        var net = Create(c);
        net.MaxDegreeOfParallelism = 2;
        Perturb(net, rng);
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

    /// <summary>An evaluation batch is computed in chunks of samples claimed by whichever thread is free, so a sample's
    /// output must depend on nothing but the sample: not on its chunk, its thread, the samples computed with it or its
    /// place among them (the fully connected head's tiles of 4 and their remainders). Bit for bit the single-sample
    /// Forward's, on 1 to 3 threads, for batches of one chunk, of a partial chunk and of many with a partial last one.</summary>
    [Theory]
    [InlineData("LeNetLike")]
    [InlineData("BasicBlock")]
    [InlineData("SmoothGraph")]
    [InlineData("ResidualProjection")]
    [InlineData("DropoutHead")]
    public void Batch_forward_gives_each_sample_the_bits_of_its_single_sample_forward(string name)
    {
        const int most = 45;
        var rng = new Random(name.Length);
        var net = Create(Get(name));
        Perturb(net, rng);
        var inputs = Numerics.Uniform(rng, most * net.InputLength);
        var expected = new float[most * net.OutputLength];
        for (int n = 0; n < most; n++)
            net.Forward(inputs.AsSpan(n * net.InputLength, net.InputLength), expected.AsSpan(n * net.OutputLength, net.OutputLength));
        foreach (int threads in new[] { 1, 2, 3 })
        {
            net.MaxDegreeOfParallelism = threads;
            foreach (int batch in new[] { 1, 3, 7, most })
            {
                var outputs = new float[batch * net.OutputLength];
                net.Forward(inputs.AsSpan(0, batch * net.InputLength), outputs, batch);
                Assert.True(expected.AsSpan(0, outputs.Length).SequenceEqual(outputs), $"{threads} threads, batch {batch}");
            }
        }
    }

    private const string LargeHeadSource = """
        namespace LargeHead
        {
            using ConvNet;
            // 1,053,696 head weights (4 MiB, more than fit in cache) against 2,107,392 FLOPs per sample: chunks of whole
            // groups of 64 x 1,053,696 / 2,107,392 = 32 samples, so the weights are read from memory once per 32 samples.
            [Input(1, 16, 32)] [FullyConnected(1024)] [Relu] [FullyConnected(512)] [FullyConnected(10)] public partial class Mlp { }
        }
        """;

    /// <summary>A head too large for cache gets long chunks (the generated call states the granule), and a batch of one
    /// long chunk and a partial one still gives each sample its single-sample bits.</summary>
    [Fact]
    public void A_large_head_is_claimed_in_long_chunks_with_the_single_sample_bits()
    {
        string source = Harness.Run(LargeHeadSource).Generated.Single().Source;
        Assert.Contains("WorkerPool.ChunkLength(_runSize, _runWorkers, 32)", source);
        var net = Harness.Create(Harness.Load(LargeHeadSource), "LargeHead.Mlp");
        const int batch = 45;
        var rng = new Random(45);
        var inputs = Numerics.Uniform(rng, batch * net.InputLength);
        var expected = new float[batch * net.OutputLength];
        for (int n = 0; n < batch; n++)
            net.Forward(inputs.AsSpan(n * net.InputLength, net.InputLength), expected.AsSpan(n * net.OutputLength, net.OutputLength));
        net.MaxDegreeOfParallelism = 2;
        var outputs = new float[expected.Length];
        net.Forward(inputs, outputs, batch);
        Assert.Equal(expected, outputs);
    }

    /// <summary>Claiming chunks allocates nothing: once the workspaces have grown, batch calls on 2 threads allocate no
    /// byte on the calling thread. Other test classes may use the pool meanwhile (then a call runs inline, which takes a
    /// rare path once), so of up to three rounds of 200 calls the last must be zero; a per-call allocation fails all three.</summary>
    [Fact]
    public void Batch_calls_allocate_nothing_once_warm()
    {
        const int batch = 45;
        var net = Create(Get("BasicBlock"));
        net.MaxDegreeOfParallelism = 2;
        var rng = new Random(8);
        var inputs = Numerics.Uniform(rng, batch * net.InputLength);
        var outputs = new float[batch * net.OutputLength];
        var dInputs = new float[inputs.Length];
        void Step()
        {
            net.Training = false;
            net.Forward(inputs, outputs, batch);
            net.Training = true;
            net.Forward(inputs, outputs, batch);
            net.Backward(outputs, dInputs, batch);
        }
        for (int i = 0; i < 20; i++) Step();
        var rounds = new List<long>();
        for (int round = 0; round < 3 && (rounds.Count == 0 || rounds[^1] != 0); round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++) Step();
            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(rounds[^1] == 0, $"bytes allocated per round of 200 steps: {string.Join(", ", rounds)}");
    }

    /// <summary>A training step with batch norm: the segments that gather statistics keep a fixed share per worker and the
    /// last one is claimed in chunks; outputs, running statistics and gradients repeat bit for bit on the same thread count.</summary>
    [Theory]
    [InlineData("BasicBlock", 2)]
    [InlineData("SmoothGraph", 2)]
    [InlineData("DropoutIdentityHead", 2)]
    [InlineData("DropoutIdentityHead", 3)]
    public void Training_batch_repeats_bit_for_bit(string name, int threads)
    {
        const int batch = 45;
        var rng = new Random(name.Length);
        var inputs = Numerics.Uniform(rng, batch * ReferenceNetwork.Length(Get(name).Reference.Input));
        var dOuts = Numerics.Uniform(rng, batch * Get(name).Reference.OutputLength);
        (float[] Outputs, float[] Buffers, float[] Gradients) Step()
        {
            var net = Create(Get(name), seed: 3);
            Perturb(net, new Random(4));
            net.MaxDegreeOfParallelism = threads;
            net.Training = true;
            var outputs = new float[dOuts.Length];
            net.Forward(inputs, outputs, batch);
            net.Backward(dOuts, new float[inputs.Length], batch);
            return (outputs, net.Buffers, net.Gradients);
        }
        var first = Step();
        for (int repeat = 0; repeat < 3; repeat++)
        {
            var again = Step();
            Assert.Equal(first.Outputs, again.Outputs);
            Assert.Equal(first.Buffers, again.Buffers);
            Assert.Equal(first.Gradients, again.Gradients);
        }
    }
}
