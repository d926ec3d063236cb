using System;
using System.Linq;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class ClassificationReportTests
{
    // Counted by hand: class 0 has 2 samples, one right; class 1 both right; class 2 one of two, the other taken for 0;
    // class 3 has no samples and is never predicted.
    private static readonly int[] s_labels = [0, 0, 1, 1, 2, 2];
    private static readonly int[] s_predictions = [0, 1, 1, 1, 0, 2];

    [Fact]
    public void FromPredictions_CountsByHand()
    {
        var report = ClassificationReport.FromPredictions(s_labels, s_predictions, 4);
        Assert.Equal(6, report.SampleCount);
        Assert.Equal(4, report.Correct);
        Assert.Equal(4f / 6, report.Accuracy);
        Assert.Equal([1, 4], report.Misclassified);
        Assert.Equal(new int[,] { { 1, 1, 0, 0 }, { 0, 2, 0, 0 }, { 1, 0, 1, 0 }, { 0, 0, 0, 0 } }, report.ConfusionMatrix());
        Assert.Equal(1, report.Confusion(2, 0));
        Assert.Equal([0.5f, 2f / 3, 1f], new[] { 0, 1, 2 }.Select(report.Precision));
        Assert.Equal([0.5f, 1f, 0.5f], new[] { 0, 1, 2 }.Select(report.Recall));
        Assert.Equal([2, 2, 2, 0], Enumerable.Range(0, 4).Select(report.Support));
        Assert.True(float.IsNaN(report.Precision(3)));
        Assert.True(float.IsNaN(report.Recall(3)));
    }

    [Fact]
    public void ConfusionMatrix_IsACopy()
    {
        var report = ClassificationReport.FromPredictions(s_labels, s_predictions, 4);
        report.ConfusionMatrix()[0, 0] = 100;
        Assert.Equal(1, report.Confusion(0, 0));
    }

    [Fact]
    public void ToString_ShowsAccuracyClassesAndMatrix()
    {
        string text = ClassificationReport.FromPredictions(s_labels, s_predictions, 4).ToString();
        Assert.StartsWith("accuracy 66.67% (4 of 6)\n", text);
        Assert.Contains("    1      66.7%  100.0%        2\n", text);
        Assert.Contains("    3        n/a     n/a        0\n", text);
        Assert.EndsWith("    2  1  0  1  0\n    3  0  0  0  0\n", text);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(100)]
    public void Evaluate_AgreesWithOneSampleAtATime(int batchSize)
    {
        var network = new LinearNetwork(3, 5);
        var rng = new Rng(4);
        for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] = rng.NextUniform(-1f, 1f);
        var inputs = Enumerable.Range(0, 3 * 23).Select(_ => rng.NextUniform(-1f, 1f)).ToArray();
        var labels = Enumerable.Range(0, 23).Select(i => i % 5).ToArray();

        var report = ClassificationReport.Evaluate(network, inputs, labels, batchSize);
        var oneByOne = Enumerable.Range(0, 23).Select(i => network.Predict(inputs.AsSpan(3 * i, 3))).ToArray();
        Assert.Equal(oneByOne, report.Predictions);
        Assert.Equal(labels, report.Labels);
        Assert.Equal(Training.Evaluate(network, inputs, labels, batchSize).Accuracy, report.Accuracy);
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>("predictions", () => ClassificationReport.FromPredictions([0, 1], [0, 2], 2));
        Assert.Throws<ArgumentException>("predictions", () => ClassificationReport.FromPredictions([0, 1], [0], 2));
        Assert.Throws<ArgumentException>("labels", () => ClassificationReport.FromPredictions([], [], 2));
        var network = new LinearNetwork(3, 2);
        Assert.Throws<ArgumentOutOfRangeException>("labels", () => ClassificationReport.Evaluate(network, new float[6], [0, 2], 2));
        Assert.Throws<ArgumentException>("inputs", () => ClassificationReport.Evaluate(network, new float[5], [0, 1], 2));
        var report = ClassificationReport.FromPredictions([0, 1], [0, 1], 2);
        Assert.Throws<ArgumentOutOfRangeException>("c", () => report.Precision(2));
    }
}
