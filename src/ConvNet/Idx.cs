using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace ConvNet;

/// <summary>An array of unsigned bytes read from an IDX file: its dimensions (first = item count) and its data, row-major.</summary>
public sealed class IdxData
{
    /// <summary>Wraps <paramref name="data"/> with <paramref name="dimensions"/>, whose product must equal its length.</summary>
    public IdxData(IReadOnlyList<int> dimensions, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(data);
        if (dimensions.Count == 0)
            throw new ArgumentException("Expected at least one dimension.", nameof(dimensions));
        // Every factor and the running product stay below 2^31, so the long products cannot overflow.
        long itemLength = 1;
        for (int i = 1; i < dimensions.Count; i++)
        {
            if (dimensions[i] < 0 || (itemLength *= dimensions[i]) > int.MaxValue)
                throw Mismatch();
        }
        if (dimensions[0] < 0 || dimensions[0] * itemLength != data.Length)
            throw Mismatch();
        ArgumentException Mismatch() => new(
            $"Dimensions {IoHelpers.FormatShape(dimensions)} do not describe {data.Length} bytes.", nameof(dimensions));

        Dimensions = [.. dimensions];
        Data = data;
        ItemLength = (int)itemLength;
    }

    /// <summary>The dimensions: [N, rows, cols] for images, [N] for labels.</summary>
    public IReadOnlyList<int> Dimensions { get; }
    /// <summary>All values, item after item, row-major.</summary>
    public byte[] Data { get; }
    /// <summary>Number of items (the first dimension).</summary>
    public int Count => Dimensions[0];
    /// <summary>Values per item (the product of the other dimensions; 1 for labels).</summary>
    public int ItemLength { get; }
}

/// <summary>
/// Reads the IDX format of the MNIST data set (http://yann.lecun.com/exdb/mnist/): a 4-byte magic (two zero bytes,
/// a type code, the number of dimensions), the dimensions as big-endian 32-bit integers, then the data. Files may be
/// gzipped (as distributed); that is detected from the content, not the name.
/// </summary>
public static class Idx
{
    /// <summary>Mean of MNIST's training pixels scaled to [0, 1], for <see cref="ToFloats(IdxData, float, float)"/> (as in PyTorch's examples).</summary>
    public const float MnistMean = 0.1307f;
    /// <summary>Standard deviation of MNIST's training pixels scaled to [0, 1].</summary>
    public const float MnistStd = 0.3081f;

    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an IDX file of unsigned bytes, gzipped or not.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message starts with the path.</exception>
    /// <exception cref="IOException">The file cannot be read, or <paramref name="path"/> is a folder.</exception>
    public static IdxData Read(string path)
    {
        using var file = IoHelpers.OpenRead(path);
        try
        {
            return Read(file);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads IDX data of unsigned bytes, gzipped or not, from the stream's position to its end.</summary>
    /// <exception cref="InvalidDataException">The data is malformed.</exception>
    public static IdxData Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        // Telling gzip from raw IDX needs a look at the first two bytes; they are put back in front of the rest rather
        // than seeking back, so a stream that cannot seek (a pipe) is read as it comes, never buffered whole.
        var magic = new byte[2];
        int read = IoHelpers.ReadUpTo(stream, magic);
        var source = new PrefixedStream(magic.AsMemory(0, read), stream);
        if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            using var gzip = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
            return Parse(gzip);
        }
        return Parse(source);
    }

    /// <summary>Reads an IDX file of images, [N, rows, cols] (magic 0x00000803), such as <c>train-images-idx3-ubyte.gz</c>.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or does not hold images.</exception>
    public static IdxData ReadImages(string path) => ReadRank(path, 3, "images [N, rows, cols]");

    /// <summary>Reads an IDX file of labels, [N] (magic 0x00000801), such as <c>train-labels-idx1-ubyte.gz</c>.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or does not hold labels.</exception>
    public static IdxData ReadLabels(string path) => ReadRank(path, 1, "labels [N]");

    /// <summary>
    /// Converts unsigned-byte values to floats as torchvision's <c>ToTensor</c> then <c>Normalize</c> do:
    /// (value / 255 - <paramref name="mean"/>) / <paramref name="std"/>. Defaults give pixels in [0, 1].
    /// </summary>
    public static float[] ToFloats(IdxData data, float mean = 0f, float std = 1f)
    {
        ArgumentNullException.ThrowIfNull(data);
        var result = new float[data.Data.Length];
        ToFloats(data.Data, result, mean, std);
        return result;
    }

