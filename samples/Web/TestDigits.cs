using System;
using System.IO;
using ConvNet;

namespace Web;

/// <summary>A test digit the network gets wrong.</summary>
/// <param name="Index">Its place in the test set (0 is the subset's digit 8,000).</param>
/// <param name="Digit">28x28 bytes.</param>
/// <param name="Label">What it is.</param>
/// <param name="Prediction">What the network says.</param>
/// <param name="Confidence">The probability the network gives its wrong answer.</param>
public sealed record Mistake(int Index, byte[] Digit, int Label, int Prediction, float Confidence);

/// <summary>The LeNet sample's test digits: the last 2,000 of the 10,000-digit MNIST subset it ships.</summary>
public sealed class TestDigits
{
    /// <summary>The sample trains on the subset's first 8,000 digits (<c>MnistData.SubsetTrainCount</c>).</summary>
    public const int TrainCount = 8_000;

    private readonly IdxData _images;
    private readonly int[] _labels;

    /// <summary>Reads the subset's image and label IDX files (gzipped or not).</summary>
    /// <exception cref="InvalidDataException">The files are not the subset (28x28 digits, more than 8,000 of them, as many labels).</exception>
    public TestDigits(Stream images, Stream labels)
    {
        _images = Idx.Read(images);
        _labels = Idx.ToLabels(Idx.Read(labels));
        if (_images.Dimensions.Count != 3 || _images.Dimensions[1] != 28 || _images.Dimensions[2] != 28)
            throw new InvalidDataException("The images are not 28x28 digits.");
        if (_images.Count != _labels.Length || _images.Count <= TrainCount)
            throw new InvalidDataException($"Expected as many labels as images and more than {TrainCount:N0} of each; found {_images.Count:N0} images and {_labels.Length:N0} labels.");
    }

    /// <summary>How many test digits there are.</summary>
    public int Count => _images.Count - TrainCount;

    /// <summary>Test digit <paramref name="index"/>, 28x28 bytes.</summary>
    public ReadOnlySpan<byte> Digit(int index) => _images.Data.AsSpan((TrainCount + index) * _images.ItemLength, _images.ItemLength);

    /// <summary>The label of test digit <paramref name="index"/>.</summary>
    public int Label(int index) => _labels[TrainCount + index];
}
