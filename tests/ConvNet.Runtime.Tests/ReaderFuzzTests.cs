using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using CsCheck;
using Xunit;

namespace ConvNet.Runtime.Tests;

/// <summary>
/// The weight-file and IDX readers against hostile input: the campaign's kinds of bad weight file, generated here rather
/// than kept as binaries, and random mutations of valid files. A reader may accept a file or throw
/// <see cref="InvalidDataException"/>; anything else (EndOfStream, InvalidOperation, OutOfMemory, a hang) fails, and a
/// rejected load must leave the parameters as they were.
/// </summary>
public sealed class ReaderFuzzTests
{
    // Each property gets this many seconds on one thread (the machine is shared): thousands of cases, and CI stays fast.
    private const int Seconds = 2;

    private static readonly byte[] ValidWeights = Save(TinyNetwork.WithRamp());

    private static byte[] Save(INetwork network)
    {
        using var stream = new MemoryStream();
        SafeTensors.Save(network, stream);
        return stream.ToArray();
    }

    private static byte[] WithHeader(string json, int dataBytes = 0) => WithHeader(Encoding.UTF8.GetBytes(json), dataBytes);

    private static byte[] WithHeader(byte[] json, int dataBytes)
    {
        var file = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }

    private static byte[] WithLength(ulong length)
    {
        var file = (byte[])ValidWeights.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(file, length);
        return file;
    }

    private static string ValidJson => Encoding.UTF8.GetString(ValidWeights, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(ValidWeights)).TrimEnd();

    private static byte[] EditedJson(Func<string, string> edit) => WithHeader(edit(ValidJson), ValidWeights.Length - 8 - ValidJson.Length - Padding);

    private static int Padding => (int)BinaryPrimitives.ReadUInt64LittleEndian(ValidWeights) - ValidJson.Length;

    /// <summary>The campaign's kinds of hostile weight file, each named for what it tries.</summary>
    public static TheoryData<string> HostileNames => [.. Hostile.Keys];

    private static readonly Dictionary<string, Func<byte[]>> Hostile = new()
    {
        ["empty file"] = () => [],
        ["length only"] = () => ValidWeights[..8],
        ["header length 2^63"] = () => WithLength(1UL << 63),
        ["header length 2^64 - 1"] = () => WithLength(ulong.MaxValue),
        ["header length past the end"] = () => WithLength((ulong)ValidWeights.Length),
        ["header length 0"] = () => WithLength(0),
        ["header length cuts the JSON"] = () => WithLength((ulong)ValidJson.Length - 1),
        ["JSON array"] = () => WithHeader("[]"),
        ["JSON string"] = () => WithHeader("\"F32\""),
        ["JSON null"] = () => WithHeader("null"),
        ["two JSON objects"] = () => WithHeader("{}{}"),
        ["byte order mark"] = () => WithHeader([0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'], 0),
        ["invalid UTF-8 name"] = () => WithHeader([(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}'], 0),
        ["overlong UTF-8 encoding"] = () => WithHeader([(byte)'{', (byte)'"', 0xC0, 0xAF, (byte)'"', (byte)':', (byte)'1', (byte)'}'], 0),
        ["lone high surrogate name"] = () => WithHeader("""{"\ud800":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"""),
        ["lone low surrogate dtype"] = () => EditedJson(j => j.Replace("\"F32\"", "\"\\udc00\"")),
        ["NUL in a name"] = () => EditedJson(j => j.Replace("conv1.bias", "conv1\\u0000bias")),
        ["nesting 100,000 deep"] = () => WithHeader(new string('[', 100_000) + new string(']', 100_000)),
        ["metadata with a number"] = () => WithHeader("""{"__metadata__":{"n":1}}"""),
        ["metadata twice"] = () => WithHeader("""{"__metadata__":{},"__metadata__":{}}"""),
        ["tensor named __metadata__ holding data"] = () => WithHeader("""{"__metadata__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4),
        ["duplicate tensor"] = () => EditedJson(j => j[..^1] + ""","fc2.bias":{"dtype":"F32","shape":[3],"data_offsets":[464,476]}}"""),
        ["dtype F16 for a network tensor"] = () => EditedJson(j => j.Replace("\"F32\"", "\"F16\"")),
        ["dtype missing"] = () => EditedJson(j => j.Replace("\"dtype\":\"F32\",", "")),
        ["shape missing"] = () => EditedJson(j => j.Replace("\"shape\":[3],", "")),
        ["transposed shape"] = () => EditedJson(j => j.Replace("[3,32]", "[32,3]")),
        ["shape with a fraction"] = () => EditedJson(j => j.Replace("[3,32]", "[3,32.0]")),
        ["shape with an exponent"] = () => EditedJson(j => j.Replace("[3,32]", "[3,3.2e1]")),
        ["negative dimension"] = () => EditedJson(j => j.Replace("[3,32]", "[-3,-32]")),
        ["dimension 2^31"] = () => EditedJson(j => j.Replace("[3,32]", "[2147483648,32]")),
        ["dimensions whose product overflows"] = () => EditedJson(j => j.Replace("[3,32]", "[4294967296,4294967296,4294967296]")),
        ["offsets reversed"] = () => EditedJson(j => j.Replace("[464,476]", "[476,464]")),
        ["offsets overlapping"] = () => EditedJson(j => j.Replace("[80,464]", "[76,460]")),
        ["offsets past the data"] = () => EditedJson(j => j.Replace("[464,476]", "[464,9223372036854775807]")),
        ["offset 2^64"] = () => EditedJson(j => j.Replace("[464,476]", "[464,18446744073709551616]")),
        ["three offsets"] = () => EditedJson(j => j.Replace("[464,476]", "[464,470,476]")),
        ["offsets as strings"] = () => EditedJson(j => j.Replace("[464,476]", "[\"464\",\"476\"]")),
        ["extra I64 tensor, extras not ignored"] = () => EditedJson(j => j[..^1] + ""","bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[476,476]}}"""),
        ["truncated data"] = () => ValidWeights[..^1],
        ["trailing garbage"] = () => [.. ValidWeights, 0],
        ["200,000 empty tensors"] = () => WithHeader("{" + string.Join(",", Enumerable.Range(0, 200_000).Select(i => $"\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}")) + "}"),
    };

    [Theory, MemberData(nameof(HostileNames))]
    public void Hostile_weight_file_is_rejected_cleanly(string name)
    {
        byte[] file = Hostile[name]();
        foreach (var stream in new Stream[] { new MemoryStream(file), new ForwardOnlyStream(file) })
        {
            var network = TinyNetwork.WithRamp(-7.25f);
            Assert.Throws<InvalidDataException>(() => SafeTensors.Load(network, stream));
            Assert.Equal(TinyNetwork.WithRamp(-7.25f).Parameters, network.Parameters);
        }
    }

    /// <summary>A valid file changed in one of the ways bytes get damaged: bits flipped, a byte set, cut short,
    /// bytes inserted, or a run of bytes copied over another place.</summary>
    private static Gen<byte[]> Mutated(byte[] valid) =>
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, valid.Length - 1], Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[1, 16])
           .Select((kind, at, from, value, length) => kind switch
           {
               0 => Set(valid, at, (byte)(valid[at] ^ (1 << (value & 7)))),
               1 => Set(valid, at, value),
               2 => valid[..at],
               3 => [.. valid[..at], .. Enumerable.Repeat(value, length), .. valid[at..]],
               _ => Copied(valid, from, at, length),
           });

    private static byte[] Set(byte[] bytes, int at, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] = value;
        return copy;
    }

