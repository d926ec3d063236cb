using System;
using System.Linq;
using Xunit;

namespace ConvNet.Tests;

/// <summary>
/// The generated backward pass of every layer kind, alone and in whole networks, against central finite differences of
/// the independent double-precision reference: L = sum(dOut * output), perturbing parameters and inputs one at a time.
/// Differences are meaningless across a ReLU kink or a max-pool tie, so each case draws inputs and weights until every
/// ReLU input and every max-pool window's winning margin is far wider than any perturbation can move them.
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
        "ConvPadStride", "ConvStride3Pad2", "ConvSingleChannelPad", "ConvWeightGemm20",
        "MaxPool2", "MaxPoolOverlap", "AvgPool2", "AvgPool3Stride1",
        "Fc", "Relu", "Sigmoid", "Tanh",
        "Tiny", "LeNetLike", "Smooth",
        // Merges, batch norm (evaluation mode) and global pooling in one graph; dropout (evaluation: the identity).
        "SmoothGraph", "BasicBlock", "Dropout",
    ];

    [Theory, MemberData(nameof(Kinds))]
    public void Backward_matches_central_finite_differences(string name)
    {
        var c = NumericTests.Cases.Single(x => x.Name == name);
        var r = c.Reference;
        var net = NumericTests.Create(c);
        var (parameters, input) = AwayFromKinksAndTies(r, net, name.Length * 31);
        parameters.CopyTo(net.Parameters, 0);
        var dOut = Numerics.Uniform(new Random(name.Length), net.OutputLength);
        var dInput = new float[net.InputLength];
        net.Forward(input, new float[net.OutputLength]);
        net.ZeroGradients();
        net.Backward(dOut, dInput);

        var p0 = parameters.Select(v => (double)v).ToArray();
        var x0 = input.Select(v => (double)v).ToArray();
        for (int k = 0; k < p0.Length; k += Math.Max(1, p0.Length / MaxChecks))
            AssertClose(Difference(r, p0, x0, dOut, k), net.Gradients[k], $"{name} dParam[{k}]");
        for (int k = 0; k < x0.Length; k += Math.Max(1, x0.Length / MaxChecks))
            AssertClose(Difference(r, p0, x0, dOut, -1 - k), dInput[k], $"{name} dInput[{k}]");
    }

    private static void AssertClose(double numeric, float analytic, string what) =>
        Assert.True(Math.Abs(numeric - analytic) <= 1e-4 + 1e-3 * Math.Abs(numeric), $"{what}: analytic {analytic}, numeric {numeric}");

    /// <summary>Central difference of L in parameter k (k &gt;= 0) or input -1-k (k &lt; 0), all in double.</summary>
    private static double Difference(ReferenceNetwork r, double[] p, double[] x, float[] dOut, int k) =>
        (Loss(r, p, x, dOut, k, Step) - Loss(r, p, x, dOut, k, -Step)) / (2 * Step);

    private static double Loss(ReferenceNetwork r, double[] p, double[] x, float[] dOut, int k, double delta)
    {
        var pp = (double[])p.Clone();
        var xx = (double[])x.Clone();
        if (k >= 0) pp[k] += delta; else xx[-1 - k] += delta;
        return r.ForwardDouble(pp, xx)[^1].Select((v, i) => v * dOut[i]).Sum();
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
            var l = r.Layers[i];
            if (l.Kind == LayerKind.Relu && acts[i].Any(v => Math.Abs(v) < Margin)) return false;
            if (l.Kind != LayerKind.MaxPool) continue;
            var (c, h, w) = r.Shapes[i];
            var (_, oh, ow) = r.Shapes[i + 1];
            for (int ci = 0; ci < c; ci++)
            for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                var top = ReferenceNetwork.Window(acts[i], h, w, ci, oy, ox, l).Select(t => t.Value).OrderDescending().Take(2).ToArray();
                // A window of zeros that a ReLU (kept away from its kink) produced cannot move, so its tie is harmless.
                bool clampedZeros = top.Length == 2 && top[0] == 0 && top[1] == 0;
                if (top.Length == 2 && !clampedZeros && top[0] - top[1] < Margin) return false;
            }
        }
        return true;
    }
}
