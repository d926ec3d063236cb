using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Samples.Tests;

/// <summary>Small MNIST-format (IDX) files for the samples' tests, written from scratch (no code shared with the reader).
/// Linked into each sample's test project.</summary>
internal static class IdxFiles
{
    /// <summary>n 28x28 images; image i is filled with the value i (mod 256).</summary>
    public static byte[] Images(int n)
    {
        var data = new byte[n * 784];
        for (int i = 0; i < n; i++) data.AsSpan(i * 784, 784).Fill((byte)i);
        return Idx([n, 28, 28], data);
    }

    /// <summary>n labels: i mod 10.</summary>
    public static byte[] Labels(int n)
    {
        var data = new byte[n];
        for (int i = 0; i < n; i++) data[i] = (byte)(i % 10);
        return Idx([n], data);
    }

    /// <summary>An IDX file of unsigned bytes: two zero bytes, type 0x08, the rank, big-endian dimensions, the data.</summary>
    public static byte[] Idx(int[] dimensions, byte[] data)
    {
        var file = new byte[4 + 4 * dimensions.Length + data.Length];
        file[2] = 0x08;
        file[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(file, 4 + 4 * dimensions.Length);
        return file;
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, gzipped or as they are.</summary>
    public static void Write(string path, byte[] bytes, bool gzip)
    {
        using var file = File.Create(path);
        if (!gzip)
        {
            file.Write(bytes);
            return;
        }
        using var compressed = new GZipStream(file, CompressionLevel.Fastest);
        compressed.Write(bytes);
    }
}
