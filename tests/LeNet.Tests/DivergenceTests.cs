using System.Threading;
using Samples.Common;
using Xunit;

namespace LeNet.Tests;

/// <summary>
/// Training that diverges stops with a message instead of carrying NaN weights into the pictures (where the plotting
/// library threw). The command line's learning-rate limit (10) no longer lets a run get there (the campaign's 1,000
/// did), so this drives the training loop directly, with a weight that is already NaN.
/// </summary>
public sealed class DivergenceTests
{
    [Fact]
    public void NaN_weights_stop_training_after_the_epoch_and_say_it_diverged()
    {
        var data = MnistData.Load(null, holdout: 0);
        var small = new MnistSplit(data.Train.Slice(0, 128), data.Evaluation.Slice(0, 64), "test", "128 digits");
        var commandLine = LeNetSample.Spec.CommandLine();
        var options = commandLine.ToOptions(commandLine.Parse("--epochs", "3", "--threads", "1"));
        var network = new LeNet5(1) { MaxDegreeOfParallelism = 1 };
        network.Parameters[LeNet5.Fc3.WeightOffset] = float.NaN;

        var run = Report.Train(network, Recipe.CreateOptimizer(network, options, small.Train.Count), Recipe.Generator(options.Seed), options, small, CancellationToken.None);

        Assert.Single(run.History);
        Assert.Null(run.Interrupted);
        Assert.StartsWith("training diverged in epoch 1: the loss is NaN", run.Diverged);
        Assert.Contains("try a smaller --learning-rate (this run used 0.002)", run.Diverged);
    }
}
