using System;
using System.Linq;
using Xunit;

namespace ConvNet.Runtime.Tests;

public class LossesTests
{
    // Naive references in double, written straight from the definitions (no max subtraction: the inputs used
    // with them are small), sharing nothing with the library.
    private static double ReferenceCrossEntropy(double[] s, int y) => Math.Log(s.Sum(Math.Exp)) - s[y];

    private static double ReferenceSvm(double[] s, int y) =>
        Enumerable.Range(0, s.Length).Where(j => j != y).Sum(j => Math.Max(0, s[j] - s[y] + 1));

    private static void AssertClose(double expected, double actual, double tolerance = 1e-6) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * (1 + Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Fact]
    public void CrossEntropy_UniformScores_IsLogOfClassCount()
    {
        var gradient = new float[4];
        float loss = Losses.SoftmaxCrossEntropy([0.5f, 0.5f, 0.5f, 0.5f], 2, gradient);
        AssertClose(Math.Log(4), loss);
        Assert.Equal([0.25f, 0.25f, -0.75f, 0.25f], gradient);
    }

    [Fact]
    public void CrossEntropy_HandComputedCase()
    {
        var gradient = new float[3];
        float loss = Losses.SoftmaxCrossEntropy([1f, 2f, 3f], 0, gradient);
        double sum = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        AssertClose(Math.Log(sum) - 1, loss);
        AssertClose(Math.Exp(1) / sum - 1, gradient[0]);
        AssertClose(Math.Exp(2) / sum, gradient[1]);
        AssertClose(Math.Exp(3) / sum, gradient[2]);
    }

    [Fact]
    public void CrossEntropy_HugeScores_StayFinite()
    {
        var gradient = new float[3];
        float loss = Losses.SoftmaxCrossEntropy([1000f, 0f, -1000f], 1, gradient);
        AssertClose(1000, loss);
        Assert.Equal([1f, -1f, 0f], gradient);
    }

