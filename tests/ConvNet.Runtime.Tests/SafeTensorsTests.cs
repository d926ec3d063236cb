using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed partial class SafeTensorsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("convnet-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static byte[] SaveToBytes(INetwork network)
    {
        using var stream = new MemoryStream();
        SafeTensors.Save(network, stream);
        return stream.ToArray();
    }

    private static int HeaderLength(byte[] file) => (int)BinaryPrimitives.ReadUInt64LittleEndian(file);

    // Re-encodes a valid file with its JSON header edited and, optionally, its data area replaced.
    private static byte[] Rewrite(byte[] file, Action<JsonObject> edit, Func<byte[], byte[]>? data = null)
    {
        int n = HeaderLength(file);
        var header = JsonNode.Parse(file.AsSpan(8, n))!.AsObject();
        edit(header);
        return WithHeader(Encoding.UTF8.GetBytes(header.ToJsonString()), file[(8 + n)..], data);
    }

    private static byte[] WithHeader(byte[] json, byte[] data, Func<byte[], byte[]>? editData = null)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        return [.. prefix, .. json, .. editData is null ? data : editData(data)];
    }

    private static JsonObject Entry(string dtype, int[] shape, long begin, long end) => new()
    {
        ["dtype"] = dtype,
        ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
        ["data_offsets"] = new JsonArray(begin, end),
    };

    // Loading must fail with a message containing every fragment, and leave the parameters exactly as they were.
    private static InvalidDataException AssertRejected(byte[] file, params string[] fragments) =>
        AssertRejected(TinyNetwork.WithRamp(-7.25f), file, fragments);

    // The same for the given network, whose parameters and buffers must stay exactly as they were.
    private static InvalidDataException AssertRejected(TinyNetwork network, byte[] file, params string[] fragments)
    {
        var before = (Parameters: (float[])network.Parameters.Clone(), Buffers: (float[])network.Buffers.Clone());
        var error = Assert.ThrowsAny<InvalidDataException>(() => SafeTensors.Load(network, new MemoryStream(file)));
        foreach (var fragment in fragments) Assert.Contains(fragment, error.Message);
        Assert.Equal(before.Parameters, network.Parameters);
        Assert.Equal(before.Buffers, network.Buffers);
        return error;
    }

    [Fact]
    public void RoundTrip_IsBitExact_IncludingSpecialValues()
    {
        var source = TinyNetwork.WithRamp();
        float[] specials = [-0f, float.Epsilon, float.MaxValue, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC12345), 1f / 3];
        specials.CopyTo(source.Parameters, 17);
        string path = PathOf("tiny.safetensors");
        SafeTensors.Save(source, path);

        var target = new TinyNetwork();
        SafeTensors.Load(target, path);
        Assert.Equal(source.Parameters.Select(BitConverter.SingleToInt32Bits), target.Parameters.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Save_WritesTheReferenceLayout()
    {
        var network = TinyNetwork.WithRamp();
        byte[] file = SaveToBytes(network);
        int n = HeaderLength(file);
        Assert.Equal(0, (8 + n) % 8);
        Assert.Equal(8 + n + 4 * 119, file.Length);
        string json = Encoding.UTF8.GetString(file, 8, n);
        const string expected = """
            {"conv1.weight":{"dtype":"F32","shape":[2,1,3,3],"data_offsets":[0,72]},
            "conv1.bias":{"dtype":"F32","shape":[2],"data_offsets":[72,80]},
            "fc2.weight":{"dtype":"F32","shape":[3,32],"data_offsets":[80,464]},
            "fc2.bias":{"dtype":"F32","shape":[3],"data_offsets":[464,476]}}
            """;
        Assert.Equal(expected.ReplaceLineEndings(""), json.TrimEnd(' '));
        Assert.Equal(network.Parameters, ReadFloats(file.AsSpan(8 + n)));
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> bytes)
    {
        var floats = new float[bytes.Length / 4];
        for (int i = 0; i < floats.Length; i++) floats[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        return floats;
    }

    [Fact]
    public void Save_ReplacesAnExistingFile_AndLeavesNoTemporaryFiles()
    {
        string path = PathOf("weights.safetensors");
        File.WriteAllText(path, "old content that is longer than nothing");
        SafeTensors.Save(TinyNetwork.WithRamp(), path);
        Assert.Equal(SaveToBytes(TinyNetwork.WithRamp()), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    // Each way the library writes a file, all through the one atomic writer.
    public static TheoryData<string> Writers => ["weights", "checkpoint", "onnx"];

    private static void Write(string writer, string path)
    {
        var network = TinyNetwork.WithRamp();
        switch (writer)
        {
            case "weights": SafeTensors.Save(network, path); break;
            case "checkpoint": new Checkpoint(network, new Sgd(network.Parameters.Length, 0.1f)).Save(path); break;
            default: OnnxExport.Save(network, path); break;
        }
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void Save_ToANameOfUpTo255Bytes_Works_AndLeavesOnlyTheFile(string writer)
    {
        // 219 bytes and more left no room for the temporary name's 37 extra; the 2-byte letters check that the
        // shortening counts UTF-8 bytes and cuts between characters.
        foreach (string name in new[] { new string('w', 219), new string('w', 255), new string('\u00e9', 127) })
        {
            string path = PathOf(name);
            Write(writer, path);
            Write(writer, path);
            Assert.Equal([path], Directory.GetFiles(_directory));
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void Save_ThroughASymbolicLink_ReplacesItsTarget_AndKeepsTheLink(string writer)
    {
        string real = Directory.CreateDirectory(PathOf("real")).FullName;
        string target = Path.Combine(real, "model.bin");
        File.WriteAllText(target, "old");
        string link = PathOf("link.bin");
        // Relative, as `ln -s real/model.bin link.bin` makes it: resolved from the link's folder.
        File.CreateSymbolicLink(link, Path.Combine("real", "model.bin"));
        Write(writer, link);
        Assert.Equal(Path.Combine("real", "model.bin"), new FileInfo(link).LinkTarget);
        Assert.NotEqual("old", File.ReadAllText(target));
        Assert.Equal([target], Directory.GetFiles(real));
        Assert.Equal([link], Directory.GetFiles(_directory));

        // A dangling link gets its target created, as File.WriteAllText does.
        File.Delete(target);
        Write(writer, link);
        Assert.True(File.Exists(target));
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void Load_RefusesACountThatSaveWouldRefuse(long count)
    {
        // The counts come first in the data area, bn1's at offset 0.
        byte[] file = SaveToBytes(TinyNetwork.WithBatchNormRamp());
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(8 + HeaderLength(file)), count);
        AssertRejected(TinyNetwork.WithBatchNormRamp(-3f), file, "'bn1.num_batches_tracked'", "not a batch count");
        // The largest float below 2^63 is still a count, saved and loaded unchanged.
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(8 + HeaderLength(file)), (long)BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(9.223372E18f) - 1));
        var network = TinyNetwork.WithBatchNorm();
        SafeTensors.Load(network, new MemoryStream(file));
        SafeTensors.Save(network, new MemoryStream());
    }

    [Fact]
    public void Save_IntoAMissingDirectory_FailsAndCreatesNothing()
    {
        Assert.ThrowsAny<IOException>(() => SafeTensors.Save(TinyNetwork.WithRamp(), PathOf("missing/w.safetensors")));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void Load_FromAForwardOnlyStream_Works()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithRamp());
        var network = new TinyNetwork();
        SafeTensors.Load(network, new ForwardOnlyStream(file));
        Assert.Equal(TinyNetwork.WithRamp().Parameters, network.Parameters);
    }

    [Fact]
    public void Read_ReturnsEveryTensorWithShapeAndData()
    {
        string path = PathOf("read.safetensors");
        SafeTensors.Save(TinyNetwork.WithRamp(), path);
        var tensors = SafeTensors.Read(path);
        Assert.Equal(["conv1.weight", "conv1.bias", "fc2.weight", "fc2.bias"], tensors.Keys);
        Assert.Equal([3, 32], tensors["fc2.weight"].Shape);
        Assert.Equal([20.5f, 21.5f], tensors["fc2.weight"].Data[..2]);
        Assert.Equal([116.5f, 117.5f, 118.5f], tensors["fc2.bias"].Data);
    }

    [Fact]
    public void Load_AcceptsMetadataAndAnyTensorOrder()
    {
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()), header =>
        {
            var conv = header["conv1.weight"]!;
            header.Remove("conv1.weight");
            header["conv1.weight"] = conv;
            header["__metadata__"] = new JsonObject { ["format"] = "pt" };
        });
        var network = new TinyNetwork();
        SafeTensors.Load(network, new MemoryStream(file));
        Assert.Equal(TinyNetwork.WithRamp().Parameters, network.Parameters);
    }

    [Fact]
    public void ExtraTensor_IsRejectedByDefault_AndIgnoredOnRequest()
    {
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()),
            header => header["extra"] = Entry("F32", [2], 476, 484), data => [.. data, .. new byte[8]]);
        AssertRejected(file, "'extra'", "[2]");

        var network = new TinyNetwork();
        SafeTensors.Load(network, new MemoryStream(file), ignoreExtraTensors: true);
        Assert.Equal(TinyNetwork.WithRamp().Parameters, network.Parameters);
    }

    [Fact]
    public void TruncatedFile_IsRejected_NamingTheCutTensor()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithRamp());
        AssertRejected(file[..^10], "'fc2.bias'", "[464, 476]", "truncated");
        AssertRejected(file[..5], "too short");
        AssertRejected(file[..20], "runs past the end");
    }

    [Fact]
    public void OversizedHeaderLength_IsRejected()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithRamp());
        BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue);
        AssertRejected(file, "exceeds");
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
        AssertRejected(file, "runs past the end");
        BinaryPrimitives.WriteUInt64LittleEndian(file, 1);
        AssertRejected(file, "too small");
    }

    [Theory]
    [InlineData("{not json}      ", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{\"a\": 1}", "'a'")]
    [InlineData("{\"__metadata__\": {\"n\": 1}}", "__metadata__")]
    public void MalformedHeader_IsRejected(string json, string fragment) =>
        AssertRejected(WithHeader(Encoding.UTF8.GetBytes(json), []), fragment);

    [Fact]
    public void DuplicateTensorName_IsRejected()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithRamp());
        string json = Encoding.UTF8.GetString(file, 8, HeaderLength(file)).TrimEnd();
        json = json[..^1] + ""","fc2.bias":{"dtype":"F32","shape":[3],"data_offsets":[464,476]}}""";
        AssertRejected(WithHeader(Encoding.UTF8.GetBytes(json), file[(8 + HeaderLength(file))..]), "'fc2.bias'", "twice");
    }

    [Fact]
    public void OverlappingOffsets_AreRejected_NamingBothTensors()
    {
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()), header =>
        {
            header["conv1.bias"] = Entry("F32", [2], 68, 76);
            header["fc2.weight"] = Entry("F32", [3, 32], 76, 460);
            header["fc2.bias"] = Entry("F32", [3], 460, 472);
        }, data => data[..^4]);
        AssertRejected(file, "'conv1.bias'", "overlaps", "'conv1.weight'");
    }

    [Fact]
    public void Gap_IsRejected()
    {
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()), header =>
        {
            header["conv1.bias"] = Entry("F32", [2], 76, 84);
            header["fc2.weight"] = Entry("F32", [3, 32], 84, 468);
            header["fc2.bias"] = Entry("F32", [3], 468, 480);
        }, data => [.. data, 0, 0, 0, 0]);
        AssertRejected(file, "'conv1.bias'", "[72, 76)", "belong to no tensor");
    }

    [Fact]
    public void BadOffsets_AreRejected_NamingTheTensor()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithRamp());
        AssertRejected(Rewrite(file, h => h["conv1.bias"] = Entry("F32", [2], 80, 72)), "'conv1.bias'", "begin is after end");
        AssertRejected(Rewrite(file, h => h["conv1.bias"] = Entry("F32", [2], 72, 84)), "'conv1.bias'", "needs 8 bytes", "span 12");
        AssertRejected(Rewrite(file, h => h["conv1.bias"]!["data_offsets"] = new JsonArray(72)), "'conv1.bias'", "data_offsets");
        AssertRejected(Rewrite(file, h => h["conv1.bias"]!["data_offsets"] = new JsonArray(-8, 72)), "'conv1.bias'", "-8");
        AssertRejected(Rewrite(file, h => h["conv1.bias"]!["shape"] = new JsonArray(2.5)), "'conv1.bias'", "2.5");
        AssertRejected(Rewrite(file, h => h["conv1.bias"] = Entry("F32", [int.MaxValue, int.MaxValue, int.MaxValue], 72, 80)),
            "'conv1.bias'", "span 8");
    }

    [Fact]
    public void WrongDtype_IsRejected_NamingTensorAndDtype()
    {
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()), h => h["fc2.weight"]!["dtype"] = "F16");
        AssertRejected(file, "'fc2.weight'", "'F16'", "only F32");
    }

    [Fact]
    public void MissingTensor_IsRejected_NamingTensorAndShape()
    {
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()), h => h.Remove("fc2.bias"), data => data[..^12]);
        AssertRejected(file, "'fc2.bias'", "no tensor", "[3]");
    }

    [Fact]
    public void WrongShape_IsRejected_NamingTensorExpectedAndActual()
    {
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()), h => h["conv1.weight"]!["shape"] = new JsonArray(2, 1, 9));
        AssertRejected(file, "'conv1.weight'", "[2, 1, 9]", "[2, 1, 3, 3]");
    }

    [Fact]
    public void TrailingGarbage_IsRejected()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithRamp());
        AssertRejected([.. file, 1, 2, 3, 4], "'fc2.bias'", "trailing garbage");
    }

    [Fact]
    public void FailedLoadFromPath_LeavesParametersUntouched()
    {
        string path = PathOf("bad.safetensors");
        File.WriteAllBytes(path, SaveToBytes(TinyNetwork.WithRamp())[..^1]);
        var network = TinyNetwork.WithRamp(3f);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(network, path));
        Assert.Equal(TinyNetwork.WithRamp(3f).Parameters, network.Parameters);
    }

    [Fact]
    public void TransposedShape_IsRejected_ThoughRankAndCountMatch()
    {
        // [32, 3] has the rank and element count of [3, 32]; only a per-dimension check tells them apart.
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()), h => h["fc2.weight"]!["shape"] = new JsonArray(32, 3));
        AssertRejected(file, "'fc2.weight'", "[32, 3]", "[3, 32]");
    }

    [Theory]
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'{', (byte)'"', (byte)'d', (byte)'t', (byte)'y', (byte)'p', (byte)'e', (byte)'"', (byte)':', (byte)'"', 0xc3, (byte)'"', (byte)'}', (byte)'}' })]
    public void InvalidUtf8InTheHeader_IsInvalidData(byte[] json) =>
        AssertRejected(WithHeader(json, []), "not valid UTF-8");

    [Theory]
    [InlineData("""{"\ud800":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""")]
    [InlineData("""{"a":{"dtype":"F\udc0032","shape":[0],"data_offsets":[0,0]}}""")]
    [InlineData("""{"__metadata__":{"k":"\ud800x"}}""")]
    [InlineData("""{"__metadata__":{"\udfff":"v"}}""")]
    [InlineData("""{"a":{"\ud801":1,"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""")]
    public void LoneSurrogateEscapeInTheHeader_IsInvalidData(string json) =>
        AssertRejected(WithHeader(Encoding.ASCII.GetBytes(json), []), "unpaired surrogate");

    [Fact]
    public void LoneSurrogate_IsInvalidData_ForReadToo()
    {
        byte[] file = WithHeader(Encoding.ASCII.GetBytes("""{"\ud800":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"""), []);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(file)));
    }

    /// <summary>A file that shrinks after its length was taken, as when another process truncates it mid-load.</summary>
    private sealed class ShrinkingStream(byte[] bytes, long claimedLength) : MemoryStream(bytes)
    {
        public override long Length => claimedLength;
    }

    [Fact]
    public void FileTruncatedWhileLoading_IsInvalidData_NotEndOfStream()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithRamp());
        int n = HeaderLength(file);
        // Cut inside the header, inside the first tensor, and inside the last one.
        foreach (int cut in new[] { 4, 8 + n / 2, 8 + n + 10, file.Length - 3 })
        {
            var network = TinyNetwork.WithRamp(-7.25f);
            var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(network, new ShrinkingStream(file[..cut], file.Length)));
            Assert.Equal(TinyNetwork.WithRamp(-7.25f).Parameters, network.Parameters);
            Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new ShrinkingStream(file[..cut], file.Length)));
            if (cut > 8 + n) Assert.Contains("changed while it was read", error.Message);
        }
    }

    [Fact]
    public void FileRewrittenInChunksWhileLoading_FailsOnlyWithInvalidDataOrIOException()
    {
        string path = PathOf("rewritten.safetensors");
        var source = TinyNetwork.WithRamp();
        byte[] content = SaveToBytes(source);
        File.WriteAllBytes(path, content);
        using var stop = new CancellationTokenSource();
        // The writer truncates the file and writes it back 512 bytes at a time, over and over, as the campaign did.
        var writer = new Thread(() =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            while (!stop.IsCancellationRequested)
            {
                file.SetLength(0);
                file.Position = 0;
                for (int i = 0; i < content.Length; i += 512)
                {
                    file.Write(content, i, Math.Min(512, content.Length - i));
                    file.Flush();
                }
            }
        });
        writer.Start();
        int loaded = 0, failed = 0;
        try
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(1);
            while (DateTime.UtcNow < until)
            {
                var network = TinyNetwork.WithRamp(-7.25f);
                try
                {
                    SafeTensors.Load(network, path);
                    Assert.Equal(source.Parameters, network.Parameters);
                    loaded++;
                }
                catch (Exception e) when (e is InvalidDataException || e.GetType() == typeof(IOException))
                {
                    Assert.Equal(TinyNetwork.WithRamp(-7.25f).Parameters, network.Parameters);
                    failed++;
                }
            }
        }
        finally
        {
            stop.Cancel();
            writer.Join();
        }
        Assert.True(loaded + failed > 10, $"{loaded} loads, {failed} failures");
    }

    [Fact]
    public void ExtraTensorsOfOtherDtypes_AreSkipped_WhenIgnored()
    {
        // A PyTorch state dict: batch norm's num_batches_tracked is an I64 scalar; a half-precision buffer too.
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()), header =>
        {
            header["bn.num_batches_tracked"] = Entry("I64", [], 476, 484);
            header["bn.running_mean"] = Entry("F16", [3], 484, 490);
            header["quantised"] = Entry("Q4_K", [5], 490, 493);
        }, data => [.. data, .. new byte[17]]);
        AssertRejected(file, "'bn.num_batches_tracked'", "does not have");

        var network = new TinyNetwork();
        SafeTensors.Load(network, new MemoryStream(file), ignoreExtraTensors: true);
        Assert.Equal(TinyNetwork.WithRamp().Parameters, network.Parameters);
        SafeTensors.Load(network, new ForwardOnlyStream(file), ignoreExtraTensors: true);
        Assert.Equal(TinyNetwork.WithRamp().Parameters, network.Parameters);
        // Read returns floats, converting I64, so it still refuses the F16 tensor.
        Assert.Contains("'F16'", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(file))).Message);
    }

    [Fact]
    public void ExtraTensorOfAnotherDtype_StillHasItsSizeChecked()
    {
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()),
            header => header["bn.num_batches_tracked"] = Entry("I64", [], 476, 480), data => [.. data, .. new byte[4]]);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new TinyNetwork(), new MemoryStream(file), ignoreExtraTensors: true));
        Assert.Contains("'bn.num_batches_tracked'", error.Message);
        Assert.Contains("needs 8 bytes", error.Message);
    }

    [Fact]
    public void NetworkTensorOfAnotherDtype_IsRejectedEvenWhenExtrasAreIgnored()
    {
        byte[] file = Rewrite(SaveToBytes(TinyNetwork.WithRamp()), h => h["conv1.bias"] = Entry("I32", [2], 72, 80));
        var network = TinyNetwork.WithRamp(-7.25f);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(network, new MemoryStream(file), ignoreExtraTensors: true));
        Assert.Contains("'conv1.bias'", error.Message);
        Assert.Contains("only F32", error.Message);
        Assert.Equal(TinyNetwork.WithRamp(-7.25f).Parameters, network.Parameters);
    }

    [Fact]
    public void Pipe_WithAHugeHeaderLength_IsRejectedAfterEightBytes()
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, 1UL << 63);
        var pipe = new CountingPipe(prefix, 1_500_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("exceeds", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new TinyNetwork(), pipe)).Message);
        Assert.Equal(8, pipe.Consumed);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000);
    }

    [Fact]
    public void Pipe_WithGigabytesAfterAValidFile_IsRejectedWithoutReadingThem()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithRamp());
        foreach (Func<Stream, object> reader in new Func<Stream, object>[] { s => { SafeTensors.Load(new TinyNetwork(), s); return 0; }, SafeTensors.Read })
        {
            var pipe = new CountingPipe(file, 1_500_000_000);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Contains("trailing garbage", Assert.Throws<InvalidDataException>(() => reader(pipe)).Message);
            Assert.True(pipe.Consumed <= file.Length + 4096, $"read {pipe.Consumed} bytes");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
        }
    }

    [Fact]
    public void Pipe_WhoseHeaderClaimsAHugeTensor_AllocatesOnlyWhatArrives()
    {
        // 400 MB claimed, 1 MB sent: Read must not trust the claim up front.
        byte[] json = Encoding.UTF8.GetBytes("""{"big":{"dtype":"F32","shape":[100000000],"data_offsets":[0,400000000]}}""");
        var pipe = new CountingPipe(WithHeader(json, []), 1_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("ends early", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(pipe)).Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 20_000_000);
    }

    [Fact]
    public void ForwardOnlyStream_TruncatedOrWithGarbage_IsRejected()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithRamp());
        var network = TinyNetwork.WithRamp(-7.25f);
        Assert.Contains("'fc2.bias'", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(network, new ForwardOnlyStream(file[..^1]))).Message);
        Assert.Contains("trailing garbage", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(network, new ForwardOnlyStream([.. file, 0]))).Message);
        Assert.Contains("runs past the end", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(network, new ForwardOnlyStream(file[..20]))).Message);
        Assert.Equal(TinyNetwork.WithRamp(-7.25f).Parameters, network.Parameters);
    }

    // 1.6 million empty tensors took 13 s and 1.2 GB to reject; these headers are smaller but far over the limits.
    private static byte[] ManyEmptyTensors(int count)
    {
        var json = new StringBuilder("{");
        for (int i = 0; i < count; i++) json.Append(i == 0 ? "" : ",").Append($"\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}");
        return WithHeader(Encoding.UTF8.GetBytes(json.Append('}').ToString()), []);
    }

    [Fact]
    public void HeaderWithMoreTensorsThanTheNetworkHas_IsRejectedAtTheFirstExtra()
    {
        byte[] file = ManyEmptyTensors(200_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRejected(file, "'t0'", "does not have");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2L * file.Length + 1_000_000);
    }

    [Fact]
    public void HeaderOverTheTensorCountLimit_IsRejected_WhenExtrasAreIgnored_AndForRead()
    {
        byte[] file = ManyEmptyTensors(SafeTensors.MaxTensorCount + 1);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new TinyNetwork(), new MemoryStream(file), ignoreExtraTensors: true));
        Assert.Contains($"more than {SafeTensors.MaxTensorCount} tensors", error.Message);
        Assert.Contains($"more than {SafeTensors.MaxTensorCount} tensors", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(file))).Message);
        // At the limit it is a valid, if odd, file.
        Assert.Equal(SafeTensors.MaxTensorCount, SafeTensors.Read(new MemoryStream(ManyEmptyTensors(SafeTensors.MaxTensorCount))).Count);
    }

    [Fact]
    public void LoadOrReadOfAFolder_SaysItIsAFolder()
    {
        var network = TinyNetwork.WithRamp();
        foreach (var call in new Action[] { () => SafeTensors.Load(network, _directory), () => SafeTensors.Read(_directory) })
        {
            var error = Assert.Throws<IOException>(call);
            Assert.Contains("is a folder", error.Message);
            Assert.Contains(_directory, error.Message);
        }
        Assert.Equal(TinyNetwork.WithRamp().Parameters, network.Parameters);
    }

    [Fact]
    public void SaveOntoAFolder_SaysItIsAFolder_AndWritesNothing()
    {
        string folder = Directory.CreateDirectory(PathOf("weights.safetensors")).FullName;
        Assert.Contains("is a folder", Assert.Throws<IOException>(() => SafeTensors.Save(TinyNetwork.WithRamp(), folder)).Message);
        Assert.Equal([folder], Directory.GetFileSystemEntries(_directory));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void Save_DeletesTemporariesLeftByKilledSaves_ButNotALiveOneOrOtherFiles()
    {
        string path = PathOf("w.safetensors");
        // What `kill -9` during a save leaves: a temporary named after the target that nobody holds open.
        string[] abandoned = [$"{path}.{Guid.NewGuid():N}.tmp", $"{path}.{Guid.NewGuid():N}.tmp"];
        foreach (string file in abandoned) File.WriteAllBytes(file, new byte[1000]);
        // A save in progress in another process holds its temporary exclusively; it must survive.
        string live = $"{path}.{Guid.NewGuid():N}.tmp";
        using var liveHandle = new FileStream(live, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        // Not temporaries of this target: another file's, and names that only look similar.
        string[] others = [PathOf("x.safetensors." + Guid.NewGuid().ToString("N") + ".tmp"), path + ".notes.tmp", path + ".tmp"];
        foreach (string file in others) File.WriteAllText(file, "keep");

        SafeTensors.Save(TinyNetwork.WithRamp(), path);

        Assert.Equal(new[] { path, live }.Concat(others).Order(), Directory.GetFiles(_directory).Order());
        Assert.Equal(SaveToBytes(TinyNetwork.WithRamp()), File.ReadAllBytes(path));
    }
}
