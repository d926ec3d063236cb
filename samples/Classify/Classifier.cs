using System;
using System.Globalization;
using System.IO;
using ConvNet;

namespace Classify;

/// <summary>Classifies images and IDX files one digit at a time and writes a line per digit.</summary>
public sealed class Classifier(INetwork network, int top, TextWriter output)
{
    private readonly float[] _input = new float[network.InputLength];
    private readonly float[] _probabilities = new float[network.OutputLength];
    private readonly ClassScore[] _top = new ClassScore[top];

    /// <summary>Classifies every digit in <paramref name="path"/>: an IDX image file (gzipped or not) or one image.</summary>
    public void Classify(string path)
    {
        if (IsIdx(path))
        {
            var images = Idx.ReadImages(path);
            if (images.Dimensions[1] != Digits.Side || images.Dimensions[2] != Digits.Side)
                throw new InvalidDataException($"{path}: expected {Digits.Side}x{Digits.Side} images, found {images.Dimensions[1]}x{images.Dimensions[2]}.");
            for (int i = 0; i < images.Count; i++)
                Write($"{path}[{i}]", images.Data.AsSpan(i * images.ItemLength, images.ItemLength));
        }
        else
        {
            Write(path, Digits.FromImage(File.ReadAllBytes(path)));
        }
    }

    private void Write(string name, ReadOnlySpan<byte> pixels)
    {
        // The normalisation LeNet-5 was trained with (torchvision's MNIST mean and spread).
        Idx.ToFloats(pixels, _input, Idx.MnistMean, Idx.MnistStd);
        network.TopK(_input, _top, _probabilities);
        output.Write(name);
        output.Write(':');
        for (int k = 0; k < _top.Length; k++)
        {
            output.Write(k == 0 ? " " : ", ");
            output.Write(string.Create(CultureInfo.InvariantCulture, $"{_top[k].Class} ({100 * _top[k].Probability:F1}%)"));
        }
        output.WriteLine();
    }

    // IDX files start with two zero bytes, gzip with 1F 8B; no image format starts with either.
    private static bool IsIdx(string path)
    {
        Span<byte> magic = stackalloc byte[2];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2
               && ((magic[0] == 0 && magic[1] == 0) || (magic[0] == 0x1f && magic[1] == 0x8b));
    }
}