    [Fact]
    public void Svm_Cs231nExample_Batch()
    {
        // The lecture's three images (cat, car, frog) scored over (cat, car, frog): losses 2.9, 0 and 12.9.
        float[] scores = [3.2f, 5.1f, -1.7f, 1.3f, 4.9f, 2.0f, 2.2f, 2.5f, -3.1f];
        var gradients = new float[9];
        float loss = Losses.MulticlassSvm(scores, [0, 1, 2], 3, gradients);
        AssertClose((2.9 + 0 + 12.9) / 3, loss);
        float third = 1f / 3;
        Assert.Equal([-third, third, 0f, 0f, 0f, 0f, third, third, -2 * third], gradients);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Svm_WithANaNScore_GivesNaNLossAndGradient_AsCrossEntropyDoes(int at)
    {
        // Class 1 is the label: a NaN there, elsewhere, and +inf against +inf (a NaN margin).
        float[] scores = [0.5f, 2f, -1f];
        scores[at] = float.NaN;
        foreach (var input in new[] { scores, [float.PositiveInfinity, float.PositiveInfinity, 0f] })
        {
            var svm = new float[3];
            var crossEntropy = new float[3];
            Assert.True(float.IsNaN(Losses.MulticlassSvm(input, 1, svm)));
            Assert.True(float.IsNaN(Losses.SoftmaxCrossEntropy(input, 1, crossEntropy)));
            Assert.All(svm, g => Assert.True(float.IsNaN(g)));
            Assert.All(crossEntropy, g => Assert.True(float.IsNaN(g)));
        }
        // In a batch the NaN sample makes the mean NaN; the other sample's gradient stays its own.
        float[] batch = [.. scores, 3.2f, 5.1f, -1.7f];
        var gradients = new float[6];
        Assert.True(float.IsNaN(Losses.MulticlassSvm(batch, [1, 0], 3, gradients)));
        Assert.All(gradients[..3], g => Assert.True(float.IsNaN(g)));
        Assert.Equal([-0.5f, 0.5f, 0f], gradients[3..]);
    }

    [Fact]
    public void Svm_HingeExactlyAtMargin_HasZeroSubgradient()
    {
        var gradient = new float[2];
        Assert.Equal(0f, Losses.MulticlassSvm([1f, 2f], 1, gradient));
        Assert.Equal([0f, 0f], gradient);
    }

    public static TheoryData<string> LossNames => new() { "ce", "svm" };

    private static float Loss(string name, ReadOnlySpan<float> s, int y, Span<float> g) =>
        name == "ce" ? Losses.SoftmaxCrossEntropy(s, y, g) : Losses.MulticlassSvm(s, y, g);

    private static float Loss(string name, ReadOnlySpan<float> s, ReadOnlySpan<int> y, int classes, Span<float> g) =>
        name == "ce" ? Losses.SoftmaxCrossEntropy(s, y, classes, g) : Losses.MulticlassSvm(s, y, classes, g);

    private static double Reference(string name, double[] s, int y) =>
        name == "ce" ? ReferenceCrossEntropy(s, y) : ReferenceSvm(s, y);

    [Theory, MemberData(nameof(LossNames))]
    public void Gradient_MatchesFiniteDifferencesOfReference(string name)
    {
        var rng = new Rng(7);
        for (int trial = 0; trial < 20; trial++)
        {
            int classes = 2 + trial % 9;
            int label = rng.NextInt(classes);
            var scores = new float[classes];
            for (int j = 0; j < classes; j++) scores[j] = rng.NextUniform(-3f, 3f);
            var gradient = new float[classes];
            float loss = Loss(name, scores, label, gradient);

            double[] s = scores.Select(v => (double)v).ToArray();
            AssertClose(Reference(name, s, label), loss);
            const double h = 1e-6;
            for (int j = 0; j < classes; j++)
            {
                // Skip hinge kinks, where the loss is not differentiable.
                if (name == "svm" && Enumerable.Range(0, classes).Any(k => k != label && Math.Abs(s[k] - s[label] + 1) < 1e-3))
                    continue;
                double saved = s[j];
                s[j] = saved + h;
                double plus = Reference(name, s, label);
                s[j] = saved - h;
                double minus = Reference(name, s, label);
                s[j] = saved;
                AssertClose((plus - minus) / (2 * h), gradient[j], 1e-5);
            }
        }
    }

    [Theory, MemberData(nameof(LossNames))]
    public void Batch_IsMeanOfSamples_AndGradientIsDividedByN(string name)
    {
        var rng = new Rng(11);
        const int n = 5, classes = 7;
        var scores = new float[n * classes];
        for (int i = 0; i < scores.Length; i++) scores[i] = rng.NextUniform(-2f, 2f);
        int[] labels = [0, 6, 3, 3, 1];
        var gradients = new float[n * classes];
        float mean = Loss(name, scores, labels, classes, gradients);

        double total = 0;
        var single = new float[classes];
        for (int i = 0; i < n; i++)
        {
            total += Loss(name, scores.AsSpan(i * classes, classes), labels[i], single);
            for (int j = 0; j < classes; j++) AssertClose(single[j] / (double)n, gradients[i * classes + j]);
        }
        AssertClose(total / n, mean);
    }

    [Theory, MemberData(nameof(LossNames))]
    public void GradientMayOverwriteScoresInPlace(string name)
    {
        float[] scores = [0.3f, -1.2f, 2.5f, 0.9f, 1.4f, 1.1f];
        var expected = new float[scores.Length];
        float expectedLoss = Loss(name, scores, [2, 0], 3, expected);
        float loss = Loss(name, scores, [2, 0], 3, scores);
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(expected, scores);
    }

    [Theory, MemberData(nameof(LossNames))]
    public void InvalidArguments_ThrowBeforeWriting(string name)
    {
        float[] scores = [1f, 2f, 3f, 4f, 5f, 6f];
        var gradient = Enumerable.Repeat(42f, 6).ToArray();

        Assert.Throws<ArgumentException>("gradient", () => Loss(name, scores.AsSpan(0, 3), 0, gradient.AsSpan(0, 2)));
        Assert.Throws<ArgumentOutOfRangeException>("label", () => Loss(name, scores.AsSpan(0, 3), 3, gradient.AsSpan(0, 3)));
        Assert.Throws<ArgumentOutOfRangeException>("label", () => Loss(name, scores.AsSpan(0, 3), -1, gradient.AsSpan(0, 3)));
        Assert.Throws<ArgumentException>("scores", () => Loss(name, [], 0, []));

        var bad = Assert.Throws<ArgumentOutOfRangeException>("labels", () => Loss(name, scores, [0, 3], 3, gradient));
        Assert.Contains("labels[1]", bad.Message);
        Assert.Throws<ArgumentException>("scores", () => Loss(name, scores, [0, 1, 2], 3, gradient));
        Assert.Throws<ArgumentException>("gradients", () => Loss(name, scores, [0, 1], 3, gradient.AsSpan(0, 5)));
        Assert.Throws<ArgumentException>("labels", () => Loss(name, [], [], 3, []));
        Assert.Throws<ArgumentOutOfRangeException>("classes", () => Loss(name, scores, [0], 0, gradient));

        Assert.All(gradient, g => Assert.Equal(42f, g));
    }
}
