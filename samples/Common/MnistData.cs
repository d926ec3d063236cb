using System;
using System.IO;
using ConvNet;

namespace Samples.Common;

/// <summary>Normalised digits (N x 1 x 28 x 28 floats, one after the other) and their labels.</summary>
/// <param name="Images">The pixels, digit after digit.</param>
/// <param name="Labels">The digits' classes, 0 to 9.</param>
public sealed record DigitSet(float[] Images, int[] Labels)
{
    /// <summary>Number of digits.</summary>
    public int Count => Labels.Length;

    /// <summary>The pixels of digit <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Image(int index) =>
        Images.AsSpan(index * MnistData.ImageLength, MnistData.ImageLength);

    /// <summary>The digits as the library's data set (the same arrays, not a copy).</summary>
    public Dataset ToDataset() => new(Images, Labels);

    /// <summary>Digits [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as a new set.</summary>
    public DigitSet Slice(int start, int count) => new(
        Images.AsSpan(start * MnistData.ImageLength, count * MnistData.ImageLength).ToArray(),
        Labels.AsSpan(start, count).ToArray());
}

/// <summary>A training set, an evaluation set, and what they are, for the report.</summary>
/// <param name="Train">The digits trained on.</param>
/// <param name="Evaluation">The digits evaluated on: the test set, or the held-out training digits.</param>
/// <param name="EvaluationName"><c>test</c> or <c>validation</c>.</param>
/// <param name="Description">Where the digits come from and how they are split.</param>
public sealed record MnistSplit(DigitSet Train, DigitSet Evaluation, string EvaluationName, string Description);

/// <summary>Finds and loads MNIST: the 10,000-digit subset that ships with the samples, or the full set from a folder.</summary>
public static class MnistData
{
    /// <summary>Height and width of a digit.</summary>
    public const int Side = 28;

    /// <summary>Pixels in a digit.</summary>
    public const int ImageLength = Side * Side;

    /// <summary>The value of a blank pixel after normalisation, used to fill what a shifted digit uncovers.</summary>
    public const float Background = (0f - Idx.MnistMean) / Idx.MnistStd;

    /// <summary>The value of a pixel full of ink after normalisation: with <see cref="Background"/>, the range of a digit.</summary>
    public const float Ink = (1f - Idx.MnistMean) / Idx.MnistStd;

    /// <summary>In the shipped subset, the first 8,000 digits train and the last 2,000 test.</summary>
    public const int SubsetTrainCount = 8_000;

    private const string SubsetImages = "mnist-10k-images-idx3-ubyte.gz";
    private const string SubsetLabels = "mnist-10k-labels-idx1-ubyte.gz";

    /// <summary>
    /// Loads the data for a run. With <paramref name="holdout"/> &gt; 0 the last <paramref name="holdout"/> training
    /// digits become the evaluation set and the test set is not loaded at all, so choosing a recipe cannot peek at it.
    /// </summary>
    public static MnistSplit Load(string? dataDirectory, int holdout)
    {
        var (train, test, description) = dataDirectory is null ? LoadSubset() : LoadFull(dataDirectory);
        if (holdout == 0)
            return new MnistSplit(train, test, "test", $"{description}: {train.Count:N0} training digits, {test.Count:N0} test digits");
        if (holdout >= train.Count)
            throw new UserException($"--holdout {holdout} leaves no training digits: the training set has {train.Count:N0}.");
        int kept = train.Count - holdout;
        return new MnistSplit(train.Slice(0, kept), train.Slice(kept, holdout), "validation",
            $"{description}: {kept:N0} training digits, last {holdout:N0} held out (test set unused)");
    }

    private static (DigitSet Train, DigitSet Test, string Description) LoadSubset()
    {
        // Copied next to the executable by Samples.Common.csproj, so a sample runs from any working directory.
        string folder = Path.Combine(AppContext.BaseDirectory, "data");
        var all = Read(Path.Combine(folder, SubsetImages), Path.Combine(folder, SubsetLabels));
        if (all.Count <= SubsetTrainCount)
            throw new UserException($"{SubsetImages} holds {all.Count:N0} digits; expected more than {SubsetTrainCount:N0}.");
        return (all.Slice(0, SubsetTrainCount), all.Slice(SubsetTrainCount, all.Count - SubsetTrainCount), "MNIST 10k subset");
    }

    private static (DigitSet Train, DigitSet Test, string Description) LoadFull(string folder)
    {
        var train = Read(Find(folder, "train-images-idx3-ubyte"), Find(folder, "train-labels-idx1-ubyte"));
        var test = Read(Find(folder, "t10k-images-idx3-ubyte"), Find(folder, "t10k-labels-idx1-ubyte"));
        return (train, test, $"MNIST from {folder}");
    }

    // The files are distributed gzipped, and often unpacked by whoever downloaded them; accept either.
    private static string Find(string folder, string name)
    {
        foreach (string candidate in new[] { name, name + ".gz" })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path)) return path;
        }
        throw new UserException($"--data: '{folder}' has neither {name} nor {name}.gz.");
    }

    private static DigitSet Read(string imagesPath, string labelsPath)
    {
        IdxData images, labels;
        try
        {
            images = Idx.ReadImages(imagesPath);
            labels = Idx.ReadLabels(labelsPath);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UserException($"Cannot read MNIST: {e.Message}");
        }
        // An empty set would train nothing, or divide by zero when measuring accuracy; better said before training.
        if (images.Count == 0)
            throw new UserException($"{imagesPath} holds no digits.");
        if (images.Dimensions[1] != Side || images.Dimensions[2] != Side)
            throw new UserException($"{imagesPath}: expected {Side}x{Side} images, found {images.Dimensions[1]}x{images.Dimensions[2]}.");
        if (images.Count != labels.Count)
            throw new UserException($"{imagesPath} has {images.Count:N0} images but {labelsPath} has {labels.Count:N0} labels.");
        var classes = Idx.ToLabels(labels);
        foreach (int label in classes)
        {
            if (label > 9) throw new UserException($"{labelsPath}: label {label} is not a digit.");
        }
        // torchvision's ToTensor + Normalize(0.1307, 0.3081): inputs near zero mean and unit spread train faster.
        return new DigitSet(Idx.ToFloats(images, Idx.MnistMean, Idx.MnistStd), classes);
    }
}

/// <summary>A problem the user can fix (a missing file, an option that does not fit the data): printed without a stack trace.</summary>
/// <param name="message">What went wrong and what to do about it.</param>
public sealed class UserException(string message) : Exception(message);