    private static byte[] Copied(byte[] bytes, int from, int to, int length)
    {
        var copy = (byte[])bytes.Clone();
        length = Math.Min(length, Math.Min(bytes.Length - from, bytes.Length - to));
        Array.Copy(bytes, from, copy, to, length);
        return copy;
    }

    [Fact]
    public void Mutated_weight_files_load_consistently_or_are_rejected_cleanly()
    {
        // The header is most of a small file, so most mutations land in the JSON.
        Mutated(ValidWeights).Sample(file =>
        {
            foreach (bool seekable in new[] { true, false })
            {
                var network = TinyNetwork.WithRamp(-7.25f);
                Stream stream = seekable ? new MemoryStream(file) : new ForwardOnlyStream(file);
                try
                {
                    SafeTensors.Load(network, stream, ignoreExtraTensors: true);
                }
                catch (InvalidDataException)
                {
                    Assert.Equal(TinyNetwork.WithRamp(-7.25f).Parameters, network.Parameters);
                    continue;
                }
                // Accepted: what Load put in each tensor is what Read finds there.
                var tensors = SafeTensors.Read(new MemoryStream(file));
                foreach (var layer in network.Layers)
                    foreach (var tensor in layer.Tensors)
                        Assert.Equal(tensors[tensor.Name].Data, network.Parameters.AsSpan(tensor.Offset, tensor.Length).ToArray());
            }
        }, time: Seconds, threads: 1);
    }

    private static byte[] ValidIdx(bool gzipped)
    {
        var file = new byte[4 + 12 + 2 * 3 * 4];
        file[2] = 0x08;
        file[3] = 3;
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), 2);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(8), 3);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(12), 4);
        for (int i = 16; i < file.Length; i++) file[i] = (byte)(i * 7);
        if (!gzipped) return file;
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal)) gzip.Write(file);
        return output.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Mutated_IDX_files_read_consistently_or_are_rejected_cleanly(bool gzipped)
    {
        Mutated(ValidIdx(gzipped)).Sample(file =>
        {
            foreach (var stream in new Stream[] { new MemoryStream(file), new ForwardOnlyStream(file) })
            {
                IdxData data;
                try
                {
                    data = Idx.Read(stream);
                }
                catch (InvalidDataException)
                {
                    continue;
                }
                long length = 1;
                foreach (int d in data.Dimensions) length *= d;
                Assert.Equal(length, data.Data.Length);
            }
        }, time: Seconds, threads: 1);
    }
}
