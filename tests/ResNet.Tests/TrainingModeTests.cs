using System;
using System.Linq;
using Samples.Common;
using Xunit;

namespace ResNet.Tests;

/// <summary>The sample's training loop (<see cref="ConvNet.Training.Fit"/>) trains in training mode (batch statistics,
/// running statistics updated) and evaluates in evaluation mode (running statistics used, never changed), whatever mode
/// the network was left in.</summary>
public sealed class TrainingModeTests
{
    private static readonly TrainingOptions s_options = Options();

    private static TrainingOptions Options()
    {
        var commandLine = ResNetSample.Spec.CommandLine();
        return commandLine.ToOptions(commandLine.Parse());
    }

    private static DigitSet Digits(int count)
    {
        var rng = new ConvNet.Rng(5);
        var images = new float[count * MnistData.ImageLength];
        for (int i = 0; i < images.Length; i++) images[i] = rng.NextUniform(-1, 2);
        return new DigitSet(images, Enumerable.Range(0, count).Select(i => i % 10).ToArray());
    }

    // One epoch of one batch of 8, validated on the same digits.
    private static void FitOneStep(MnistResNet network, DigitSet digits) =>
        ConvNet.Training.Fit(network, Recipe.CreateOptimizer(network, s_options, digits.Count), digits.ToDataset(), new ConvNet.FitOptions
        {
            BatchSize = 8, Validation = digits.ToDataset(), ValidationBatchSize = Recipe.EvaluationBatch,
        });

    [Fact]
    public void AStepRunsInTrainingModeAndRestoresTheMode()
    {
        var network = new MnistResNet(1) { MaxDegreeOfParallelism = 2 };
        var digits = Digits(8);
        float[] before = (float[])network.Buffers.Clone();

        FitOneStep(network, digits);

        // Only a training-mode Forward moves the running statistics and counts the batch: the step counted, the
        // validation did not.
        Assert.NotEqual(before, network.Buffers);
        var bn1 = network.Layers[MnistResNet.Bn1.Index].BufferTensors.Single(t => t.IsCount);
        Assert.Equal(1f, network.Buffers[bn1.Offset]);
        Assert.False(network.Training);
    }

    [Fact]
    public void EvaluationUsesTheRunningStatisticsAndLeavesThemAlone()
    {
        var network = new MnistResNet(1) { MaxDegreeOfParallelism = 2, Training = true };
        var digits = Digits(8);
        FitOneStep(network, digits);
        Assert.True(network.Training, "Fit restores the mode the caller set");
        float[] before = (float[])network.Buffers.Clone();

        var (loss, accuracy) = ConvNet.Training.Evaluate(network, digits.Images, digits.Labels, Recipe.EvaluationBatch);

        Assert.Equal(before, network.Buffers);
        Assert.True(network.Training, "the mode the caller set is restored");
        // The same digits through an evaluation-mode batch Forward give the same loss and accuracy.
        network.Training = false;
        var scores = new float[8 * MnistResNet.OutputLength];
        network.Forward(digits.Images, scores, 8);
        float expected = ConvNet.Losses.SoftmaxCrossEntropy(scores, digits.Labels, MnistResNet.OutputLength, new float[scores.Length]);
        Assert.Equal(expected, loss, 5);
        int correct = Enumerable.Range(0, 8).Count(n =>
        {
            var s = scores.AsSpan(n * MnistResNet.OutputLength, MnistResNet.OutputLength);
            return s.IndexOf(TensorMax(s)) == digits.Labels[n];
        });
        Assert.Equal(correct / 8f, accuracy);
    }

    private static float TensorMax(ReadOnlySpan<float> values)
    {
        float max = values[0];
        foreach (float v in values) max = Math.Max(max, v);
        return max;
    }
}
