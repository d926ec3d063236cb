using System;
using System.Linq;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class SchedulesTests
{
    [Fact]
    public void Constant_IsTheSameAtEveryStep()
    {
        var schedule = new ConstantSchedule(0.01f);
        Assert.All(new long[] { 0, 1, 1000, long.MaxValue }, t => Assert.Equal(0.01f, schedule.LearningRate(t)));
    }

    [Fact]
    public void Step_MultipliesByGammaAtEachBoundary()
    {
        var schedule = new StepSchedule(0.1f, stepSize: 3, gamma: 0.5f);
        Assert.Equal([0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f, 0.025f], Enumerable.Range(0, 7).Select(t => schedule.LearningRate(t)));
    }

    [Fact]
    public void Cosine_WithoutWarmup_IsTheClosedFormHalfCosine()
    {
        var schedule = new CosineSchedule(0.002f, 100);
        Assert.Equal(0.002f, schedule.LearningRate(0));
        Assert.Equal(0.001f, schedule.LearningRate(50), 9);
        Assert.InRange(schedule.LearningRate(99), 0f, 0.002f * 3e-4f);
        Assert.Equal(0f, schedule.LearningRate(100));
        Assert.Equal(0f, schedule.LearningRate(5000));
        // The LeNet recipe was tuned with this exact expression; the schedule must give the same bits.
        for (long t = 0; t < 100; t++)
            Assert.Equal((float)(0.002f * 0.5 * (1 + Math.Cos(Math.PI * t / 100))), schedule.LearningRate(t));
    }

    [Fact]
    public void Cosine_WarmsUpLinearly_ThenDecaysToTheMinimum()
    {
        var schedule = new CosineSchedule(1f, totalSteps: 14, warmupSteps: 4, minimumLearningRate: 0.2f);
        Assert.Equal([0f, 0.25f, 0.5f, 0.75f, 1f], Enumerable.Range(0, 5).Select(t => schedule.LearningRate(t)));
        // Halfway through the decay (5 of 10 steps): halfway between the peak and the minimum.
        Assert.Equal(0.6f, schedule.LearningRate(9), 6);
        Assert.Equal(0.2f, schedule.LearningRate(14));
        var decay = Enumerable.Range(4, 10).Select(t => schedule.LearningRate(t)).ToArray();
        Assert.Equal(decay.OrderDescending(), decay);
    }

    [Fact]
    public void OneCycle_FollowsPyTorchsPhases()
    {
        // OneCycleLR(max_lr=0.1, total_steps=10): initial 0.1 / 25 = 0.004, final 0.004 / 1e4; the rise ends at step
        // 0.3 * 10 - 1 = 2, so step 1 is halfway up: 0.1 + (0.004 - 0.1) / 2 * (cos(pi / 2) + 1) = 0.052.
        var schedule = new OneCycleSchedule(0.1f, 10);
        Assert.Equal(0.004f, schedule.LearningRate(0), 7);
        Assert.Equal(0.052f, schedule.LearningRate(1), 7);
        Assert.Equal(0.1f, schedule.LearningRate(2));
        Assert.Equal(4e-7f, schedule.LearningRate(9), 10);
        Assert.Equal(4e-7f, schedule.LearningRate(10), 10);
        var fall = Enumerable.Range(2, 8).Select(t => schedule.LearningRate(t)).ToArray();
        Assert.Equal(fall.OrderDescending(), fall);
    }

    [Fact]
    public void InvalidArguments_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0.1f, 0, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0.1f, 1, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(0.1f, 10, warmupSteps: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(0.1f, 10, minimumLearningRate: 0.2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(0.1f, 3, warmupFraction: 0.3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(0.1f, 10, initialDivisor: 0.5));
        Assert.Throws<ArgumentOutOfRangeException>("step", () => new ConstantSchedule(1f).LearningRate(-1));
    }

    [Fact]
    public void Step_RefusesAGrowingFactor_WhichWouldOverflowTheDocumentedFiniteRate()
    {
        // gamma 10 gave Infinity at step 1000 (10^1000 * 0.1).
        var error = Assert.Throws<ArgumentOutOfRangeException>("gamma", () => new StepSchedule(0.1f, 1, 10f));
        Assert.Contains("[0, 1]", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>("gamma", () => new StepSchedule(0.1f, 1, 1.0000001f));
        // The bounds themselves stay finite at any step.
        Assert.Equal(0.1f, new StepSchedule(0.1f, 1, 1f).LearningRate(long.MaxValue));
        Assert.Equal(0f, new StepSchedule(0.1f, 1, 0f).LearningRate(1000));
    }

    [Fact]
    public void ToString_NamesEveryParameter() =>
        Assert.Equal("cosine(lr=0.002, total_steps=1250, warmup_steps=100, min_lr=1E-05)",
            new CosineSchedule(0.002f, 1250, 100, 1e-5f).ToString());

    [Fact]
    public void Optimizer_TakesTheScheduledRateOfEachStep()
    {
        // Plain SGD with gradient 1 moves the parameter by exactly the step's learning rate.
        var optimizer = new Sgd(1, 123f) { Schedule = new StepSchedule(0.5f, 2, 0.5f) };
        float[] parameter = [0f];
        var moves = new float[5];
        for (int t = 0; t < 5; t++)
        {
            Assert.Equal(optimizer.Schedule.LearningRate(t), optimizer.LearningRate);
            float before = parameter[0];
            optimizer.Step(parameter, [1f]);
            moves[t] = before - parameter[0];
        }
        Assert.Equal([0.5f, 0.5f, 0.25f, 0.25f, 0.125f], moves);
        Assert.Throws<InvalidOperationException>(() => optimizer.LearningRate = 0.1f);
        optimizer.Schedule = null;
        Assert.Equal(123f, optimizer.LearningRate);
    }

    private sealed class BrokenSchedule : LearningRateSchedule
    {
        protected override float At(long step) => step == 0 ? 0.1f : float.NaN;
        public override string ToString() => "broken";
    }

    [Fact]
    public void Optimizer_RefusesARateThatIsNotFinite_BeforeChangingAnything()
    {
        var optimizer = new Adam(2) { Schedule = new BrokenSchedule() };
        float[] parameters = [1f, 2f];
        optimizer.Step(parameters, [1f, 1f]);
        var after = (float[])parameters.Clone();
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.Step(parameters, [1f, 1f]));
        Assert.Contains("broken", error.Message);
        Assert.Equal(after, parameters);
        Assert.Equal(1, optimizer.Steps);
    }
}
