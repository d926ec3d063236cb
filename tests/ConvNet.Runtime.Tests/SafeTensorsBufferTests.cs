using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace ConvNet.Runtime.Tests;

// Batch norm buffers in weight files: running statistics as F32, num_batches_tracked as an I64 scalar, PyTorch's names.
public sealed partial class SafeTensorsTests
{
    private sealed record FileTensor(string Name, string Dtype, int[] Shape, byte[] Data);

    // The network's tensors as PyTorch's state_dict holds them, built from the layer table by hand (not by SafeTensors).
    private static List<FileTensor> StateDict(TinyNetwork network)
    {
        var tensors = new List<FileTensor>();
        foreach (var layer in network.Layers)
        {
            foreach (var t in layer.Tensors) tensors.Add(new(t.Name, "F32", [.. t.Dimensions], FloatBytes(network.Parameters.AsSpan(t.Offset, t.Length))));
            foreach (var t in layer.BufferTensors)
            {
                tensors.Add(t.IsCount
                    ? new(t.Name, "I64", [.. t.Dimensions], Int64Bytes((long)network.Buffers[t.Offset]))
                    : new(t.Name, "F32", [.. t.Dimensions], FloatBytes(network.Buffers.AsSpan(t.Offset, t.Length))));
            }
        }
        return tensors;
    }

