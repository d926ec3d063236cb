using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ConvNet;
using LeNet;
using Xunit;

namespace Classify.Tests;

/// <summary>The classifier as a user runs it: its own executable, files on disk, lines on standard output.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("classify-").FullName;
    private readonly string _digits;

    // The shipped subset's first 64 digits as IDX files, the test set of a small MNIST folder.
    public CommandLineTests()
    {
        LeNet.Tests.MnistFiles.WriteSubsetFolder(_directory, train: 1, test: 64);
        _digits = Path.Combine(_directory, "t10k-images-idx3-ubyte");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (int ExitCode, string[] Lines, string Error) Run(params string[] args)
    {
        using var run = LeNet.Tests.SampleProcess.RunIn("Classify.dll", _directory, TimeSpan.FromMinutes(2), args);
        return (run.ExitCode, run.Output.Where(l => l.Length > 0).ToArray(), run.StandardError);
    }

    // Any fixed weights do: the test is that the tool reports what the library computes for them.
    private string Weights(LeNet5 network)
    {
        string path = Path.Combine(_directory, "w.safetensors");
        SafeTensors.Save(network, path);
        return path;
    }

    private float[] Digit(int index)
    {
        var images = Idx.ReadImages(_digits);
        return Idx.ToFloats(images, Idx.MnistMean, Idx.MnistStd).AsSpan(index * 784, 784).ToArray();
    }

    private static (int Class, string Percent)[] Parse(string line) =>
        Regex.Matches(line, @"(\d) \((\d+\.\d)%\)").Select(m => (int.Parse(m.Groups[1].Value), m.Groups[2].Value)).ToArray();

    [Fact]
    public void AnIdxFile_GivesOneLinePerDigit_WithTheLibrarysTopClasses()
    {
        var network = new LeNet5(seed: 4);
        var result = Run("--weights", Weights(network), "--top", "4", _digits);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(64, result.Lines.Length);
        foreach (int i in new[] { 0, 1, 42, 63 })
        {
            Assert.StartsWith($"{_digits}[{i}]: ", result.Lines[i]);
            var expected = network.TopK(Digit(i), 4);
            Assert.Equal(expected.Select(t => (t.Class, (100 * t.Probability).ToString("F1", System.Globalization.CultureInfo.InvariantCulture))),
                Parse(result.Lines[i]));
        }
    }

    [Fact]
    public void APngOfAnMnistDigit_IsClassifiedLikeTheSameDigitInTheIdxFile()
    {
        var images = Idx.ReadImages(_digits);
        string png = Path.Combine(_directory, "digit.png");
        File.WriteAllBytes(png, DigitsTests.Png(images.Data.AsSpan(7 * 784, 784).ToArray(), 28, 28));
        string weights = Weights(new LeNet5(seed: 9));

        var fromPng = Run("--weights", weights, png);
        var fromIdx = Run("--weights", weights, "--top", "3", _digits);
        Assert.True(fromPng.ExitCode == 0, fromPng.Error);
        Assert.Equal([$"{png}: {fromIdx.Lines[7][(fromIdx.Lines[7].IndexOf("]: ", StringComparison.Ordinal) + 3)..]}"], fromPng.Lines);
    }

    [Fact]
    public void TheDefaultWeights_AreTheLeNetSamplesOutput()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "output"));
        SafeTensors.Save(new LeNet5(seed: 2), Path.Combine(_directory, "output", "lenet.safetensors"));
        var result = Run(_digits);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(new LeNet5(seed: 2).TopK(Digit(0), 3).Select(t => t.Class), Parse(result.Lines[0]).Select(p => p.Class));
    }

    [Fact]
    public void BadFiles_AreOneErrorLineNamingTheFile_AndExitCode2()
    {
        string weights = Weights(new LeNet5());
        string text = Path.Combine(_directory, "notes.txt");
        File.WriteAllText(text, "not a digit");

        var missing = Run("--weights", weights, Path.Combine(_directory, "missing.png"));
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith($"error: {Path.Combine(_directory, "missing.png")}: ", missing.Error);

        var notAnImage = Run("--weights", weights, text);
        Assert.Equal(2, notAnImage.ExitCode);
        Assert.Contains($"error: {text}: not an image", notAnImage.Error);

        var labels = Path.Combine(_directory, "labels.idx");
        File.WriteAllBytes(labels, [0, 0, 8, 1, 0, 0, 0, 1, 7]);
        var notImages = Run("--weights", weights, labels);
        Assert.Equal(2, notImages.ExitCode);
        Assert.StartsWith($"error: {labels}: ", notImages.Error);

        var otherNetwork = Run("--weights", text, _digits);
        Assert.Equal(2, otherNetwork.ExitCode);
        Assert.StartsWith($"error: {text}: ", otherNetwork.Error);

        var badTop = Run("--weights", weights, "--top", "0", _digits);
        Assert.NotEqual(0, badTop.ExitCode);
        Assert.Contains("--top must be between 1 and 10; got 0.", badTop.Error + string.Join("\n", badTop.Lines));
    }
}
