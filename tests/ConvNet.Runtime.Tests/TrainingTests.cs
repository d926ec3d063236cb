using System;
using Xunit;

namespace ConvNet.Runtime.Tests;

public class TrainingTests
{
    // Three well separated 2-D clusters, 50 points each: a linear classifier can reach 100 %.
    private static (float[] Inputs, int[] Labels) Clusters()
    {
        var rng = new Rng(3);
        (float X, float Y)[] centres = [(2f, 0f), (-1f, 1.7f), (-1f, -1.7f)];
        var inputs = new float[150 * 2];
        var labels = new int[150];
        for (int n = 0; n < labels.Length; n++)
        {
            labels[n] = n % 3;
            inputs[2 * n] = centres[n % 3].X + rng.NextUniform(-0.5f, 0.5f);
            inputs[2 * n + 1] = centres[n % 3].Y + rng.NextUniform(-0.5f, 0.5f);
        }
        return (inputs, labels);
    }

    private static LinearNetwork Train(LossKind loss, int epochs, out float firstEpochLoss, out float lastEpochLoss)
    {
        var (inputs, labels) = Clusters();
        var network = new LinearNetwork(2, 3);
        var optimizer = new Sgd(network.Parameters.Length, 0.1f, momentum: 0.9f);
        var rng = new Rng(5);
        firstEpochLoss = lastEpochLoss = float.NaN;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            lastEpochLoss = Training.TrainEpoch(network, optimizer, inputs, labels, 16, rng, loss);
            if (epoch == 0) firstEpochLoss = lastEpochLoss;
        }
        return network;
    }

    [Theory]
    [InlineData(LossKind.SoftmaxCrossEntropy)]
    [InlineData(LossKind.MulticlassSvm)]
    public void TrainEpoch_LearnsSeparableClusters(LossKind loss)
    {
        var (inputs, labels) = Clusters();
        var untrained = Training.Evaluate(new LinearNetwork(2, 3), inputs, labels, 64, loss);
        var network = Train(loss, 10, out float first, out float last);
        var (evalLoss, accuracy) = Training.Evaluate(network, inputs, labels, 64, loss);
        Assert.True(last < first, $"loss went from {first} to {last}");
        Assert.True(evalLoss < untrained.Loss / 4, $"loss {evalLoss}, untrained {untrained.Loss}");
        Assert.Equal(1f, accuracy);
        // All-zero scores tie, ties go to class 0, and a third of the samples are class 0.
        Assert.Equal(1f / 3, untrained.Accuracy);
    }

    [Fact]
    public void TrainEpoch_IsDeterministicForASeed()
    {
        var a = Train(LossKind.SoftmaxCrossEntropy, 2, out _, out _);
        var b = Train(LossKind.SoftmaxCrossEntropy, 2, out _, out _);
        Assert.Equal(a.Parameters, b.Parameters);
    }

    [Fact]
    public void BadArguments_ThrowBeforeAnyStep()
    {
        var (inputs, labels) = Clusters();
        labels[149] = 3;
        var network = new LinearNetwork(2, 3);
        network.Parameters[0] = 1f;
        var optimizer = new Sgd(network.Parameters.Length, 0.1f);
        var error = Assert.Throws<ArgumentOutOfRangeException>("labels",
            () => Training.TrainEpoch(network, optimizer, inputs, labels, 16, new Rng(1)));
        Assert.Contains("labels[149]", error.Message);
        Assert.Equal(0, optimizer.Steps);
        Assert.Equal(1f, network.Parameters[0]);

        labels[149] = 2;
        Assert.Throws<ArgumentException>("inputs", () => Training.TrainEpoch(network, optimizer, inputs.AsSpan(1), labels, 16, new Rng(1)));
        Assert.Throws<ArgumentException>("optimizer", () => Training.TrainEpoch(network, new Sgd(3, 0.1f), inputs, labels, 16, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>("batchSize", () => Training.Evaluate(network, inputs, labels, 0));
        Assert.Throws<ArgumentOutOfRangeException>("loss", () => Training.Evaluate(network, inputs, labels, 8, (LossKind)7));
    }
}
