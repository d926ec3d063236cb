using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ConvNet;
using Samples.Tests;
using Xunit;

namespace ResNet.Tests;

/// <summary>The sample run as a user runs it: its executable, options on the command line, files on disk.</summary>
/// <remarks>The data are a small MNIST folder written here (--data), so one epoch takes seconds even in a Debug build.</remarks>
public sealed class CommandLineRunTests : IDisposable
{
    private const int TrainDigits = 64, TestDigits = 20;
    private readonly string _folder = Directory.CreateTempSubdirectory("resnet-sample-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void OneShortEpochWritesItsFilesAndReloadsThem()
    {
        string data = WriteMnist();
        string output = Path.Combine(_folder, "out");

        var run = Run("--data", data, "--epochs", "1", "--batch-size", "32", "--threads", "2", "--output", output);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"{TrainDigits} training digits, {TestDigits} test digits", run.Text);
        Assert.Matches(@"reloaded resnet\.safetensors: test accuracy \d+\.\d\d%, same as trained", run.Text);
        Assert.Matches(@"(?m)^test accuracy: \d+\.\d\d%$", run.Output);
        string[] expected = ["resnet.safetensors", "conv1-filters.png", "activations-stem.png", "activations-stage1.png", "training-curves.png"];
        Assert.Equal(expected.Order(), Directory.GetFiles(output).Select(Path.GetFileName).Order());
        foreach (string picture in expected.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(output, picture)).Take(4));

        // The file holds the trained network: its weights differ from a fresh instance's, and so do the batch norm
        // running statistics, which only training moves.
        var fresh = new MnistResNet(1);
        var loaded = new MnistResNet(1);
        SafeTensors.Load(loaded, Path.Combine(output, "resnet.safetensors"));
        Assert.NotEqual(fresh.Parameters, loaded.Parameters);
        Assert.NotEqual(fresh.Buffers, loaded.Buffers);
    }

    [Fact]
    public void AnOptionOutOfRangeIsRejectedBeforeAnythingIsWritten()
    {
        string output = Path.Combine(_folder, "out");
        var run = Run("--epochs", "0", "--output", output);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--epochs must be between 1 and 1000; got 0.", run.Text + " " + run.Errors);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void AFolderWithoutMnistIsAUserError()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;
        var run = Run("--data", empty, "--output", Path.Combine(_folder, "out"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("has neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz", run.Text);
    }

    private string WriteMnist()
    {
        string data = Directory.CreateDirectory(Path.Combine(_folder, "mnist")).FullName;
        IdxFiles.Write(Path.Combine(data, "train-images-idx3-ubyte"), IdxFiles.Images(TrainDigits), gzip: false);
        IdxFiles.Write(Path.Combine(data, "train-labels-idx1-ubyte"), IdxFiles.Labels(TrainDigits), gzip: false);
        IdxFiles.Write(Path.Combine(data, "t10k-images-idx3-ubyte.gz"), IdxFiles.Images(TestDigits), gzip: true);
        IdxFiles.Write(Path.Combine(data, "t10k-labels-idx1-ubyte.gz"), IdxFiles.Labels(TestDigits), gzip: true);
        return data;
    }

    private sealed record RunResult(int ExitCode, string Output, string Errors)
    {
        /// <summary>The output with line breaks as spaces: Spectre.Console wraps redirected output at 80 columns.</summary>
        public string Text => Regex.Replace(Output, @"\s+", " ");

        public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Errors}";
    }

    // ResNet.dll and its runtimeconfig are copied next to this assembly by the project reference; the same dotnet host
    // that runs the tests runs the sample.
    private RunResult Run(params string[] args)
    {
        string host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ResNet.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The sample did not finish within 5 minutes.");
        }
        return new RunResult(process.ExitCode, output.Result, errors.Result);
    }
}
