using System;
using System.IO;
using System.Linq;
using Samples.Common;
using Xunit;

namespace LeNet.Tests;

public sealed class CommandLineTests
{
    private static readonly CommandLine s_commandLine = LeNetSample.Spec.CommandLine();
    private static readonly Recipe s_recipe = LeNetSample.Recipe;

    private static string Errors(params string[] args) =>
        string.Join("\n", s_commandLine.Parse(args).Errors.Select(e => e.Message));

    [Fact]
    public void NoArgumentsGiveTheRecipe()
    {
        var result = s_commandLine.Parse();
        Assert.Empty(result.Errors);
        var options = s_commandLine.ToOptions(result);
        Assert.Equal(s_recipe.Epochs, options.Epochs);
        Assert.Equal(s_recipe.BatchSize, options.BatchSize);
        Assert.Equal(s_recipe.Optimizer, options.Optimizer);
        Assert.Equal(s_recipe.LearningRate(s_recipe.Optimizer), options.LearningRate);
        Assert.Equal(s_recipe.Schedule, options.Schedule);
        Assert.Equal(s_recipe.MaxShift, options.MaxShift);
        Assert.Equal(0, options.Holdout);
        Assert.Equal(Environment.ProcessorCount, options.Threads);
        Assert.Null(options.DataDirectory);
        // The sample's own folder under output/ (which .gitignore expects), apart from the ResNet sample's output/resnet.
        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "output", "lenet"), options.OutputDirectory);
    }

    [Fact]
    public void EveryOptionIsRead()
    {
        string data = Directory.CreateTempSubdirectory("lenet-data-").FullName;
        try
        {
            var options = s_commandLine.ToOptions(s_commandLine.Parse(
                "--epochs", "3", "--batch-size", "32", "--learning-rate", "0.5", "--optimizer", "adam", "--schedule", "constant",
                "--max-shift", "0", "--holdout", "100", "--seed", "-4", "--threads", "1", "--data", data, "--output", "out"));
            Assert.Equal(new TrainingOptions(3, 32, 0.5f, OptimizerKind.Adam, ScheduleKind.Constant, 0, 100, -4, 1, data,
                Path.GetFullPath("out")), options);
        }
        finally
        {
            Directory.Delete(data);
        }
    }

    [Fact]
    public void GradientPicturesAreDrawnUnlessTurnedOff()
    {
        Assert.True(s_commandLine.ToOptions(s_commandLine.Parse()).GradientPictures);
        Assert.False(s_commandLine.ToOptions(s_commandLine.Parse("--no-gradient-pictures")).GradientPictures);
    }

    [Fact]
    public void TheDefaultLearningRateFollowsTheOptimizer() =>
        Assert.Equal(s_recipe.LearningRate(OptimizerKind.Adam),
            s_commandLine.ToOptions(s_commandLine.Parse("--optimizer", "adam")).LearningRate);

    [Theory]
    [InlineData("--epochs", "0", "--epochs must be between 1 and 1000; got 0.")]
    [InlineData("--batch-size", "-1", "--batch-size must be between 1 and 4096; got -1.")]
    [InlineData("--threads", "0", "--threads must be between 1 and 256; got 0.")]
    [InlineData("--max-shift", "9", "--max-shift must be between 0 and 8; got 9.")]
    [InlineData("--learning-rate", "0", "--learning-rate must be greater than 0 and at most 10; got 0.")]
    [InlineData("--learning-rate", "NaN", "--learning-rate must be greater than 0 and at most 10; got NaN.")]
    [InlineData("--holdout", "-5", "--holdout must be between 0 and 1000000; got -5.")]
    public void OutOfRangeValuesAreRejectedWithTheLimits(string option, string value, string message) =>
        Assert.Contains(message, Errors(option, value));

    [Fact]
    public void UnknownOptimizerIsRejected() => Assert.Contains("rmsprop", Errors("--optimizer", "rmsprop"));

    [Theory]
    [InlineData("--learning-rate", "1,000", "--learning-rate: '1,000' is not a number")]
    [InlineData("--learning-rate", "0,5", "--learning-rate: '0,5' is not a number")]
    [InlineData("--learning-rate", "1_000", "--learning-rate: '1_000' is not a number")]
    [InlineData("--learning-rate", "Infinity", "--learning-rate must be greater than 0 and at most 10; got Infinity.")]
    [InlineData("--learning-rate", "1e3", "--learning-rate must be greater than 0 and at most 10; got 1000.")]
    [InlineData("--epochs", "1,000", "--epochs: '1,000' is not a whole number")]
    [InlineData("--batch-size", "4.096", "--batch-size: '4.096' is not a whole number")]
    [InlineData("--holdout", "1,000", "--holdout: '1,000' is not a whole number")]
    [InlineData("--threads", "0x10", "--threads: '0x10' is not a whole number")]
    [InlineData("--seed", "1,2", "--seed: '1,2' is not a whole number")]
    [InlineData("--max-shift", " 9", "--max-shift: ' 9' is not a whole number")]
    public void GroupSeparatorsAndOtherCulturesAreRejected_AndRangesApplyToEveryAcceptedValue(string option, string value, string message) =>
        Assert.Contains(message, Errors(option, value));

    [Theory]
    [InlineData("1e-3", 0.001f)]
    [InlineData(".5", 0.5f)]
    [InlineData("+2", 2f)]
    [InlineData("10", 10f)]
    public void InvariantNumbersAreAccepted(string value, float expected) =>
        Assert.Equal(expected, s_commandLine.ToOptions(s_commandLine.Parse("--learning-rate", value)).LearningRate);

    [Fact]
    public void NonNumbersAreRejected()
    {
        Assert.Contains("'ten'", Errors("--epochs", "ten"));
        Assert.Contains("'fast'", Errors("--learning-rate", "fast"));
    }

    [Fact]
    public void MissingDataFolderIsRejected()
    {
        string missing = Path.Combine(Path.GetTempPath(), "lenet-no-such-folder-" + Guid.NewGuid().ToString("N"));
        Assert.Contains($"--data: the folder '{missing}' does not exist.", Errors("--data", missing));
    }

    // System.CommandLine's own conversion of "" to a FileInfo or DirectoryInfo threw from the validator: exit code 134.
    [Theory]
    [InlineData("--resume", "--resume must name a file; got an empty path.")]
    [InlineData("--data", "--data must name a folder; got an empty path.")]
    public void AnEmptyPathIsRejectedByName(string option, string message) =>
        Assert.Equal(message, Errors(option, ""));

    [Fact]
    public void APathStartingWithAtIsAPath_NotAResponseFile()
    {
        string name = "@lenet-no-such-folder-" + Guid.NewGuid().ToString("N");
        Assert.Equal($"--data: the folder '{Path.GetFullPath(name)}' does not exist.", Errors("--data", name));
    }

    [Fact]
    public void OutputThatIsAFileIsRejected()
    {
        string file = Path.GetTempFileName();
        try
        {
            Assert.Contains("is a file, not a folder", Errors("--output", file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
