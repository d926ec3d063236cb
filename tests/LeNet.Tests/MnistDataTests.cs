using System;
using System.IO;
using Xunit;

namespace LeNet.Tests;

public sealed class MnistDataTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lenet-mnist-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void TheShippedSubsetSplits8000And2000()
    {
        var split = MnistData.Load(null, holdout: 0);
        Assert.Equal(8_000, split.Train.Count);
        Assert.Equal(2_000, split.Evaluation.Count);
        Assert.Equal("test", split.EvaluationName);
        Assert.Equal(8_000 * 784, split.Train.Images.Length);
        // Normalised: blank pixels sit at the background value, none below it.
        Assert.Equal(MnistData.Background, split.Train.Images[0]);
        Assert.All(split.Train.Labels, l => Assert.InRange(l, 0, 9));
    }

    [Fact]
    public void HoldoutTakesTheLastTrainingDigitsAndNeverTheTestSet()
    {
        var full = MnistData.Load(null, holdout: 0);
        var split = MnistData.Load(null, holdout: 1_000);
        Assert.Equal("validation", split.EvaluationName);
        Assert.Equal(7_000, split.Train.Count);
        Assert.Equal(full.Train.Labels.AsSpan(7_000).ToArray(), split.Evaluation.Labels);
        Assert.Equal(full.Train.Images.AsSpan(7_000 * 784).ToArray(), split.Evaluation.Images);
    }

    [Fact]
    public void HoldoutAsLargeAsTheTrainingSetIsAUserError() =>
        Assert.Contains("leaves no training digits", Assert.Throws<UserException>(() => MnistData.Load(null, 8_000)).Message);

    [Fact]
    public void AFullMnistFolderMayMixGzippedAndPlainFiles()
    {
        Write("train-images-idx3-ubyte.gz", MnistFiles.Images(3), gzip: true);
        Write("train-labels-idx1-ubyte", MnistFiles.Labels(3), gzip: false);
        Write("t10k-images-idx3-ubyte", MnistFiles.Images(2), gzip: false);
        Write("t10k-labels-idx1-ubyte.gz", MnistFiles.Labels(2), gzip: true);
        var split = MnistData.Load(_folder, holdout: 0);
        Assert.Equal(3, split.Train.Count);
        Assert.Equal(2, split.Evaluation.Count);
        Assert.Equal([0, 1, 2], split.Train.Labels);
        Assert.Equal((1f / 255f - ConvNet.Idx.MnistMean) / ConvNet.Idx.MnistStd, split.Train.Image(1)[0], 6);
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        Write("train-images-idx3-ubyte", MnistFiles.Images(3), gzip: false);
        Write("train-labels-idx1-ubyte", MnistFiles.Labels(3), gzip: false);
        Write("t10k-images-idx3-ubyte", MnistFiles.Images(2), gzip: false);
        var error = Assert.Throws<UserException>(() => MnistData.Load(_folder, holdout: 0));
        Assert.Contains("t10k-labels-idx1-ubyte", error.Message);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(3, 0)]
    public void AnEmptyTrainingOrTestSetIsAUserError(int train, int test)
    {
        MnistFiles.WriteFolder(_folder, train, test);
        var error = Assert.Throws<UserException>(() => MnistData.Load(_folder, holdout: 0));
        Assert.EndsWith($"{(train == 0 ? "train" : "t10k")}-images-idx3-ubyte holds no digits.", error.Message);
    }

    [Fact]
    public void MismatchedCountsAreAUserError()
    {
        Write("train-images-idx3-ubyte", MnistFiles.Images(3), gzip: false);
        Write("train-labels-idx1-ubyte", MnistFiles.Labels(2), gzip: false);
        Write("t10k-images-idx3-ubyte", MnistFiles.Images(2), gzip: false);
        Write("t10k-labels-idx1-ubyte", MnistFiles.Labels(2), gzip: false);
        Assert.Contains("3 images but", Assert.Throws<UserException>(() => MnistData.Load(_folder, holdout: 0)).Message);
    }

    private void Write(string name, byte[] bytes, bool gzip) => MnistFiles.Write(_folder, name, bytes, gzip);
}
