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

    private (int ExitCode, string[] Lines, string Error) Run(params string[] args) => RunWithOutput(null, args);

    // standardOutput: a shell redirection of the tool's standard output (">/dev/full"), or null for the pipe.
    private (int ExitCode, string[] Lines, string Error) RunWithOutput(string? standardOutput, params string[] args)
    {
        using var run = LeNet.Tests.SampleProcess.RunIn("Classify.dll", _directory, standardOutput, TimeSpan.FromMinutes(10), args);
        return (run.ExitCode, run.Output.Where(l => l.Length > 0).ToArray(), run.StandardError);
    }

    // One line of error and nothing else: no stack trace, no "Unhandled exception".
    private static string OneErrorLine(string error)
    {
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("exception", line, StringComparison.OrdinalIgnoreCase);
        return line;
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
        // The LeNet sample's default output folder is output/lenet (each sample has its own).
        Directory.CreateDirectory(Path.Combine(_directory, "output", "lenet"));
        SafeTensors.Save(new LeNet5(seed: 2), Path.Combine(_directory, "output", "lenet", "lenet.safetensors"));
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

    [Theory]
    [InlineData(">/dev/full", "No space left on device")]
    [InlineData(">&-", "Bad file descriptor")]
    public void AFullOrClosedStandardOutput_IsOneErrorLine_AndExitCode2(string standardOutput, string reason)
    {
        string weights = Weights(new LeNet5());
        foreach (string[] args in new[] { new[] { "--weights", weights, _digits }, ["--help"] })
        {
            var result = RunWithOutput(standardOutput, args);
            Assert.True(result.ExitCode == 2, $"{string.Join(" ", args)}: exit code {result.ExitCode}\n{result.Error}");
            Assert.Equal($"error: cannot write to standard output: {reason}", OneErrorLine(result.Error));
        }
    }

    [Fact]
    public void EmptyPaths_AreOneErrorLineBeforeAnythingIsRead()
    {
        var emptyWeights = Run("--weights", "", _digits);
        Assert.NotEqual(0, emptyWeights.ExitCode);
        Assert.Equal("--weights must name a file; got an empty path.", OneErrorLine(emptyWeights.Error));

        var emptyFile = Run("--weights", Weights(new LeNet5()), _digits, "");
        Assert.NotEqual(0, emptyFile.ExitCode);
        Assert.Equal("files: file 2 is an empty path.", OneErrorLine(emptyFile.Error));
        Assert.DoesNotContain(emptyFile.Lines, l => l.StartsWith(_digits, StringComparison.Ordinal));
    }

    [Fact]
    public void ImageBombs_AreRefusedFromTheirHeaders()
    {
        string weights = Weights(new LeNet5());
        string bmp = Path.Combine(_directory, "bomb.bmp"), png = Path.Combine(_directory, "bomb.png");
        File.WriteAllBytes(bmp, DigitsTests.BmpHeader(20_000));
        File.WriteAllBytes(png, DigitsTests.PngClaiming(20_000));
        foreach (string bomb in new[] { bmp, png })
        {
            var result = Run("--weights", weights, bomb);
            Assert.Equal(2, result.ExitCode);
            Assert.Empty(result.Lines);
            Assert.Equal($"error: {bomb}: the image is 20000x20000 pixels, more than the 16,777,216 (4096x4096) this reader decodes.",
                OneErrorLine(result.Error));
        }
    }

    [Fact]
    public void AFileThatNeverEnds_IsReadOnlyUpToTheImageLimit()
    {
        var result = Run("--weights", Weights(new LeNet5()), "/dev/urandom");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: /dev/urandom: larger than 64 MiB, the most read for one image.", OneErrorLine(result.Error));
    }

    [Fact]
    public void ATgaImage_WhoseFirstTwoBytesAreZero_IsClassifiedLikeTheSameDigitInTheIdxFile()
    {
        var images = Idx.ReadImages(_digits);
        string tga = Path.Combine(_directory, "digit.tga");
        File.WriteAllBytes(tga, Tga(images.Data.AsSpan(5 * 784, 784)));
        string weights = Weights(new LeNet5(seed: 3));

        var fromTga = Run("--weights", weights, tga);
        var fromIdx = Run("--weights", weights, _digits);
        Assert.True(fromTga.ExitCode == 0, fromTga.Error);
        Assert.Equal([$"{tga}: {fromIdx.Lines[5][(fromIdx.Lines[5].IndexOf("]: ", StringComparison.Ordinal) + 3)..]}"], fromTga.Lines);
    }

    // An uncompressed greyscale TGA (image type 3) with no image ID and no colour map, so its first two bytes are 0,
    // as an IDX file's are; descriptor 0x20 puts the first row at the top.
    private static byte[] Tga(ReadOnlySpan<byte> pixels)
    {
        byte[] header = [0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28, 0, 28, 0, 8, 0x20];
        return [.. header, .. pixels];
    }

    [Fact]
    public void WeightsOrScoresThatAreNotFiniteNumbers_AreAnError()
    {
        var nan = new LeNet5(seed: 1);
        nan.Parameters[LeNet5.Conv1.WeightOffset] = float.NaN;
        string nanWeights = Path.Combine(_directory, "nan.safetensors");
        SafeTensors.Save(nan, nanWeights);
        var fromNan = Run("--weights", nanWeights, _digits);
        Assert.Equal(2, fromNan.ExitCode);
        Assert.Empty(fromNan.Lines);
        Assert.Equal($"error: {nanWeights}: 1 of the {LeNet5.ParameterCount} weights are not finite numbers (NaN or infinity).", OneErrorLine(fromNan.Error));

        // Finite weights whose scores overflow: fc2 gives 1 on each of its 84 outputs whatever the digit, and fc3
        // multiplies them by the largest float.
        var huge = new LeNet5(seed: 1);
        huge.Parameters.AsSpan(LeNet5.Fc2.WeightOffset, LeNet5.Fc2.BiasOffset - LeNet5.Fc2.WeightOffset).Clear();
        huge.Parameters.AsSpan(LeNet5.Fc2.BiasOffset, LeNet5.Fc2.Channels).Fill(1);
        huge.Parameters.AsSpan(LeNet5.Fc3.WeightOffset, LeNet5.Fc3.BiasOffset - LeNet5.Fc3.WeightOffset).Fill(float.MaxValue);
        var fromHuge = Run("--weights", Weights(huge), _digits);
        Assert.Equal(2, fromHuge.ExitCode);
        Assert.Equal($"error: {_digits}[0]: the network's scores are not finite numbers (NaN or infinity): the weights are not usable.", OneErrorLine(fromHuge.Error));
    }

    [Fact]
    public void AFileNameStartingWithAt_IsAFileToClassify_NotAResponseFile()
    {
        var images = Idx.ReadImages(_digits);
        File.WriteAllBytes(Path.Combine(_directory, "@digit.png"), DigitsTests.Png(images.Data.AsSpan(0, 784).ToArray(), 28, 28));
        var result = Run("--weights", Weights(new LeNet5(seed: 5)), "@digit.png");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.StartsWith("@digit.png: ", Assert.Single(result.Lines));
    }
}
