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

    /// <summary>Classifies every digit in <paramref name="path"/>: an IDX image file (gzipped or not) or one image of at
    /// most <see cref="Digits.MaxFileBytes"/>.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, too large, or the network's scores for a digit are
    /// not finite numbers (weights that are not).</exception>
    /// <exception cref="FormatException">The file is not an image this reader knows.</exception>
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
            Write(path, Digits.FromImage(ReadImageFile(path)));
        }
    }

    private void Write(string name, ReadOnlySpan<byte> pixels)
    {
        // The normalisation LeNet-5 was trained with (torchvision's MNIST mean and spread).
        Idx.ToFloats(pixels, _input, Idx.MnistMean, Idx.MnistStd);
        network.TopK(_input, _top, _probabilities);
        // Softmax turns a NaN or infinite score into NaN probabilities, which would print as a confident-looking line.
        foreach (float p in _probabilities)
        {
            if (!float.IsFinite(p))
                throw new InvalidDataException($"{name}: the network's scores are not finite numbers (NaN or infinity): the weights are not usable.");
        }
        output.Write(name);
        output.Write(':');
        for (int k = 0; k < _top.Length; k++)
        {
            output.Write(k == 0 ? " " : ", ");
            output.Write(string.Create(CultureInfo.InvariantCulture, $"{_top[k].Class} ({100 * _top[k].Probability:F1}%)"));
        }
        output.WriteLine();
    }

    // The whole file, read in chunks up to the limit: a device or a pipe reports no length, and /dev/urandom never ends.
    private static byte[] ReadImageFile(string path)
    {
        using var file = File.OpenRead(path);
        using var bytes = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = file.Read(chunk)) > 0)
        {
            if (bytes.Length + read > Digits.MaxFileBytes)
                throw new InvalidDataException($"{path}: larger than {Digits.MaxFileBytes >> 20} MiB, the most read for one image.");
            bytes.Write(chunk, 0, read);
        }
        return bytes.ToArray();
    }

    // An IDX magic: two zero bytes, a type code (0x08 unsigned byte, 0x09 signed byte, 0x0B to 0x0E wider numbers) and
    // a dimension count of at least 1; or gzip's 1F 8B. Two zero bytes alone are not enough: a TGA file without an image
    // ID or colour map starts with them too, followed by its image type (1 to 3, 9 to 11) and a zero.
    private static bool IsIdx(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var file = File.OpenRead(path);
        int read = file.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (read >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return true;
        return read == 4 && magic[0] == 0 && magic[1] == 0 && magic[2] is (0x08 or 0x09 or (>= 0x0B and <= 0x0E)) && magic[3] >= 1;
    }
}
