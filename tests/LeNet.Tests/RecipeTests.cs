using ConvNet;
using Samples.Common;
using Xunit;

namespace LeNet.Tests;

public sealed class RecipeTests
{
    [Fact]
    public void CosineStartsAtThePeakHalvesAtMidpointAndEndsNearZero()
    {
        var schedule = Recipe.ScheduleFor(ScheduleKind.Cosine, 0.1f, 100);
        Assert.Equal(0.1f, schedule.LearningRate(0));
        Assert.Equal(0.05f, schedule.LearningRate(50), 6);
        Assert.InRange(schedule.LearningRate(99), 0f, 1e-4f);
    }

    [Fact]
    public void CosineNeverIncreases()
    {
        var schedule = Recipe.ScheduleFor(ScheduleKind.Cosine, 0.05f, 1000);
        float previous = float.MaxValue;
        for (int step = 0; step < 1000; step++)
        {
            float lr = schedule.LearningRate(step);
            Assert.True(lr <= previous, $"step {step}: {lr} > {previous}");
            previous = lr;
        }
    }

    [Fact]
    public void ConstantKeepsThePeak() =>
        Assert.Equal(0.01f, Recipe.ScheduleFor(ScheduleKind.Constant, 0.01f, 100).LearningRate(77));

    [Fact]
    public void TheTrainersScheduleSpansEveryStepOfTheRun()
    {
        var commandLine = LeNetSample.Spec.CommandLine();
        var options = commandLine.ToOptions(commandLine.Parse("--epochs", "3", "--batch-size", "64"));
        var optimizer = Recipe.CreateOptimizer(new LeNet5(), options, trainingCount: 8_000);
        // 125 batches of 64 per epoch.
        var schedule = Assert.IsType<CosineSchedule>(optimizer.Schedule);
        Assert.Equal(375, schedule.TotalSteps);
        Assert.Equal(options.LearningRate, schedule.PeakLearningRate);
    }
}
