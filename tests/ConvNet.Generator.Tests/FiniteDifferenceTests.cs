using System;
using System.Linq;
using Xunit;

namespace ConvNet.Tests;

/// <summary>
/// The generated backward passes against central finite differences of the independent double-precision reference,
/// L = sum(dOut * output), perturbing parameters and inputs one at a time: every finite-difference check of the
/// generated code is here, and <see cref="Every_layer_kind_is_checked_here"/> fails when a kind has none.
/// <list type="bullet">
/// <item><see cref="Backward_matches_central_finite_differences"/>: one sample in evaluation mode, for every conv path
/// (im2col, GemmTaps on one and on several channels, Winograd), pooling, fully connected, the activations, both merges,
/// global pooling, batch norm on its running statistics and dropout (the identity), alone and in whole networks.
/// Differences are meaningless across a ReLU kink or a max-pool tie, so each case draws inputs and weights until every
/// ReLU input and every max-pool window's winning margin is far wider than any perturbation can move them.</item>
/// <item><see cref="Batch_gradients_match_central_finite_differences"/>: smooth networks over batches on 2 threads, in
/// evaluation and in training mode, where batch norm is differentiated through the batch's statistics and dropout
/// with the masks of the network's own Forward: read from its layer outputs for one sample, and for a batch through an
/// identity FC layer that shows the masks in the output.</item>
/// </list>
/// </summary>
public class FiniteDifferenceTests
{
    // In double the reference is exact to ~1e-16, so a tiny step keeps truncation error negligible; the margin is a
    // hundred steps, more than a step can move any activation in these networks.
    private const double Step = 1e-6, Margin = 1e-4;

    // Checked per value, so large networks are sampled rather than swept.
    private const int MaxChecks = 40;

    public static TheoryData<string> Kinds =>
    [
        "ConvPadStride", "ConvStride3Pad2", "ConvWeightGemm20",
        "ConvSingleChannelPad", "ConvTapsRgb", "ConvTaps5x5",
        "ConvWinograd", "ConvWinogradOdd", "ConvWinogradPad2",
        "MaxPool2", "MaxPoolOverlap", "AvgPool2", "AvgPool3Stride1",
        "Fc", "Relu", "Sigmoid", "Tanh", "LeakyReluNegative",
        "AddInput", "AddThenReader", "FanOut3", "ConcatUnequal", "InceptionUnequal",
        "Gap", "BatchNormConv", "DropoutFirst",
        "Tiny", "LeNetLike", "Smooth",
        // Merges, batch norm (evaluation mode) and global pooling in one graph; dropout (evaluation: the identity).
        "SmoothGraph", "BasicBlock", "Dropout",
    ];

    [Theory, MemberData(nameof(Kinds))]
    public void Backward_matches_central_finite_differences(string name)
    {
        var c = NumericTests.Get(name);
        var r = c.Reference;
        var net = NumericTests.Create(c);
        var (parameters, input) = AwayFromKinksAndTies(r, net, name.Length * 31);
        parameters.CopyTo(net.Parameters, 0);
        var dOut = Numerics.Uniform(new Random(name.Length), net.OutputLength);
        var dInput = new float[net.InputLength];
        net.Forward(input, new float[net.OutputLength]);
        net.ZeroGradients();
        net.Backward(dOut, dInput);

        double Loss(double[] p, double[][] x) => r.ForwardDouble(p, x[0])[^1].Select((v, i) => v * dOut[i]).Sum();
        AssertDifferences(name, Loss, ReferenceNetwork.D(parameters), [ReferenceNetwork.D(input)], net.Gradients, dInput,
            Math.Max(1, parameters.Length / MaxChecks), Math.Max(1, input.Length / MaxChecks), Step, atol: 1e-4, rtol: 1e-3);
    }

    [Theory]
    [InlineData("Smooth", false, 1)]
    [InlineData("SmoothGraph", false, 1)]
    [InlineData("SmoothGraph", true, 3)]
    [InlineData("SmoothGraph", true, 1)]
    [InlineData("BatchNormAfterFc", true, 3)]
    [InlineData("BatchNormFanOut", true, 2)]
    [InlineData("AddFrom", false, 1)]
    [InlineData("GapOdd", false, 2)]
    [InlineData("Dropout", true, 1)]
    [InlineData("DropoutHead", true, 1)]
    [InlineData("DropoutIdentityHead", true, 5)]
    public void Batch_gradients_match_central_finite_differences(string name, bool training, int batch)
    {
        var c = NumericTests.Get(name);
        var rng = new Random(5);
        var net = NumericTests.Create(c);
        var r = c.Reference;
        net.MaxDegreeOfParallelism = 2;
        net.Training = training;
        Array.Copy(Numerics.Uniform(rng, r.ParameterCount), net.Parameters, r.ParameterCount);
        bool batchMasks = training && batch > 1 && r.Has(LayerKind.Dropout);
        if (batchMasks) DropoutTests.MakeIdentityHead(net);
        var inputs = Numerics.Uniform(rng, batch * net.InputLength);
        var dOut = Numerics.Uniform(rng, batch * net.OutputLength);
        var buffers = ReferenceNetwork.D(net.Buffers);
        var dInputs = new float[inputs.Length];
        net.ZeroGradients();
        Func<int, int, int, bool>? keep = null;
        if (batch == 1)
        {
            net.Forward(inputs, new float[net.OutputLength]);
            if (training) keep = NumericTests.Masks(net, r);
            net.Backward(dOut, dInputs);
        }
        else
        {
            var outputs = new float[dOut.Length];
            net.Forward(inputs, outputs, batch);
            if (batchMasks) keep = DropoutTests.MasksShownByIdentityHead(r, outputs, net.OutputLength);
            net.Backward(dOut, dInputs, batch);
        }

        double Loss(double[] p, double[][] x) =>
            r.Run(p, buffers, x, training, keep).Acts.SelectMany((a, n) => a[^1].Select((v, i) => v * dOut[n * net.OutputLength + i])).Sum();
        var x0 = Enumerable.Range(0, batch).Select(n => ReferenceNetwork.D(inputs.AsSpan(n * net.InputLength, net.InputLength))).ToArray();
        AssertDifferences($"{name} (training {training}, batch {batch})", Loss, ReferenceNetwork.D(net.Parameters), x0, net.Gradients, dInputs,
            parameterStride: 3, inputStride: 2, step: 1e-3, atol: 2e-3, rtol: 2e-3);
    }

