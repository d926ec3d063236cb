using System;
using System.Linq;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class InferenceTests
{
    // 3 inputs -> 4 classes. Row c of the weight picks input c (c < 3) with weight 2, and class 3 scores a constant 1;
    // so an input's scores are (2 x0, 2 x1, 2 x2, 1), easy to state by hand.
    private static LinearNetwork Picker()
    {
        var network = new LinearNetwork(3, 4);
        for (int c = 0; c < 3; c++) network.Parameters[c * 3 + c] = 2f;
        network.Parameters[4 * 3 + 3] = 1f;
        return network;
    }

    private static readonly float[] s_samples =
    [
        3, 1, 0,       // scores 6, 2, 0, 1 -> class 0
        0, 0, 2,       // 0, 0, 4, 1 -> class 2
        0.25f, 0, 0,   // 0.5, 0, 0, 1 -> class 3
        1, 1, 0.5f,    // 2, 2, 1, 1 -> tie between 0 and 1: class 0
    ];

    private static double[] ReferenceSoftmax(params double[] scores)
    {
        // Without the max shift: these scores are small, so e^s is exact enough in double.
        double sum = scores.Sum(Math.Exp);
        return scores.Select(s => Math.Exp(s) / sum).ToArray();
    }

    [Fact]
    public void ArgMax_TakesTheLowerClassOnTies_AndNaNNeverWins()
    {
        Assert.Equal(1, Inference.ArgMax([0f, 3f, 3f, -1f]));
        Assert.Equal(2, Inference.ArgMax([float.NaN, -5f, 7f, float.NaN]));
        Assert.Equal(0, Inference.ArgMax([float.NaN, float.NaN]));
        Assert.Equal(1, Inference.ArgMax([float.NegativeInfinity, float.PositiveInfinity]));
        Assert.Throws<ArgumentException>(() => Inference.ArgMax([]));
    }

    [Fact]
    public void Softmax_MatchesTheDefinition_InPlaceToo()
    {
        float[] scores = [1f, -2f, 0.5f, 3f];
        var expected = ReferenceSoftmax(1, -2, 0.5, 3);
        var probabilities = new float[4];
        Inference.Softmax(scores, probabilities);
        for (int j = 0; j < 4; j++) Assert.Equal(expected[j], probabilities[j], 1e-7);
        Inference.Softmax(scores, scores);
        Assert.Equal(probabilities, scores);
    }

    [Fact]
    public void Softmax_OfHugeScores_DoesNotOverflow()
    {
        var probabilities = new float[2];
        Inference.Softmax([1000f, 1001f], probabilities);
        // Shifting both by 1000 changes nothing: 1 / (1 + e) and e / (1 + e).
        Assert.Equal(1 / (1 + Math.E), probabilities[0], 1e-7);
        Assert.Equal(Math.E / (1 + Math.E), probabilities[1], 1e-7);
    }

    [Fact]
    public void Softmax_ChecksLengths() =>
        Assert.Throws<ArgumentException>("probabilities", () => Inference.Softmax([1f, 2f], new float[3]));

    [Fact]
    public void TopK_IsSortedDescending_TiesInClassOrder_NaNLast()
    {
        var top = new ClassScore[4];
        Inference.TopK([0.1f, float.NaN, 0.3f, 0.1f, 0.5f], top);
        Assert.Equal([new(4, 0.5f), new(2, 0.3f), new(0, 0.1f), new(3, 0.1f)], top);
        var all = new ClassScore[3];
        Inference.TopK([float.NaN, 0.2f, 0.2f], all);
        Assert.Equal([1, 2, 0], all.Select(s => s.Class));
        Assert.Throws<ArgumentException>(() => Inference.TopK([0.5f, 0.5f], new ClassScore[3]));
        Assert.Throws<ArgumentException>(() => Inference.TopK([0.5f, 0.5f], Span<ClassScore>.Empty));
    }

    [Fact]
    public void SingleSample_PredictProbabilitiesAndTopK_FollowTheScores()
    {
        var network = Picker();
        Assert.Equal([0, 2, 3, 0], Enumerable.Range(0, 4).Select(i => network.Predict(s_samples.AsSpan(3 * i, 3))));

        var scores = new float[4];
        Assert.Equal(2, network.Predict(s_samples.AsSpan(3, 3), scores));
        Assert.Equal([0f, 0f, 4f, 1f], scores);

        var expected = ReferenceSoftmax(6, 2, 0, 1);
        var probabilities = network.Probabilities(s_samples.AsSpan(0, 3));
        for (int j = 0; j < 4; j++) Assert.Equal(expected[j], probabilities[j], 1e-7);

        var top = network.TopK(s_samples.AsSpan(0, 3), 3);
        Assert.Equal([0, 1, 3], top.Select(t => t.Class));
        Assert.Equal(probabilities[1], top[1].Probability);
    }

    [Fact]
    public void Batch_GivesWhatEachSampleGivesAlone()
    {
        var network = Picker();
        Assert.Equal([0, 2, 3, 0], network.Predict(s_samples, 4));

        var probabilities = network.Probabilities(s_samples, 4);
        var top = network.TopK(s_samples, 4, 2);
        for (int i = 0; i < 4; i++)
        {
            var sample = s_samples.AsSpan(3 * i, 3);
            Assert.Equal(network.Probabilities(sample), probabilities.AsSpan(4 * i, 4).ToArray());
            Assert.Equal(network.TopK(sample, 2), top[i]);
        }
    }

    [Fact]
    public void Predict_WithMoreClassesThanFitOnTheStack_StillFindsTheBest()
    {
        // 300 classes: the scores go to a pooled array instead of the stack. Weights 0 and biases -(c - 287)^2 make
        // class 287 the best.
        var network = new LinearNetwork(1, 300);
        for (int c = 0; c < 300; c++) network.Parameters[300 + c] = -(c - 287) * (c - 287);
        Assert.Equal(287, network.Predict([1f]));
        Assert.Equal(287, network.Predict([1f], new float[300]));
    }

    [Fact]
    public void ABatchWhoseScoresOverflowOneArray_IsRefusedNamingTheLimit()
    {
        // One input float and 1,000 classes: 3,000,000 samples' inputs fit easily, their scores do not.
        var network = new LinearNetwork(1, 1000);
        const int batch = 3_000_000;
        var inputs = new float[batch];
        long maxBatch = Array.MaxLength / 1000;
        foreach (var call in new Action[]
        {
            () => network.Predict(inputs, batch),
            () => network.Probabilities(inputs, batch),
            () => network.TopK(inputs, batch, 5),
        })
        {
            var error = Assert.Throws<ArgumentException>("batchSize", call);
            Assert.Contains($"{Array.MaxLength:N0}", error.Message);
            Assert.Contains($"at most {maxBatch:N0} samples", error.Message);
        }
    }

    [Fact]
    public void EmptyBatch_WritesNothing()
    {
        var network = Picker();
        Assert.Empty(network.Predict([], 0));
        Assert.Empty(network.TopK([], 0, 2));
    }

    [Fact]
    public void WrongLengths_ThrowNamingTheExpectedLength_BeforeWritingAnything()
    {
        var network = Picker();
        var scores = Enumerable.Repeat(-9f, 8).ToArray();
        var classes = new[] { -1, -1 };
        var top = new ClassScore[4];

        var error = Assert.Throws<ArgumentException>("input", () => network.Predict(new float[2]));
        Assert.Contains("length 3, got 2", error.Message);
        Assert.Throws<ArgumentException>("scores", () => network.Predict(new float[3], scores.AsSpan(0, 5)));
        Assert.Throws<ArgumentException>("probabilities", () => network.Probabilities(new float[3], scores.AsSpan(0, 3)));
        Assert.Contains("6 (2 samples of 3), got 5",
            Assert.Throws<ArgumentException>("inputs", () => network.Predict(new float[5], classes, scores)).Message);
        Assert.Throws<ArgumentException>("scores", () => network.Predict(new float[6], classes, scores.AsSpan(0, 7)));
        Assert.Throws<ArgumentException>("probabilities", () => network.Probabilities(new float[6], scores.AsSpan(0, 4), 2));
        Assert.Throws<ArgumentException>("top", () => network.TopK(new float[6], top.AsSpan(0, 3), scores, 2));
        Assert.Throws<ArgumentOutOfRangeException>("k", () => network.TopK(new float[3], 5));
        Assert.Throws<ArgumentOutOfRangeException>("k", () => network.TopK(new float[3], 0));
        Assert.Throws<ArgumentOutOfRangeException>("top", () => network.TopK(new float[3], top.AsSpan(0, 0), scores.AsSpan(0, 4)));
        Assert.Throws<ArgumentOutOfRangeException>("batchSize", () => network.Predict(new float[3], -1));

        Assert.All(scores, s => Assert.Equal(-9f, s));
        Assert.Equal([-1, -1], classes);
        Assert.All(top, t => Assert.Equal(default, t));
    }

    [Fact]
    public void SpanOverloads_AllocateNothing()
    {
        var network = Picker();
        var scores = new float[8];
        var classes = new int[2];
        var top = new ClassScore[4];
        void Run()
        {
            var inputs = s_samples.AsSpan(0, 6);
            network.Predict(inputs[..3]);
            network.Predict(inputs[..3], scores.AsSpan(0, 4));
            network.Probabilities(inputs[..3], scores.AsSpan(0, 4));
            network.TopK(inputs[..3], top.AsSpan(0, 2), scores.AsSpan(0, 4));
            network.Predict(inputs, classes, scores);
            network.Probabilities(inputs, scores, 2);
            network.TopK(inputs, top, scores, 2);
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
