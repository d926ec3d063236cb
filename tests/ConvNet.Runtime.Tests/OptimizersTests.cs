using System;
using System.Linq;
using Xunit;

namespace ConvNet.Runtime.Tests;

public class OptimizersTests
{
    private static readonly float[] Start = [1f, -2f, 0.5f, 0f, 3f];

    // Three steps' gradients, chosen with mixed signs, a zero and a large value.
    private static readonly float[][] Grads =
    [
        [0.1f, 0.2f, -0.3f, 0f, 4f],
        [-0.5f, 0.25f, 0.1f, 1f, -2f],
        [0.3f, -0.1f, 0.2f, -1f, 0.5f],
    ];

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 + 1e-5 * Math.Abs(expected[i]),
                $"[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    private static double[] D(float[] values) => values.Select(v => (double)v).ToArray();

    [Fact]
    public void Sgd_Plain_IsParameterMinusLearningRateTimesGradient()
    {
        var p = (float[])Start.Clone();
        var sgd = new Sgd(p.Length, learningRate: 0.1f);
        sgd.Step(p, Grads[0]);
        AssertClose([1 - 0.01, -2 - 0.02, 0.5 + 0.03, 0, 3 - 0.4], p);
        Assert.Equal(1, sgd.Steps);
    }

    [Theory]
    [InlineData(0.0, false, 0.0)]
    [InlineData(0.9, false, 0.0)]
    [InlineData(0.9, true, 0.0)]
    [InlineData(0.0, false, 0.01)]
    [InlineData(0.8, true, 0.05)]
    public void Sgd_MatchesTorchFormulas_OverSeveralSteps(double momentum, bool nesterov, double wd)
    {
        const double lr = 0.05;
        var p = (float[])Start.Clone();
        var sgd = new Sgd(p.Length, (float)lr, (float)momentum, nesterov, (float)wd);
        double[] q = D(Start);
        double[] buf = new double[q.Length];
        for (int t = 0; t < Grads.Length; t++)
        {
            sgd.Step(p, Grads[t]);
            for (int i = 0; i < q.Length; i++)
            {
                // torch.optim.SGD, dampening 0.
                double g = Grads[t][i] + wd * q[i];
                if (momentum != 0)
                {
                    buf[i] = t == 0 ? g : momentum * buf[i] + g;
                    g = nesterov ? g + momentum * buf[i] : buf[i];
                }
                q[i] -= lr * g;
            }
            AssertClose(q, p);
        }
    }

    [Fact]
    public void Sgd_Momentum_HandComputedSecondStep()
    {
        float[] p = [1f];
        var sgd = new Sgd(1, learningRate: 0.1f, momentum: 0.9f);
        sgd.Step(p, [1f]);   // buf = 1, p = 1 - 0.1 = 0.9
        sgd.Step(p, [2f]);   // buf = 0.9 * 1 + 2 = 2.9, p = 0.9 - 0.29 = 0.61
        AssertClose([0.61], p);
    }

    [Fact]
    public void Sgd_LearningRateChangeAppliesToTheNextStep()
    {
        float[] p = [1f];
        var sgd = new Sgd(1, learningRate: 0.1f);
        sgd.Step(p, [1f]);
        sgd.LearningRate = 0.01f;
        sgd.Step(p, [1f]);
        AssertClose([1 - 0.1 - 0.01], p);
    }

