using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class IdxTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("convnet-idx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // Two 3x4 "images" with pixels 0..23, and their labels.
    private static readonly byte[] Pixels = Enumerable.Range(0, 24).Select(i => (byte)(i * 11)).ToArray();

    private static byte[] IdxFile(byte type, int[] dimensions, byte[] data)
    {
        var file = new byte[4 + 4 * dimensions.Length + data.Length];
        file[2] = type;
        file[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(file, 4 + 4 * dimensions.Length);
        return file;
    }

    private static byte[] Images() => IdxFile(0x08, [2, 3, 4], Pixels);
    private static byte[] Labels() => IdxFile(0x08, [2], [7, 3]);

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal)) gzip.Write(bytes);
        return output.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static InvalidDataException AssertRejected(byte[] bytes, params string[] fragments)
    {
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(new MemoryStream(bytes)));
        foreach (var fragment in fragments) Assert.Contains(fragment, error.Message);
        return error;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_PlainOrGzipped(bool gzipped)
    {
        string path = Write("images", gzipped ? Gzip(Images()) : Images());
        var images = Idx.ReadImages(path);
        Assert.Equal([2, 3, 4], images.Dimensions);
        Assert.Equal(2, images.Count);
        Assert.Equal(12, images.ItemLength);
        Assert.Equal(Pixels, images.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_FromAForwardOnlyStreamToo(bool gzipped)
    {
        Assert.Equal([7, 3], Idx.ToLabels(Idx.ReadLabels(Write("labels", gzipped ? Gzip(Labels()) : Labels()))));
        var fromStream = Idx.Read(new ForwardOnlyStream(gzipped ? Gzip(Labels()) : Labels()));
        Assert.Equal([2], fromStream.Dimensions);
        Assert.Equal(1, fromStream.ItemLength);
        Assert.Equal([7, 3], fromStream.Data);
    }

    [Fact]
    public void ReadImages_OfALabelsFile_IsRejectedWithThePath()
    {
        string path = Write("labels", Labels());
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("expected images", error.Message);
        Assert.Contains("0x00000803", error.Message);
        Assert.Contains("expected labels", Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(Write("images", Images()))).Message);
    }

    [Fact]
    public void BadMagic_IsRejected()
    {
        byte[] bytes = Images();
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x12345678);
        AssertRejected(bytes, "magic", "0x12345678");
        AssertRejected(Gzip(bytes), "magic", "0x12345678");
    }

    [Fact]
    public void UnsupportedType_IsRejected()
    {
        AssertRejected(IdxFile(0x0D, [1], [0, 0, 0, 0]), "0x0D", "32-bit float", "only 0x08");
        AssertRejected(IdxFile(0x08, [], []), "0 dimensions");
    }

    [Fact]
    public void TruncatedData_IsRejected_PlainAndGzipped()
    {
        byte[] truncated = Images()[..^4];
        AssertRejected(truncated, "truncated", "[2, 3, 4]", "24 bytes", "only 20");
        AssertRejected(Gzip(truncated), "truncated", "24 bytes", "only 20");
        AssertRejected(Images()[..10], "truncated", "3 dimensions");
        AssertRejected([], "truncated", "magic");
    }

    [Fact]
    public void TruncatedPathError_NamesTheFile()
    {
        string path = Write("cut.gz", Gzip(Images()[..^1]));
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.StartsWith(path + ": ", error.Message);
    }

    [Fact]
    public void HugeClaimedDimensions_WithLittleData_AreRejectedWithoutAllocatingThem()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRejected(IdxFile(0x08, [100_000, 100, 100], new byte[10]), "truncated", "1000000000 bytes", "only 10");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000);
        AssertRejected(IdxFile(0x08, [60_000, 60_000, 60_000], []), "larger than one array");
    }

    [Fact]
    public void TrailingBytes_AreRejected() =>
        AssertRejected([.. Labels(), 9], "Unexpected bytes", "[2]");

    [Fact]
    public void ToFloats_ScalesAndNormalises()
    {
        var data = new IdxData([1, 3], [0, 255, 51]);
        Assert.Equal([0f, 1f, 0.2f], Idx.ToFloats(data));
        float[] normalised = Idx.ToFloats(data, Idx.MnistMean, Idx.MnistStd);
        Assert.Equal((0f - 0.1307f) / 0.3081f, normalised[0]);
        Assert.Equal((1f - 0.1307f) / 0.3081f, normalised[1]);

        var batch = new float[2];
        Idx.ToFloats(data.Data.AsSpan(1, 2), batch);
        Assert.Equal([1f, 0.2f], batch);
        Assert.Throws<ArgumentException>("destination", () => Idx.ToFloats(data.Data, new float[2]));
        Assert.Throws<ArgumentOutOfRangeException>("std", () => Idx.ToFloats(data, 0f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>("mean", () => Idx.ToFloats(data, float.NaN));
        Assert.Throws<ArgumentException>("labels", () => Idx.ToLabels(data));
    }

    [Fact]
    public void IdxData_RejectsDimensionsThatDoNotMatchTheData()
    {
        Assert.Throws<ArgumentException>("dimensions", () => new IdxData([2, 3], new byte[5]));
        Assert.Throws<ArgumentException>("dimensions", () => new IdxData([], []));
        Assert.Throws<ArgumentException>("dimensions", () => new IdxData([0, -1], []));
        Assert.Throws<ArgumentException>("dimensions", () => new IdxData([0, int.MaxValue, int.MaxValue], []));
        Assert.Equal(6, new IdxData([0, 2, 3], []).ItemLength);
    }

    [Fact]
    public void ReadOfAFolder_SaysItIsAFolder()
    {
        var error = Assert.Throws<IOException>(() => Idx.Read(_directory));
        Assert.Contains("is a folder", error.Message);
        Assert.Contains(_directory, error.Message);
    }

    [Fact]
    public void Pipe_WithGigabytesAfterTheData_IsRejectedWithoutReadingThem()
    {
        var pipe = new CountingPipe(Labels(), 1_500_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("Unexpected bytes", Assert.Throws<InvalidDataException>(() => Idx.Read(pipe)).Message);
        Assert.True(pipe.Consumed < 1_000_000, $"read {pipe.Consumed} bytes");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2_000_000);
    }

    [Fact]
    public void GzippedPipe_StopsReadingAtTheEndOfTheCompressedData()
    {
        // Like gunzip, the reader ignores zero padding after a gzip member; it must not read through it.
        var pipe = new CountingPipe(Gzip(Labels()), 1_500_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal([7, 3], Idx.Read(pipe).Data);
        Assert.True(pipe.Consumed < 1_000_000, $"read {pipe.Consumed} bytes");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2_000_000);
    }

    [Fact]
    public void Pipe_OfALargeValidFile_IsNotBufferedWhole()
    {
        // 64 MB of pixels through a pipe: the data array grows by doubling to its declared size (about twice that
        // allocated in all), and the stream is not first copied whole into a MemoryStream, which grows by doubling too.
        const int count = 64, side = 1024;
        var header = IdxFile(0x08, [count, side, side], []);
        var pipe = new CountingPipe(header, (long)count * side * side);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var data = Idx.Read(pipe);
        Assert.Equal([count, side, side], data.Dimensions);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 5L * count * side * side / 2, $"{allocated} bytes allocated");
    }
}