    /// <summary>The claim of this class: each layer kind is in a case above, and batch norm and dropout also in training.</summary>
    [Fact]
    public void Every_layer_kind_is_checked_here()
    {
        var single = ((System.Collections.IEnumerable)Kinds).Cast<object[]>().Select(row => (string)row[0]).SelectMany(name => NumericTests.Get(name).Reference.Layers.Select(l => l.Kind)).ToHashSet();
        Assert.Equal(Enum.GetValues<LayerKind>().Order(), single.Order());
        var method = typeof(FiniteDifferenceTests).GetMethod(nameof(Batch_gradients_match_central_finite_differences))!;
        var batches = method.GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (object[])a.GetData(method).Single()).ToList();
        foreach (var kind in new[] { LayerKind.BatchNorm, LayerKind.Dropout })
        {
            var training = batches.Where(row => (bool)row[1] && NumericTests.Get((string)row[0]).Reference.Has(kind)).ToList();
            Assert.Contains(training, row => (int)row[2] == 1);
            Assert.Contains(training, row => (int)row[2] > 1);
        }
    }

    /// <summary>Central differences of <paramref name="loss"/> in every <paramref name="parameterStride"/>-th parameter and
    /// every <paramref name="inputStride"/>-th input value (over the samples one after another) against the analytic ones.</summary>
    private static void AssertDifferences(string what, Func<double[], double[][], double> loss, double[] p0, double[][] x0,
        float[] dParameters, float[] dInputs, int parameterStride, int inputStride, double step, double atol, double rtol)
    {
        void Check(double numeric, float analytic, string which) =>
            Assert.True(Math.Abs(numeric - analytic) <= atol + rtol * Math.Abs(numeric), $"{what} {which}: analytic {analytic}, numeric {numeric}");
        for (int k = 0; k < p0.Length; k += parameterStride)
        {
            var plus = (double[])p0.Clone();
            var minus = (double[])p0.Clone();
            plus[k] += step;
            minus[k] -= step;
            Check((loss(plus, x0) - loss(minus, x0)) / (2 * step), dParameters[k], $"dParam[{k}]");
        }
        int length = x0[0].Length;
        for (int k = 0; k < x0.Length * length; k += inputStride)
        {
            int n = k / length, e = k % length;
            var plus = x0.Select(a => (double[])a.Clone()).ToArray();
            var minus = x0.Select(a => (double[])a.Clone()).ToArray();
            plus[n][e] += step;
            minus[n][e] -= step;
            Check((loss(p0, plus) - loss(p0, minus)) / (2 * step), dInputs[k], $"dInput[{k}]");
        }
    }

    /// <summary>Parameters (the constructor's He/Xavier draw plus noise, so biases are non-zero) and an input whose
    /// activations keep the margin; the first seed that does, counting from <paramref name="seed"/>.</summary>
    private static (float[] Parameters, float[] Input) AwayFromKinksAndTies(ReferenceNetwork r, INetwork net, int seed)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            var rng = new Random(seed + attempt);
            var noise = Numerics.Uniform(rng, r.ParameterCount);
            var parameters = net.Parameters.Select((v, i) => v + 0.1f * noise[i]).ToArray();
            var input = Numerics.Uniform(rng, net.InputLength);
            if (KeepsMargin(r, r.Forward(parameters, input))) return (parameters, input);
        }
        throw new InvalidOperationException("no draw in 1,000 keeps every ReLU input and max-pool margin above " + Margin);
    }

    private static bool KeepsMargin(ReferenceNetwork r, double[][] acts)
    {
        for (int i = 0; i < r.Layers.Length; i++)
        {
            var (l, x) = (r.Layers[i], r.Inputs[i][0]);
            if ((l.Kind is LayerKind.Relu or LayerKind.LeakyRelu) && acts[x].Any(v => Math.Abs(v) < Margin)) return false;
            if (l.Kind != LayerKind.MaxPool) continue;
            var (c, h, w) = r.Shapes[x];
            var (_, oh, ow) = r.Shapes[i + 1];
            for (int ci = 0; ci < c; ci++)
            for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                var top = ReferenceNetwork.Window(acts[x], h, w, ci, oy, ox, l).Select(t => t.Value).OrderDescending().Take(2).ToArray();
                // A window of zeros that a ReLU (kept away from its kink) produced cannot move, so its tie is harmless.
                bool clampedZeros = top.Length == 2 && top[0] == 0 && top[1] == 0;
                if (top.Length == 2 && !clampedZeros && top[0] - top[1] < Margin) return false;
            }
        }
        return true;
    }
}
