using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace LeNet.Tests;

/// <summary>Small MNIST-shaped IDX files for the data loading tests, through the API and through the command line.</summary>
internal static class MnistFiles
{
    // n 28x28 images; image i is filled with the value i.
    public static byte[] Images(int n)
    {
        var data = new byte[n * 784];
        for (int i = 0; i < n; i++) data.AsSpan(i * 784, 784).Fill((byte)i);
        return Idx([n, 28, 28], data);
    }

    public static byte[] Labels(int n)
    {
        var data = new byte[n];
        for (int i = 0; i < n; i++) data[i] = (byte)i;
        return Idx([n], data);
    }

    public static byte[] Idx(int[] dimensions, byte[] data)
    {
        var file = new byte[4 + 4 * dimensions.Length + data.Length];
        file[2] = 0x08;
        file[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(file, 4 + 4 * dimensions.Length);
        return file;
    }

    public static void Write(string folder, string name, byte[] bytes, bool gzip)
    {
        using var file = File.Create(Path.Combine(folder, name));
        if (!gzip)
        {
            file.Write(bytes);
            return;
        }
        using var compressed = new GZipStream(file, CompressionLevel.Fastest);
        compressed.Write(bytes);
    }

    /// <summary>
    /// A full-MNIST folder holding real digits: the shipped subset's first <paramref name="train"/> for training and the
    /// next <paramref name="test"/> for testing, a run small enough for a test.
    /// </summary>
    public static void WriteSubsetFolder(string folder, int train, int test)
    {
        string data = Path.Combine(AppContext.BaseDirectory, "data");
        byte[] images = Unzip(Path.Combine(data, "mnist-10k-images-idx3-ubyte.gz"))[16..];
        byte[] labels = Unzip(Path.Combine(data, "mnist-10k-labels-idx1-ubyte.gz"))[8..];
        const int side = 28 * 28;
        Write(folder, "train-images-idx3-ubyte", Idx([train, 28, 28], images[..(train * side)]), gzip: false);
        Write(folder, "train-labels-idx1-ubyte", Idx([train], labels[..train]), gzip: false);
        Write(folder, "t10k-images-idx3-ubyte", Idx([test, 28, 28], images[(train * side)..((train + test) * side)]), gzip: false);
        Write(folder, "t10k-labels-idx1-ubyte", Idx([test], labels[train..(train + test)]), gzip: false);
    }

    private static byte[] Unzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>A full-MNIST folder: <paramref name="train"/> training and <paramref name="test"/> test digits, unpacked.</summary>
    public static void WriteFolder(string folder, int train, int test)
    {
        Write(folder, "train-images-idx3-ubyte", Images(train), gzip: false);
        Write(folder, "train-labels-idx1-ubyte", Labels(train), gzip: false);
        Write(folder, "t10k-images-idx3-ubyte", Images(test), gzip: false);
        Write(folder, "t10k-labels-idx1-ubyte", Labels(test), gzip: false);
    }
}
