using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;

namespace LeNet.Tests;

/// <summary>Edits a sample's checkpoint as a user (or a damaged disk) might: its metadata strings or one count.</summary>
/// <remarks>A safetensors file is an 8-byte little-endian header length, the JSON header, then the tensor data, whose
/// offsets count from the data's start: the header can change length without touching the data.</remarks>
internal static class CheckpointFiles
{
    /// <summary>Rewrites the <c>__metadata__</c> strings of <paramref name="path"/> through <paramref name="edit"/>.</summary>
    public static void EditMetadata(string path, Action<Dictionary<string, string>> edit)
    {
        var (header, data) = Read(path);
        var metadata = header["__metadata__"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        edit(metadata);
        header["__metadata__"] = new JsonObject(metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Padded with spaces to a multiple of 8, as the format's writers do, so the data stays aligned.
        json = [.. json, .. Enumerable.Repeat((byte)' ', (8 - json.Length % 8) % 8)];
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(file, json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        File.WriteAllBytes(path, file);
    }

    /// <summary>Overwrites the I64 scalar <paramref name="tensor"/> (a batch norm's <c>num_batches_tracked</c>).</summary>
    public static void WriteCount(string path, string tensor, long value)
    {
        byte[] file = File.ReadAllBytes(path);
        var (header, _) = Read(path);
        long begin = header[tensor]!["data_offsets"]![0]!.GetValue<long>();
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan((int)(8 + BinaryPrimitives.ReadInt64LittleEndian(file) + begin)), value);
        File.WriteAllBytes(path, file);
    }

    private static (JsonObject Header, byte[] Data) Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        int length = (int)BinaryPrimitives.ReadInt64LittleEndian(file);
        return (JsonNode.Parse(file.AsSpan(8, length))!.AsObject(), file[(8 + length)..]);
    }
}
