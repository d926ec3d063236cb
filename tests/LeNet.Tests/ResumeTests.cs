using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Samples.Common;
using Xunit;

namespace LeNet.Tests;

/// <summary>Stopping and resuming through the command line, as a user does it, with the sample's own executable.</summary>
public sealed class ResumeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lenet-resume-").FullName;

    // 640 training digits (10 batches), 200 test digits: the runs stay short even in a Debug build.
    public ResumeTests() => MnistFiles.WriteSubsetFolder(_directory, train: 640, test: 200);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private (int ExitCode, string Output) Run(params string[] args)
    {
        using var run = SampleProcess.RunIn("LeNet.dll", _directory, Timeout, args);
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
        Assert.Contains($"'{weights}' holds no checkpoint, only weights; a run writes its checkpoint as checkpoint.safetensors in its output folder.",
            Unwrapped(notACheckpoint.Output));
    }

    // The two samples once shared output/, so one's checkpoint was passed to the other, whose hint then named the very
    // file the user had passed.
    [Fact]
    public void AnotherSamplesCheckpoint_IsRefusedNamingThatSample_AndAWeightsFileByTheCheckpointsName_WithoutAHint()
    {
        string checkpoint = FirstEpoch("o");
        // What the ResNet sample writes has the same keys under its own name.
        CheckpointFiles.EditMetadata(checkpoint, m =>
        {
            foreach (string key in m.Keys.Where(k => k.StartsWith("lenet.", StringComparison.Ordinal)).ToList())
            {
                m["resnet." + key["lenet.".Length..]] = m[key];
                m.Remove(key);
            }
        });
        var other = Run(Args("--output", "o", "--resume", checkpoint));
        Assert.Equal(2, other.ExitCode);
        Assert.Equal($"error: --resume: '{checkpoint}' is a checkpoint of the resnet sample, not of the lenet sample.", ErrorLine(other.Output));

        ConvNet.SafeTensors.Save(new LeNet5(), checkpoint);
        var weights = Run(Args("--output", "o", "--resume", checkpoint));
        Assert.Equal(2, weights.ExitCode);
        Assert.Equal($"error: --resume: '{checkpoint}' holds no checkpoint, only weights.", ErrorLine(weights.Output));
    }

    // Each edit crashed --resume with a stack trace (FormatException, IndexOutOfRangeException, OverflowException),
    // after the checkpoint's state had been loaded; a history longer than the run trained nothing and exited 0.
    [Theory]
    [InlineData("abc", "has a damaged lenet.history: line 1 is 'abc', not '1,train loss,evaluation loss,accuracy from 0 to 1,digits,ticks'.")]
    [InlineData("1,2", "has a damaged lenet.history: line 1 is '1,2', not '1,")]
    [InlineData("99999999999,0.5,0.5,0.5,640,1", "has a damaged lenet.history: line 1 is '99999999999,0.5,0.5,0.5,640,1', not '1,")]
    [InlineData("1,0.5,0.5,0.5,640,1\n3,0.5,0.5,0.5,640,1", "has a damaged lenet.history: line 2 is '3,0.5,0.5,0.5,640,1', not '2,")]
    [InlineData("1,0.5,0.5,1.5,640,1", "has a damaged lenet.history: line 1 is '1,0.5,0.5,1.5,640,1', not '1,")]
    [InlineData("1,0.5,0.5,0.5,640,1\n2,0.5,0.5,0.5,640,1\n3,0.5,0.5,0.5,640,1\n4,0.5,0.5,0.5,640,1\n5,0.5,0.5,0.5,640,1",
        "records 5 finished epochs of a run of 3: nothing is left to train.")]
    [InlineData("1,0.5,0.5,0.5,640,1\n2,0.5,0.5,0.5,640,1",
        "records 2 finished epochs, which take 20 optimizer steps in batches of 64 over 640 digits, but its optimizer took 10.")]
    public void AnEditedHistory_IsOneErrorLine_BeforeAnythingIsLoadedOrTrained(string history, string message)
    {
        string checkpoint = FirstEpoch("o");
        CheckpointFiles.EditMetadata(checkpoint, m => m["lenet.history"] = history);
        byte[] edited = File.ReadAllBytes(checkpoint);

        using var run = SampleProcess.RunIn("LeNet.dll", _directory, Timeout, Args("--output", "o", "--resume", checkpoint));
        Assert.True(run.ExitCode == ExitCodes.UserError, run.ToString());
        Assert.Empty(run.StandardError);
        Assert.StartsWith($"error: --resume: '{checkpoint}' {message}", ErrorLine(string.Join("\n", run.Output)));
        Assert.DoesNotContain(run.Output, l => l.StartsWith("epoch", StringComparison.Ordinal) || l.StartsWith("resumed", StringComparison.Ordinal));
        Assert.Equal(edited, File.ReadAllBytes(checkpoint));
    }

    // The checkpoint after epoch 1 of 3, in the output folder <paramref name="output"/>.
    private string FirstEpoch(string output)
    {
        var first = Run(Args("--output", output, "--stop-after", "1"));
        Assert.True(first.ExitCode == 0, first.Output);
        return Path.Combine(_directory, output, RunState.FileName);
    }

    private static string ErrorLine(string output) => Assert.Single(output.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));

    [Theory]
    [InlineData("--resume", "--resume must name a file; got an empty path.")]
    [InlineData("--data", "--data must name a folder; got an empty path.")]
    public void AnEmptyPath_IsOneErrorLine_NotAnUnhandledException(string option, string message)
    {
        using var run = SampleProcess.RunIn("LeNet.dll", _directory, Timeout, option, "", "--output", "o");
        Assert.True(run.ExitCode is not (0 or 134), run.ToString());
        Assert.Equal(message, run.StandardError.Trim());
        Assert.False(Directory.Exists(Path.Combine(_directory, "o")));
    }

    // A checkpoint that cannot be written (here a folder has its name) was still reported as written.
    [Fact]
    public void StoppingAfterAnEpochWhoseCheckpointFailed_DoesNotClaimItWasWritten()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "o", RunState.FileName));
        var run = Run(Args("--output", "o", "--stop-after", "1"));
        Assert.Equal(ExitCodes.OutputFailed, run.ExitCode);
        Assert.Contains("stopped after epoch 1 of 3; its checkpoint could not be written", run.Output);
        Assert.DoesNotContain("checkpoint written", run.Output);
        Assert.StartsWith("error: cannot write the checkpoint: ", ErrorLine(run.Output));
    }
}