    private static byte[] FloatBytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    private static byte[] Int64Bytes(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    // What safetensors.torch.save_file writes: tensors sorted by dtype (I64 before F32, the library's alignment order),
    // then by name; data in that order; the JSON padded with spaces to a multiple of 8.
    private static byte[] SaveFileLayout(IEnumerable<FileTensor> tensors)
    {
        var header = new JsonObject();
        var data = new List<byte>();
        foreach (var t in tensors.OrderBy(t => t.Dtype == "I64" ? 0 : 1).ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            header[t.Name] = Entry(t.Dtype, t.Shape, data.Count, data.Count + t.Data.Length);
            data.AddRange(t.Data);
        }
        string json = header.ToJsonString();
        return WithHeader(Encoding.UTF8.GetBytes(json + new string(' ', (8 - json.Length % 8) % 8)), [.. data]);
    }

    // A batch norm network whose parameters and buffers differ from every file's here, so a partial load would show.
    private static TinyNetwork Unlike()
    {
        var network = TinyNetwork.WithBatchNormRamp(-7.25f);
        Array.Fill(network.Buffers, 42f);
        return network;
    }

    [Fact]
    public void Save_WritesCountsAsI64First_ThenF32TensorsInLayerOrder_ParametersBeforeBuffers()
    {
        var network = TinyNetwork.WithBatchNormRamp();
        byte[] file = SaveToBytes(network);
        int n = HeaderLength(file);
        Assert.Equal(0, (8 + n) % 8);
        Assert.Equal(8 + n + 2 * 8 + 4 * (129 + 10), file.Length);
        const string expected = """
            {"bn1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},
            "bn2.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[8,16]},
            "conv1.weight":{"dtype":"F32","shape":[2,1,3,3],"data_offsets":[16,88]},
            "conv1.bias":{"dtype":"F32","shape":[2],"data_offsets":[88,96]},
            "bn1.weight":{"dtype":"F32","shape":[2],"data_offsets":[96,104]},
            "bn1.bias":{"dtype":"F32","shape":[2],"data_offsets":[104,112]},
            "bn1.running_mean":{"dtype":"F32","shape":[2],"data_offsets":[112,120]},
            "bn1.running_var":{"dtype":"F32","shape":[2],"data_offsets":[120,128]},
            "fc2.weight":{"dtype":"F32","shape":[3,32],"data_offsets":[128,512]},
            "fc2.bias":{"dtype":"F32","shape":[3],"data_offsets":[512,524]},
            "bn2.weight":{"dtype":"F32","shape":[3],"data_offsets":[524,536]},
            "bn2.bias":{"dtype":"F32","shape":[3],"data_offsets":[536,548]},
            "bn2.running_mean":{"dtype":"F32","shape":[3],"data_offsets":[548,560]},
            "bn2.running_var":{"dtype":"F32","shape":[3],"data_offsets":[560,572]}}
            """;
        Assert.Equal(expected.ReplaceLineEndings(""), Encoding.UTF8.GetString(file, 8, n).TrimEnd(' '));

        var data = file.AsSpan(8 + n);
        Assert.Equal(7, BinaryPrimitives.ReadInt64LittleEndian(data));
        Assert.Equal(1L << 40, BinaryPrimitives.ReadInt64LittleEndian(data[8..]));
        float[] p = network.Parameters, b = network.Buffers;
        Assert.Equal([.. p[..24], .. b[..4], .. p[24..], .. b[5..11]], ReadFloats(data[16..]));
    }

    [Fact]
    public void RoundTrip_RestoresParametersAndBuffersBitForBit()
    {
        var source = TinyNetwork.WithBatchNormRamp();
        source.Buffers[1] = BitConverter.Int32BitsToSingle(0x7FC12345);
        source.Buffers[5] = -0f;
        string path = PathOf("bn.safetensors");
        SafeTensors.Save(source, path);

        var target = TinyNetwork.WithBatchNorm();
        SafeTensors.Load(target, path);
        Assert.Equal(source.Parameters.Select(BitConverter.SingleToInt32Bits), target.Parameters.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(source.Buffers.Select(BitConverter.SingleToInt32Bits), target.Buffers.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Load_TakesAStateDictInSaveFileLayout()
    {
        var expected = TinyNetwork.WithBatchNormRamp();
        byte[] file = SaveFileLayout(StateDict(expected));

        var network = TinyNetwork.WithBatchNorm();
        SafeTensors.Load(network, new MemoryStream(file));
        Assert.Equal(expected.Parameters, network.Parameters);
        Assert.Equal(expected.Buffers, network.Buffers);
    }

    [Fact]
    public void Save_MatchesTheSaveFileLayoutTensorForTensor()
    {
        var network = TinyNetwork.WithBatchNormRamp();
        var ours = SafeTensors.Read(new MemoryStream(SaveToBytes(network)));
        var theirs = SafeTensors.Read(new MemoryStream(SaveFileLayout(StateDict(network))));
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        foreach (var (name, tensor) in theirs)
        {
            Assert.Equal(tensor.Shape, ours[name].Shape);
            Assert.Equal(tensor.Data, ours[name].Data);
        }
    }

    [Fact]
    public void Load_WithoutCounts_KeepsTheNetworksCounts_AndLoadsTheRest()
    {
        var saved = TinyNetwork.WithBatchNormRamp();
        byte[] file = SaveFileLayout(StateDict(saved).Where(t => !t.Name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)));

        var network = TinyNetwork.WithBatchNorm();
        network.Buffers[4] = 5;
        network.Buffers[11] = 9;
        SafeTensors.Load(network, new MemoryStream(file));
        Assert.Equal(saved.Parameters, network.Parameters);
        Assert.Equal([.. saved.Buffers[..4], 5f, .. saved.Buffers[5..11], 9f], network.Buffers);
    }

    [Fact]
    public void Read_ConvertsCountsToFloat()
    {
        var tensors = SafeTensors.Read(new MemoryStream(SaveToBytes(TinyNetwork.WithBatchNormRamp())));
        Assert.Empty(tensors["bn1.num_batches_tracked"].Shape);
        Assert.Equal([7f], tensors["bn1.num_batches_tracked"].Data);
        Assert.Equal([(float)(1L << 40)], tensors["bn2.num_batches_tracked"].Data);
        Assert.Equal([-100.25f, -101.25f], tensors["bn1.running_mean"].Data);
    }

    [Fact]
    public void MissingRunningStatistic_IsRejected_NamingItAndItsShape()
    {
        var tensors = StateDict(TinyNetwork.WithBatchNormRamp()).Where(t => t.Name != "bn2.running_var");
        AssertRejected(Unlike(), SaveFileLayout(tensors), "'bn2.running_var'", "no tensor", "[3]");
    }

    [Theory]
    [InlineData("bn1.num_batches_tracked", "F32", "I64")]
    [InlineData("bn1.running_mean", "I64", "F32")]
    [InlineData("conv1.bias", "I64", "F32")]
    public void TensorOfTheOtherDtype_IsRejected_NamingTensorAndBothDtypes(string name, string dtype, string expected)
    {
        // Same byte count, so only the dtype is wrong: one count is 8 bytes, two F32 values are 8 bytes.
        var tensors = StateDict(TinyNetwork.WithBatchNormRamp()).Select(t => t.Name != name ? t
            : t with { Dtype = dtype, Shape = dtype == "F32" ? [2] : [], Data = t.Data.Length == 8 ? t.Data : throw new InvalidOperationException() });
        AssertRejected(Unlike(), SaveFileLayout(tensors), $"'{name}'", $"'{dtype}'", expected);
    }

    [Fact]
    public void CountOfShapeOne_IsRejected_PyTorchWritesAScalar()
    {
        var tensors = StateDict(TinyNetwork.WithBatchNormRamp()).Select(t => t.Name == "bn2.num_batches_tracked" ? t with { Shape = [1] } : t);
        AssertRejected(Unlike(), SaveFileLayout(tensors), "'bn2.num_batches_tracked'", "[1]", "[]");
    }

    [Fact]
    public void LoadFailingPartWay_LeavesParametersAndBuffersUntouched()
    {
        byte[] file = SaveToBytes(TinyNetwork.WithBatchNormRamp());
        // The data of the last tensor (bn2.running_var) cannot be read: every other tensor has been read by then.
        var network = Unlike();
        var before = (Parameters: (float[])network.Parameters.Clone(), Buffers: (float[])network.Buffers.Clone());
        Assert.Throws<IOException>(() => SafeTensors.Load(network, new FailingStream(file, failAt: file.Length - 4)));
        Assert.Equal(before.Parameters, network.Parameters);
        Assert.Equal(before.Buffers, network.Buffers);
    }

    [Fact]
    public void ExtraI64Tensor_IsRejectedByDefault_AndIgnoredOnRequest()
    {
        var tensors = StateDict(TinyNetwork.WithRamp()).Append(new FileTensor("bn9.num_batches_tracked", "I64", [], Int64Bytes(3)));
        byte[] file = SaveFileLayout(tensors);
        AssertRejected(file, "'bn9.num_batches_tracked'", "does not have");

        var network = new TinyNetwork();
        SafeTensors.Load(network, new MemoryStream(file), ignoreExtraTensors: true);
        Assert.Equal(TinyNetwork.WithRamp().Parameters, network.Parameters);
    }

    [Theory]
    [InlineData(2.5f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(1e19f)]
    public void Save_WithACountThatIsNotAWholeNumber_ThrowsBeforeWritingAnything(float count)
    {
        var network = TinyNetwork.WithBatchNormRamp();
        network.Buffers[11] = count;
        using var stream = new MemoryStream();
        var error = Assert.Throws<ArgumentException>("network", () => SafeTensors.Save(network, stream));
        Assert.Contains("'bn2.num_batches_tracked'", error.Message);
        Assert.Equal(0, stream.Length);

        Assert.Throws<ArgumentException>("network", () => SafeTensors.Save(network, PathOf("bad-count.safetensors")));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    // Seekable, like a file, but a read that reaches failAt fails, like a disk error part-way through. (MemoryStream
    // sends span reads of a derived class through this overload.)
    private sealed class FailingStream(byte[] bytes, long failAt) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Position + count > failAt) throw new IOException("simulated read error");
            return base.Read(buffer, offset, count);
        }
    }
}
