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

    /// <summary>A full-MNIST folder: <paramref name="train"/> training and <paramref name="test"/> test digits, unpacked.</summary>
    public static void WriteFolder(string folder, int train, int test)
    {
        Write(folder, "train-images-idx3-ubyte", Images(train), gzip: false);
        Write(folder, "train-labels-idx1-ubyte", Labels(train), gzip: false);
        Write(folder, "t10k-images-idx3-ubyte", Images(test), gzip: false);
        Write(folder, "t10k-labels-idx1-ubyte", Labels(test), gzip: false);
    }
}
