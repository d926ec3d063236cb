using Samples.Common;
using Xunit;

namespace LeNet.Tests;

public sealed class RecipeTests
{
    [Fact]
    public void CosineStartsAtThePeakHalvesAtMidpointAndEndsNearZero()
    {
        Assert.Equal(0.1f, Recipe.LearningRateAt(ScheduleKind.Cosine, 0.1f, 0, 100));
        Assert.Equal(0.05f, Recipe.LearningRateAt(ScheduleKind.Cosine, 0.1f, 50, 100), 6);
        float last = Recipe.LearningRateAt(ScheduleKind.Cosine, 0.1f, 99, 100);
        Assert.InRange(last, 0f, 1e-4f);
    }

    [Fact]
    public void CosineNeverIncreases()
    {
        float previous = float.MaxValue;
        for (int step = 0; step < 1000; step++)
        {
            float lr = Recipe.LearningRateAt(ScheduleKind.Cosine, 0.05f, step, 1000);
            Assert.True(lr <= previous, $"step {step}: {lr} > {previous}");
            previous = lr;
        }
    }

    [Fact]
    public void ConstantKeepsThePeak() =>
        Assert.Equal(0.01f, Recipe.LearningRateAt(ScheduleKind.Constant, 0.01f, 77, 100));

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(10, 10)]
    [InlineData(0, 0)]
    public void RejectsStepsOutsideTheRun(long step, long total) =>
        Assert.Throws<System.ArgumentOutOfRangeException>(() => Recipe.LearningRateAt(ScheduleKind.Cosine, 0.1f, step, total));
}