    [Theory]
    [InlineData(0.0, false)]
    // 0.03 rather than a round 0.1, which would cancel a gradient exactly (0.2 + 0.1 * -2) and make Adam's
    // sign-like first step depend on rounding noise.
    [InlineData(0.03, false)]
    [InlineData(0.03, true)]
    public void Adam_MatchesTorchFormulas_OverSeveralSteps(double wd, bool decoupled)
    {
        const double lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        var p = (float[])Start.Clone();
        var adam = new Adam(p.Length, (float)lr, (float)beta1, (float)beta2, (float)eps, (float)wd, decoupled);
        double[] q = D(Start);
        double[] m = new double[q.Length], v = new double[q.Length];
        for (int step = 1; step <= 6; step++)
        {
            float[] grad = Grads[(step - 1) % Grads.Length];
            adam.Step(p, grad);
            for (int i = 0; i < q.Length; i++)
            {
                double g = grad[i];
                if (decoupled) q[i] *= 1 - lr * wd;
                else g += wd * q[i];
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(beta1, step));
                double vHat = v[i] / (1 - Math.Pow(beta2, step));
                q[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
            AssertClose(q, p);
        }
    }

    public static TheoryData<string> VectorisedOptimizers => ["plain", "sgd", "nesterov-wd", "adam", "adam-l2", "adamw"];

    private static Optimizer Make(string kind, int count) => kind switch
    {
        "plain" => new Sgd(count, 0.05f),
        "sgd" => new Sgd(count, 0.05f, momentum: 0.9f),
        "nesterov-wd" => new Sgd(count, 0.05f, momentum: 0.8f, nesterov: true, weightDecay: 0.01f),
        "adam" => new Adam(count, 0.01f),
        "adam-l2" => new Adam(count, 0.01f, weightDecay: 0.03f),
        _ => new Adam(count, 0.01f, weightDecay: 0.03f, decoupledWeightDecay: true),
    };

    // 37 parameters: whole vectors then a scalar tail. One-parameter optimizers never reach the vector loop, so they
    // are the scalar reference; the vector loop must give the same bits.
    [Theory, MemberData(nameof(VectorisedOptimizers))]
    public void VectorLoop_GivesTheSameBitsAsOneParameterAtATime(string kind)
    {
        const int count = 37;
        var rng = new Rng(5);
        var p = new float[count];
        for (int i = 0; i < count; i++) p[i] = rng.NextUniform(-2, 2);
        var singles = new float[count][];
        var singleOptimizers = new Optimizer[count];
        for (int i = 0; i < count; i++) { singles[i] = [p[i]]; singleOptimizers[i] = Make(kind, 1); }
        var whole = Make(kind, count);
        for (int step = 0; step < 4; step++)
        {
            var g = new float[count];
            for (int i = 0; i < count; i++) g[i] = rng.NextUniform(-1, 1);
            whole.Step(p, g);
            for (int i = 0; i < count; i++) singleOptimizers[i].Step(singles[i], [g[i]]);
        }
        for (int i = 0; i < count; i++) Assert.Equal(singles[i][0], p[i]);
    }

    [Fact]
    public void Adam_FirstStep_MovesEachParameterByLearningRateAgainstTheGradientSign()
    {
        // Bias correction makes mHat = g and sqrt(vHat) = |g| on the first step.
        float[] p = [0f, 0f, 0f];
        var adam = new Adam(3, learningRate: 0.5f, epsilon: 0f);
        adam.Step(p, [3f, -0.001f, 0f]);
        Assert.Equal(-0.5f, p[0], 6);
        Assert.Equal(0.5f, p[1], 6);
        Assert.True(float.IsNaN(p[2]), "0/0 with eps = 0 is NaN, as in PyTorch");
    }

    [Fact]
    public void Step_WithWrongLengths_ThrowsAndChangesNothing()
    {
        var p = (float[])Start.Clone();
        Optimizer[] optimizers = [new Sgd(5, 0.1f, momentum: 0.9f), new Adam(5)];
        foreach (var optimizer in optimizers)
        {
            Assert.Throws<ArgumentException>("parameters", () => optimizer.Step(p.AsSpan(0, 4), Grads[0]));
            Assert.Throws<ArgumentException>("gradients", () => optimizer.Step(p, Grads[0].AsSpan(0, 4)));
            Assert.Equal(0, optimizer.Steps);
        }
        Assert.Equal(Start, p);
    }

    [Fact]
    public void InvalidHyperparameters_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>("parameterCount", () => new Sgd(-1, 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>("learningRate", () => new Sgd(1, -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>("learningRate", () => new Adam(1, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>("momentum", () => new Sgd(1, 0.1f, momentum: -0.5f));
        Assert.Throws<ArgumentOutOfRangeException>("weightDecay", () => new Sgd(1, 0.1f, weightDecay: float.PositiveInfinity));
        Assert.Throws<ArgumentException>("nesterov", () => new Sgd(1, 0.1f, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>("beta1", () => new Adam(1, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>("beta2", () => new Adam(1, beta2: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>("epsilon", () => new Adam(1, epsilon: -1e-8f));
        var sgd = new Sgd(1, 0.1f);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => sgd.LearningRate = float.NegativeInfinity);
        Assert.Equal(0.1f, sgd.LearningRate);
    }
}