    /// <summary>Converts unsigned-byte values into <paramref name="destination"/> (same length), e.g. one batch at a time;
    /// see <see cref="ToFloats(IdxData, float, float)"/>.</summary>
    public static void ToFloats(ReadOnlySpan<byte> values, Span<float> destination, float mean = 0f, float std = 1f)
    {
        Guard.Length(destination.Length, values.Length, nameof(destination));
        if (!float.IsFinite(mean))
            throw new ArgumentOutOfRangeException(nameof(mean), mean, "Must be finite.");
        if (!float.IsFinite(std) || std <= 0f)
            throw new ArgumentOutOfRangeException(nameof(std), std, "Must be finite and > 0.");
        for (int i = 0; i < values.Length; i++) destination[i] = (values[i] / 255f - mean) / std;
    }

    /// <summary>Converts a labels array ([N]) to class indices for the losses.</summary>
    public static int[] ToLabels(IdxData labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Dimensions.Count != 1)
            throw new ArgumentException($"Expected labels [N], got dimensions {IoHelpers.FormatShape(labels.Dimensions)}.", nameof(labels));
        return Array.ConvertAll(labels.Data, b => (int)b);
    }

    private static IdxData ReadRank(string path, int rank, string what)
    {
        var data = Read(path);
        if (data.Dimensions.Count != rank)
            throw new InvalidDataException(
                $"{path}: expected {what} (magic 0x0000080{rank}), found {data.Dimensions.Count} dimensions {IoHelpers.FormatShape(data.Dimensions)}.");
        return data;
    }

    private static IdxData Parse(Stream stream)
    {
        Span<byte> magic = stackalloc byte[4];
        ReadFully(stream, magic, "the 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw new InvalidDataException(
                $"Bad magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8}: an IDX file starts with two zero bytes.");
        if (magic[2] != UnsignedByte)
            throw new InvalidDataException(
                $"IDX type 0x{magic[2]:X2} ({TypeName(magic[2])}) is not supported; only 0x08 (unsigned byte) is.");
        int rank = magic[3];
        if (rank == 0)
            throw new InvalidDataException("The IDX header declares 0 dimensions.");

        Span<byte> header = stackalloc byte[4 * rank];
        ReadFully(stream, header, $"the {rank} dimensions");
        var dimensions = new int[rank];
        long length = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(header[(4 * i)..]);
            // Checking each dimension and the running product against the array limit keeps the product from overflowing.
            if (d > Array.MaxLength || (length *= d) > Array.MaxLength)
                throw new InvalidDataException($"Dimension {i} ({d}) makes the data larger than one array can hold.");
            dimensions[i] = (int)d;
        }

        var data = ReadData(stream, (int)length, dimensions);
        if (stream.ReadByte() != -1)
            throw new InvalidDataException(
                $"Unexpected bytes after the {length} data bytes for dimensions {IoHelpers.FormatShape(dimensions)}.");
        return new IdxData(dimensions, data);
    }

    // The buffer grows as bytes arrive, so a corrupt header (or a small gzip stream claiming a huge array) cannot
    // make the reader allocate far more than the data really holds.
    private static byte[] ReadData(Stream stream, int length, int[] dimensions)
    {
        var data = new byte[Math.Min(length, 1 << 20)];
        int filled = 0;
        while (true)
        {
            filled += stream.ReadAtLeast(data.AsSpan(filled), data.Length - filled, throwOnEndOfStream: false);
            if (filled < data.Length)
                throw new InvalidDataException(
                    $"The data is truncated: dimensions {IoHelpers.FormatShape(dimensions)} need {length} bytes, but only {filled} remain.");
            if (filled == length) return data;
            Array.Resize(ref data, (int)Math.Min(length, 2L * data.Length));
        }
    }

    private static void ReadFully(Stream stream, Span<byte> buffer, string what)
    {
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
            throw new InvalidDataException($"The data is truncated: expected {what}, but only {read} bytes remain.");
    }

    private static string TypeName(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "32-bit float",
        0x0E => "64-bit float",
        _ => "unknown type",
    };
}
