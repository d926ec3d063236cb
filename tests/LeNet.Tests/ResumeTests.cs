using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace LeNet.Tests;

/// <summary>Stopping and resuming through the command line, as a user does it, with the sample's own executable.</summary>
public sealed class ResumeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lenet-resume-").FullName;

    // 640 training digits (10 batches), 200 test digits: the runs stay short even in a Debug build.
    public ResumeTests() => MnistFiles.WriteSubsetFolder(_directory, train: 640, test: 200);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (int ExitCode, string Output) Run(params string[] args)
    {
        using var run = SampleProcess.RunIn("LeNet.dll", _directory, TimeSpan.FromMinutes(3), args);
        return (run.ExitCode, string.Join("\n", run.Output) + "\n" + run.StandardError);
    }

    // Short, but with every source of state: Adam's moments, the cosine schedule's position, shuffling and shifts.
    private string[] Args(params string[] more) => ["--epochs", "3", "--threads", "2", "--data", _directory, .. more];

    // The console wraps long lines at 80 columns when output is redirected.
    private static string Unwrapped(string output) => Regex.Replace(output, @"\s+", " ");

    private static string Line(string output, string start) =>
        output.Split('\n').Single(l => l.StartsWith(start, StringComparison.Ordinal)).Trim();

    [Fact]
    public void StoppingAfterEpoch1AndResuming_GivesTheSameWeightsAsARunThatNeverStopped()
    {
        var whole = Run(Args("--output", "whole"));
        Assert.True(whole.ExitCode == 0, whole.Output);

        var first = Run(Args("--output", "parts", "--stop-after", "1"));
        Assert.True(first.ExitCode == 0, first.Output);
        string checkpoint = Path.Combine(_directory, "parts", RunState.FileName);
        Assert.Contains("stopped after epoch 1 of 3", first.Output);
        Assert.False(File.Exists(Path.Combine(_directory, "parts", "lenet.safetensors")));

        var rest = Run(Args("--output", "parts", "--resume", checkpoint));
        Assert.True(rest.ExitCode == 0, rest.Output);
        Assert.Contains("resumed from checkpoint.safetensors after epoch 1 of 3", rest.Output);

        Assert.Equal(File.ReadAllBytes(Path.Combine(_directory, "whole", "lenet.safetensors")),
            File.ReadAllBytes(Path.Combine(_directory, "parts", "lenet.safetensors")));
        Assert.Equal(Line(whole.Output, "test accuracy:"), Line(rest.Output, "test accuracy:"));
        foreach (string picture in new[] { "confusion.png", "misclassified.png", "training-curves.png" })
            Assert.True(File.Exists(Path.Combine(_directory, "parts", picture)), picture);
    }

    [Fact]
    public void ResumingWithOtherOptionsOrFromAWeightsFile_IsRefusedWithTheReason()
    {
        var first = Run(Args("--output", "o", "--stop-after", "1"));
        Assert.True(first.ExitCode == 0, first.Output);
        string folder = Path.Combine(_directory, "o");

        var otherSeed = Run(Args("--output", "o", "--seed", "2", "--resume", Path.Combine(folder, RunState.FileName)));
        Assert.Equal(2, otherSeed.ExitCode);
        Assert.Contains("the checkpoint was made with --seed 1, not 2", Unwrapped(otherSeed.Output));

        string weights = Path.Combine(folder, "weights.safetensors");
        ConvNet.SafeTensors.Save(new LeNet5(), weights);
        var notACheckpoint = Run(Args("--output", "o", "--resume", weights));
        Assert.Equal(2, notACheckpoint.ExitCode);
        Assert.Contains("is not a checkpoint of this sample", Unwrapped(notACheckpoint.Output));
    }
}
