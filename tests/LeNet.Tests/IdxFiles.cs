using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace LeNet.Tests;

/// <summary>IDX files made by the tests: the format's bytes, and small MNIST folders cut from the shipped subset.</summary>
internal static class IdxFiles
{
    /// <summary>An IDX file of unsigned bytes: magic 0x0000 08 nd, the dimensions big-endian, then the data.</summary>
    public static byte[] Encode(int[] dimensions, byte[] data)
    {
        var file = new byte[4 + 4 * dimensions.Length + data.Length];
        file[2] = 0x08;
        file[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(file, 4 + 4 * dimensions.Length);
        return file;
    }

    /// <summary>
    /// Writes a full-MNIST-style folder (the four files <c>--data</c> looks for) holding the shipped subset's first
    /// <paramref name="train"/> digits for training and the next <paramref name="test"/> for testing: a run small enough
    /// for a test.
    /// </summary>
    public static void WriteMnistFolder(string folder, int train, int test)
    {
        string data = Path.Combine(AppContext.BaseDirectory, "data");
        byte[] images = Unzip(Path.Combine(data, "mnist-10k-images-idx3-ubyte.gz"))[16..];
        byte[] labels = Unzip(Path.Combine(data, "mnist-10k-labels-idx1-ubyte.gz"))[8..];
        const int side = 28 * 28;
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte"), Encode([train, 28, 28], images[..(train * side)]));
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), Encode([train], labels[..train]));
        File.WriteAllBytes(Path.Combine(folder, "t10k-images-idx3-ubyte"), Encode([test, 28, 28], images[(train * side)..((train + test) * side)]));
        File.WriteAllBytes(Path.Combine(folder, "t10k-labels-idx1-ubyte"), Encode([test], labels[train..(train + test)]));
    }

    private static byte[] Unzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        return bytes.ToArray();
    }
}
