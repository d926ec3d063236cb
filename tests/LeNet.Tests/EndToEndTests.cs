using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ConvNet;
using Samples.Common;
using SkiaSharp;
using Xunit;

namespace LeNet.Tests;

/// <summary>The sample through its command line, as its README runs it: a short training run end to end, Ctrl-C, and the
/// ways a run can go wrong (an output folder that cannot be written, empty data, bad numbers, divergence).</summary>
public sealed partial class EndToEndTests : IDisposable
{
    // Only to catch a hang: the two-epoch run of the full subset took the whole of a 3-minute limit at a load average
    // near 38 on two cores (45 s at a load average of 9).
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private static readonly string[] Pictures = ["conv1-filters.png", "activations-conv1.png", "activations-conv2.png", "training-curves.png", "confusion.png", "misclassified.png"];

    // The pictures drawn through the gradients, and their sizes in pixels: 16 rows (conv2's channels) of an ascent tile
    // and 9 patches; one row of 10 class inputs; 2 rows (digit, saliency) of 4 digits.
    private static readonly (string Name, int Width, int Height)[] GradientPictures =
        [("neurons-conv2.png", 1006, 1390), ("classes.png", 1112, 247), ("saliency.png", 836, 423)];

    private readonly string _folder = Directory.CreateTempSubdirectory("lenet-e2e-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Output => Path.Combine(_folder, "out");

    [GeneratedRegex(@"^epoch [12]/2  loss \d\.\d{4} +[\d,]+ img/s  test \d+\.\d\d%$")]
    private static partial Regex EpochLine();

    [Theory]
    [InlineData("xterm-256color")]
    [InlineData(null)]
    public void Two_epochs_train_to_a_loose_floor_and_write_files_that_reload(string? term)
    {
        using var run = new SampleProcess(new Dictionary<string, string?> { ["TERM"] = term }, "--epochs", "2", "--output", Output);
        run.WaitForExit(Timeout);
        Assert.True(run.ExitCode == 0, run.ToString());

        // Output is a pipe, so plain lines: exactly one per epoch, no escape codes, no partial progress lines.
        var lines = run.Output;
        Assert.DoesNotContain(lines, l => l.Contains('\u001b'));
        Assert.Equal(2, lines.Count(l => EpochLine().IsMatch(l)));
        Assert.DoesNotContain(lines, l => l.StartsWith("epoch", StringComparison.Ordinal) && !EpochLine().IsMatch(l));

        string accuracyLine = Assert.Single(lines, l => l.StartsWith("test accuracy: ", StringComparison.Ordinal));
        float printed = float.Parse(accuracyLine["test accuracy: ".Length..^1], CultureInfo.InvariantCulture) / 100;
        Assert.True(printed >= 0.90f, $"test accuracy {printed:P2} after two epochs");

        // The weights reload to the accuracy the run printed; the pictures are PNG files.
        var network = new LeNet5();
        SafeTensors.Load(network, Path.Combine(Output, "lenet.safetensors"));
        var test = MnistData.Load(null, holdout: 0).Evaluation;
        Assert.Equal(printed, MathF.Round(Training.Evaluate(network, test.Images, test.Labels, Recipe.EvaluationBatch).Accuracy * 10_000) / 10_000, 4);
        foreach (string picture in Pictures)
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(Output, picture))[..4]);
        foreach (var (name, width, height) in GradientPictures)
            Assert.Equal((width, height), Decode(Path.Combine(Output, name)));
        Assert.Single(lines, l => GradientTimeLine().IsMatch(l));
    }

    [GeneratedRegex(@"^gradient pictures: \d+\.\d\d s$")]
    private static partial Regex GradientTimeLine();

    // The file's size once decoded as a PNG; one with only a few colours would be blank.
    private static (int Width, int Height) Decode(string path)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.True(bitmap is not null, $"{path} is not an image");
        Assert.Equal(SKEncodedImageFormat.Png, SKCodec.Create(path).EncodedFormat);
        Assert.True(bitmap.Pixels.Distinct().Count() > 32, $"{path} has only {bitmap.Pixels.Distinct().Count()} colours");
        return (bitmap.Width, bitmap.Height);
    }

    [Fact]
    public void NoGradientPicturesWritesTheOtherFilesOnly()
    {
        string data = Directory.CreateDirectory(Path.Combine(_folder, "mnist")).FullName;
        MnistFiles.WriteSubsetFolder(data, 256, 64);
        using var run = SampleProcess.Run(Timeout, "--data", data, "--epochs", "1", "--no-gradient-pictures", "--output", Output);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Pictures.Append("lenet.safetensors").Append(RunState.FileName).Order(), Directory.GetFiles(Output).Select(Path.GetFileName).Order());
        Assert.DoesNotContain(run.Output, l => GradientTimeLine().IsMatch(l));
    }

    [Fact]
    public void Ctrl_C_stops_after_the_batch_saves_partial_weights_and_exits_non_zero()
    {
        using var run = SampleProcess.Interruptible("--epochs", "1000", "--output", Output);
        run.WaitForLine(l => l.StartsWith("epoch    1/1000", StringComparison.Ordinal), Timeout);
        run.Interrupt();
        // Each wait is for the event itself; the limits only catch a hang, so a slow or busy machine cannot fail it.
        run.WaitForErrorLine(l => l.StartsWith("Ctrl-C: stopping at the end of this batch", StringComparison.Ordinal), Timeout);
        run.WaitForExit(Timeout);

        Assert.True(run.ExitCode == 130, run.ToString());
        string note = Assert.Single(run.Output, l => l.StartsWith("interrupted in epoch ", StringComparison.Ordinal));
        Assert.Matches(@"^interrupted in epoch \d+ of 1000, after [\d,]+ of 8,000 digits; the partial weights trained so far are in ", note);
        string partial = Path.Combine(Output, "lenet.partial.safetensors");
        Assert.EndsWith(partial, note);
        // What was trained is kept, and it is trained: far above the 10% of the initial weights.
        var network = new LeNet5();
        SafeTensors.Load(network, partial);
        var test = MnistData.Load(null, holdout: 0).Evaluation;
        Assert.True(Training.Evaluate(network, test.Images, test.Labels, Recipe.EvaluationBatch).Accuracy > 0.5f);
        // Beside them, the checkpoint of the last finished epoch, if one finished (to --resume from).
        int epoch = int.Parse(Regex.Match(note, @"^interrupted in epoch (\d+) ").Groups[1].Value);
        string[] expected = epoch > 1 ? ["lenet.partial.safetensors", RunState.FileName] : ["lenet.partial.safetensors"];
        Assert.Equal(expected.Order(), Directory.GetFiles(Output).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void An_output_folder_that_cannot_be_created_fails_in_one_line_before_training()
    {
        string file = Path.Combine(_folder, "a-file");
        File.WriteAllText(file, "");
        // A folder under a file cannot exist anywhere; /proc refuses new entries on Linux (the campaign's case).
        foreach (string output in OperatingSystem.IsLinux() ? [Path.Combine(file, "out"), "/proc/x"] : new[] { Path.Combine(file, "out") })
        {
            using var run = SampleProcess.Run(Timeout, "--output", output);
            Assert.True(run.ExitCode == 2, run.ToString());
            string error = Assert.Single(run.Output);
            Assert.StartsWith($"error: --output: cannot write to '{output}': ", error);
            Assert.Empty(run.StandardError);
        }
    }

    [Fact]
    public void An_output_folder_that_vanishes_during_training_keeps_the_weights_elsewhere_and_says_so()
    {
        using var run = new SampleProcess(new Dictionary<string, string?>(), "--epochs", "4", "--output", Output);
        run.WaitForLine(l => l.StartsWith("epoch 1/4", StringComparison.Ordinal), Timeout);
        Directory.Delete(Output, recursive: true);
        File.WriteAllText(Output, "now a file");
        run.WaitForExit(Timeout);

        Assert.True(run.ExitCode == 4, run.ToString());
        var errors = run.Output.Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(errors, e => e.StartsWith($"error: cannot save the weights to {Path.Combine(Output, "lenet.safetensors")}: ", StringComparison.Ordinal));
        // The nine pictures; and the checkpoints of epochs 2-4 (that of epoch 1 races with the folder's removal).
        Assert.Equal(9, errors.Count(e => e.StartsWith("error: cannot write the ", StringComparison.Ordinal) && !e.StartsWith("error: cannot write the checkpoint", StringComparison.Ordinal)));
        Assert.InRange(errors.Count(e => e.StartsWith("error: cannot write the checkpoint", StringComparison.Ordinal)), 3, 4);
        string moved = Assert.Single(errors, e => e.StartsWith("error: the weights were saved to ", StringComparison.Ordinal));
        string fallback = moved["error: the weights were saved to ".Length..^" instead".Length];
        try
        {
            SafeTensors.Load(new LeNet5(), fallback);
            Assert.Contains(run.Output, l => l.StartsWith("reloaded ", StringComparison.Ordinal) && l.EndsWith("same as trained", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(fallback);
        }
        Assert.Empty(run.StandardError);
    }

    [Theory]
    [InlineData(0, 5, "train")]
    [InlineData(5, 0, "t10k")]
    public void Empty_IDX_files_fail_in_one_line_before_training(int train, int test, string empty)
    {
        MnistFiles.WriteFolder(_folder, train, test);
        using var run = SampleProcess.Run(Timeout, "--data", _folder, "--output", Output);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {Path.Combine(_folder, empty + "-images-idx3-ubyte")} holds no digits.", Assert.Single(run.Output));
    }

    [Theory]
    [InlineData("1,000", "--learning-rate: '1,000' is not a number (a dot for decimals, no group separators).")]
    [InlineData("0,5", "--learning-rate: '0,5' is not a number (a dot for decimals, no group separators).")]
    public void Numbers_with_group_separators_are_rejected_before_training(string value, string message)
    {
        using var run = SampleProcess.Run(Timeout, "--learning-rate", value, "--output", Output);
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Contains(message, run.ToString());
        Assert.DoesNotContain(run.Output, l => l.StartsWith("epoch", StringComparison.Ordinal));
    }
}
