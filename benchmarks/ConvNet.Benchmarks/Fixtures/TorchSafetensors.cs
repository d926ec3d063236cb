using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace ConvNet.Benchmarks;

/// <summary>
/// safetensors for the fixtures, written and read here from the format's description rather than by ConvNet's
/// <see cref="SafeTensors"/>, so the interop tests check ConvNet against an outside implementation.
/// </summary>
internal static class TorchSafetensors
{
    /// <summary>
    /// Writes <paramref name="tensors"/> as <c>safetensors.torch.save_file</c> does: sorted by dtype, larger alignment
    /// first (I64 before F32), then by name; the header lists them in that order after <c>__metadata__</c> and is padded
    /// with spaces to a multiple of 8; then the raw little-endian data.
    /// </summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, Dictionary<string, string> metadata)
    {
        var sorted = tensors.Select(t => (t.Name, Shape: t.Tensor.shape, Dtype: Dtype(t.Tensor), Data: Bytes(t.Tensor)))
            .OrderBy(t => t.Dtype == "I64" ? 0 : 1).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object> { ["__metadata__"] = metadata };
        long offset = 0;
        foreach (var (name, shape, dtype, data) in sorted)
        {
            header[name] = new Dictionary<string, object> { ["dtype"] = dtype, ["shape"] = shape, ["data_offsets"] = new[] { offset, offset + data.Length } };
            offset += data.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padding = (8 - json.Length % 8) % 8;
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
        file.Write(length);
        file.Write(json);
        for (int i = 0; i < padding; i++) file.WriteByte((byte)' ');
        foreach (var (_, _, _, data) in sorted) file.Write(data);
    }

    /// <summary>Every tensor of the file at <paramref name="path"/>, F32 as float32 and I64 as int64 tensors.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        int headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        var data = file.AsSpan(8 + headerLength);
        using var header = JsonDocument.Parse(file.AsMemory(8, headerLength));
        var tensors = new Dictionary<string, Tensor>();
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            long[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            long[] offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var bytes = data[(int)offsets[0]..(int)offsets[1]];
            tensors[entry.Name] = entry.Value.GetProperty("dtype").GetString() switch
            {
                "F32" => tensor(Elements(bytes, 4, (b, i) => BinaryPrimitives.ReadSingleLittleEndian(b[(4 * i)..])), shape),
                "I64" => tensor(Elements(bytes, 8, (b, i) => BinaryPrimitives.ReadInt64LittleEndian(b[(8 * i)..])), shape),
                var other => throw new InvalidDataException($"{path}: tensor '{entry.Name}' has dtype {other}, which the fixtures do not use."),
            };
        }
        return tensors;
    }

    private delegate T ElementReader<T>(ReadOnlySpan<byte> bytes, int index);

    private static T[] Elements<T>(ReadOnlySpan<byte> bytes, int size, ElementReader<T> read)
    {
        var values = new T[bytes.Length / size];
        for (int i = 0; i < values.Length; i++) values[i] = read(bytes, i);
        return values;
    }

    private static string Dtype(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Int64 => "I64",
        var other => throw new NotSupportedException($"The fixtures write F32 and I64 tensors, not {other}."),
    };

    private static byte[] Bytes(Tensor t)
    {
        var bytes = new List<byte>();
        Span<byte> word = stackalloc byte[8];
        if (t.dtype == ScalarType.Int64)
        {
            foreach (long v in t.data<long>())
            {
                BinaryPrimitives.WriteInt64LittleEndian(word, v);
                bytes.AddRange(word.ToArray());
            }
        }
        else
        {
            foreach (float v in t.data<float>())
            {
                BinaryPrimitives.WriteSingleLittleEndian(word, v);
                bytes.AddRange(word[..4].ToArray());
            }
        }
        return [.. bytes];
    }
}
