using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ConvNet;

/// <summary>One tensor read from a safetensors file, as floats.</summary>
/// <param name="Shape">The tensor's dimensions as stored in the file.</param>
/// <param name="Data">Its elements, row-major; an I64 tensor (a batch norm count) converted to float, which is exact up to 2^24.</param>
public sealed record SafeTensor(IReadOnlyList<int> Shape, float[] Data);

/// <summary>
/// Reads and writes network weights in the safetensors format (https://github.com/huggingface/safetensors), so they
/// load in PyTorch with <c>safetensors.torch.load_file</c> and back.
/// </summary>
/// <remarks>
/// Layout: an 8-byte little-endian header length N; N bytes of JSON mapping each tensor name to
/// <c>{"dtype":"F32","shape":[...],"data_offsets":[begin,end]}</c> (plus an optional <c>"__metadata__"</c> object of
/// strings); then the raw little-endian data, offsets counted from its start. Only F32 tensors are read, and I64 for
/// the counts PyTorch keeps as 64-bit integers; tensors of other dtypes may sit in the file as extras that
/// <see cref="Load(INetwork, Stream, bool)"/> skips.
/// <para>A file holds the network's parameters (<see cref="LayerInfo.Tensors"/>) and its buffers
/// (<see cref="LayerInfo.BufferTensors"/>: a batch norm layer's <c>running_mean</c> and <c>running_var</c> as F32, and
/// its <c>num_batches_tracked</c> as an I64 scalar of shape [], as PyTorch writes it), all under PyTorch's names, so a
/// <c>state_dict</c> of the same architecture saved with <c>safetensors.torch.save_file</c> loads unchanged and the
/// reverse.</para>
/// Every malformed or mismatching file is rejected with an <see cref="InvalidDataException"/> naming the tensor
/// at fault (also when the file changes while it is read), and a failed load leaves <see cref="INetwork.Parameters"/>
/// and <see cref="INetwork.Buffers"/> untouched. Streams are read front to back: a stream that cannot seek (a pipe, a
/// socket) is never buffered whole, and the header is checked before any tensor data is read.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest JSON header accepted, as in the reference implementation; guards against a corrupt length.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>
    /// The most tensors a header may list for <see cref="Read(Stream)"/>, or for <see cref="Load(INetwork, Stream, bool)"/>
    /// with extra tensors ignored (a real state dict has thousands at most). Without <c>ignoreExtraTensors</c> a file may
    /// hold only the network's own tensors, and the first other one is rejected as soon as it is parsed.
    /// </summary>
    public const int MaxTensorCount = 100_000;

    private const string MetadataKey = "__metadata__";
    private const string F32 = "F32";
    private const string I64 = "I64";

    // Bytes per element of the dtypes the format defines with whole bytes per element; the sub-byte ones (F4, F6_*)
    // and any later addition are not sized here, so only their offsets are checked (they can only be extras).
    private static readonly Dictionary<string, int> s_elementBytes = new()
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1, ["F8_E8M0"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, [F32] = 4,
        [I64] = 8, ["U64"] = 8, ["F64"] = 8, ["C64"] = 8,
    };

    /// <summary>
    /// Writes every parameter and buffer tensor of <paramref name="network"/> to <paramref name="path"/>, laid out as
    /// <see cref="Save(INetwork, Stream)"/> says. The file is written under a temporary name in the same folder,
    /// flushed to the disk and then renamed over <paramref name="path"/>, so an interrupted save (even a killed process
    /// or a power loss) never leaves a half-written file behind; temporary files left by killed saves are deleted by the
    /// next save to the same path.
    /// </summary>
    /// <exception cref="ArgumentException">A batch norm count in <see cref="INetwork.Buffers"/> is not a whole number
    /// from 0 to 2^63, or the header would exceed <see cref="MaxHeaderLength"/>; nothing is written.</exception>
    /// <exception cref="IOException">The file cannot be written, or <paramref name="path"/> is a folder.</exception>
    public static void Save(INetwork network, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = Prepare(network, [], null);
        IoHelpers.WriteAtomically(path, file.WriteTo);
    }

    /// <summary>Writes every parameter and buffer tensor of <paramref name="network"/> to <paramref name="stream"/>: first
    /// the batch norm counts (<c>num_batches_tracked</c>, I64), then the F32 tensors in layer order, each layer's
    /// parameters before its buffers.</summary>
    /// <remarks>The counts come first so that each starts 8-byte aligned (the data area does): PyTorch views a tensor's
    /// bytes in place and refuses an int64 at an offset that is not a multiple of 8, which is also why
    /// <c>safetensors.torch.save_file</c> orders tensors by dtype.</remarks>
    /// <exception cref="ArgumentException">A batch norm count in <see cref="INetwork.Buffers"/> is not a whole number
    /// from 0 to 2^63, or the header would exceed <see cref="MaxHeaderLength"/>; nothing is written.</exception>
    public static void Save(INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Prepare(network, [], null).WriteTo(stream);
    }

    // A tensor stored after the network's own (a checkpoint's optimizer state): F32, one dimension, all of Data.
    internal sealed record ExtraTensor(string Name, float[] Data);

    // A file checked and laid out, its header serialised: what is left cannot fail but for the stream's own errors.
    internal sealed class Prepared(byte[] header, List<Stored> tensors)
    {
        public void WriteTo(Stream stream)
        {
            stream.Write(header);
            Span<byte> count = stackalloc byte[sizeof(long)];
            foreach (var stored in tensors)
            {
                var values = stored.Source.AsSpan(stored.Tensor.Offset, stored.Tensor.Length);
                if (!stored.Tensor.IsCount)
                {
                    stream.Write(MemoryMarshal.AsBytes(values));
                    continue;
                }
                foreach (float value in values)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(count, (long)value);
                    stream.Write(count);
                }
            }
        }
    }

    // The network's tensors as Save lays them out, then the extra ones, and the metadata as "__metadata__"; everything
    // that can be refused is refused here, before a file is opened.
    internal static Prepared Prepare(INetwork network, IReadOnlyList<ExtraTensor> extra, IReadOnlyDictionary<string, string>? metadata)
    {
        CheckLittleEndian();
        var all = NetworkTensors(network);
        CheckCounts(all);
        var tensors = new List<Stored>(all.Count + extra.Count);
        tensors.AddRange(all.FindAll(t => t.Tensor.IsCount));
        tensors.AddRange(all.FindAll(t => !t.Tensor.IsCount));
        foreach (var tensor in extra)
            tensors.Add(new Stored(new ParameterTensor(tensor.Name, [tensor.Data.Length], 0, tensor.Data.Length), tensor.Data));

        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is not null)
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var stored in tensors)
            {
                writer.WriteStartObject(stored.Tensor.Name);
                writer.WriteString("dtype", stored.Dtype);
                writer.WriteStartArray("shape");
                foreach (int d in stored.Tensor.Dimensions) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += s_elementBytes[stored.Dtype] * (long)stored.Tensor.Length;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        // Spaces pad the header to a multiple of 8 so the data starts aligned, as the reference writer does.
        int padding = (8 - json.WrittenCount % 8) % 8;
        long length = (long)json.WrittenCount + padding;
        // The reader's limit: a file it would refuse must not be written (or replace one it can read).
        if (length > MaxHeaderLength)
            throw new ArgumentException(
                $"The header would be {length:N0} bytes, over the {MaxHeaderLength:N0}-byte limit of safetensors readers (this one's included): " +
                "the metadata is too large.", nameof(metadata));
        var header = new byte[8 + length];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)length);
        json.WrittenSpan.CopyTo(header.AsSpan(8));
        header.AsSpan(8 + json.WrittenCount).Fill((byte)' ');
        return new Prepared(header, tensors);
    }

    /// <summary>Loads <paramref name="network"/>'s parameters and buffers from the safetensors file at <paramref name="path"/>,
    /// as <see cref="Load(INetwork, Stream, bool)"/> does.</summary>
    /// <param name="network">The network whose <see cref="INetwork.Parameters"/> and <see cref="INetwork.Buffers"/> receive the tensors.</param>
    /// <param name="path">The file to read.</param>
    /// <param name="ignoreExtraTensors">Skip tensors the network does not have, whatever their dtype, instead of
    /// rejecting the file.</param>
    /// <exception cref="InvalidDataException">The file is malformed or does not match the network; parameters and buffers are unchanged.</exception>
    /// <exception cref="IOException">The file cannot be read, or <paramref name="path"/> is a folder.</exception>
    public static void Load(INetwork network, string path, bool ignoreExtraTensors = false)
    {
        using var file = IoHelpers.OpenRead(path);
        Load(network, file, ignoreExtraTensors);
    }

    /// <summary>Loads <paramref name="network"/>'s parameters and buffers from a safetensors file starting at the stream's position.</summary>
    /// <remarks>Every parameter and every F32 buffer (<c>running_mean</c>, <c>running_var</c>) must be in the file, with
    /// the network's shape. A batch norm count (<c>num_batches_tracked</c>) must be an I64 scalar if present, but may be
    /// absent, as in state dicts from before PyTorch 0.4.1; the network then keeps its current count, as PyTorch's
    /// <c>load_state_dict</c> does. The count only reports how many training batches the running statistics have seen
    /// (no computation here reads it), so keeping it changes no output, while 0 would claim that statistics loaded from
    /// the file had seen no batch.</remarks>
    /// <param name="network">The network whose <see cref="INetwork.Parameters"/> and <see cref="INetwork.Buffers"/> receive the tensors.</param>
    /// <param name="stream">The stream to read; read to its end.</param>
    /// <param name="ignoreExtraTensors">Skip tensors the network does not have, whatever their dtype (other integer
    /// buffers of a PyTorch state dict, say), instead of rejecting the file.</param>
    /// <exception cref="InvalidDataException">The file is malformed or does not match the network; parameters and buffers are unchanged.</exception>
    public static void Load(INetwork network, Stream stream, bool ignoreExtraTensors = false)
    {
        var staged = Stage(network, stream, new Dictionary<string, int>(), ignoreExtraTensors, checkMetadata: null);
        staged.Parameters.CopyTo(network.Parameters);
        staged.Buffers.CopyTo(network.Buffers);
    }

    /// <summary>Reads the <c>"__metadata__"</c> strings of the safetensors file at <paramref name="path"/> (empty when it has none).</summary>
    /// <exception cref="InvalidDataException">The file's header is malformed.</exception>
    /// <exception cref="IOException">The file cannot be read, or <paramref name="path"/> is a folder.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var file = IoHelpers.OpenRead(path);
        CheckLittleEndian();
        return ReadHeader(file, _ => false, ignoreExtraTensors: true).Metadata;
    }

    // A file read for a network: copies of its parameters and buffers with the file's tensors in them, the extra F32
    // tensors asked for, and the metadata. Nothing of the network has changed yet.
    internal sealed record Staged(float[] Parameters, float[] Buffers, Dictionary<string, float[]> Extra);

    // Load's reading, for Load and for checkpoints: besides the network's tensors, the file must hold each of extra (a
    // one-dimensional F32 tensor of the given length); checkMetadata, if given, sees the metadata once the header is
    // parsed, before any tensor is checked or read, and may throw.
    internal static Staged Stage(INetwork network, Stream stream, IReadOnlyDictionary<string, int> extra, bool ignoreOtherTensors,
        Action<IReadOnlyDictionary<string, string>>? checkMetadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckLittleEndian();
        var tensors = NetworkTensors(network);
        var byName = new Dictionary<string, Stored>();
        foreach (var stored in tensors) byName.Add(stored.Tensor.Name, stored);
        Func<string, bool> wanted = name => byName.ContainsKey(name) || extra.ContainsKey(name);
        // With metadata to check, other tensors are rejected only after it: a checkpoint of another optimizer has other
        // state tensors, and is better reported as that.
        var header = ReadHeader(stream, wanted, ignoreOtherTensors || checkMetadata is not null);
        if (checkMetadata is not null)
        {
            checkMetadata(header.Metadata);
            foreach (var entry in header.Entries)
            {
                if (!ignoreOtherTensors && !wanted(entry.Name))
                    throw new InvalidDataException(
                        $"The file has tensor '{entry.Name}' (shape {IoHelpers.FormatShape(entry.Shape)}), which the network does not have.");
            }
        }

        var entries = new Dictionary<string, Entry>();
        foreach (var entry in header.Entries) entries.Add(entry.Name, entry);
        foreach (var (tensor, _) in tensors)
        {
            if (!entries.TryGetValue(tensor.Name, out var entry))
            {
                if (tensor.IsCount) continue;
                throw new InvalidDataException(
                    $"The file has no tensor '{tensor.Name}' (the network expects shape {IoHelpers.FormatShape(tensor.Dimensions)}).");
            }
            string dtype = tensor.IsCount ? I64 : F32;
            if (entry.Dtype != dtype)
                throw new InvalidDataException($"Tensor '{tensor.Name}' has dtype '{entry.Dtype}' in the file, but the network expects {dtype}.");
            if (!SameShape(entry.Shape, tensor.Dimensions))
                throw new InvalidDataException(
                    $"Tensor '{tensor.Name}' has shape {IoHelpers.FormatShape(entry.Shape)} in the file, but the network expects {IoHelpers.FormatShape(tensor.Dimensions)}.");
        }
        foreach (var (name, length) in extra)
        {
            if (!entries.TryGetValue(name, out var entry))
                throw new InvalidDataException($"The file has no tensor '{name}' (expected shape [{length}]).");
            if (entry.Dtype != F32 || !SameShape(entry.Shape, [length]))
                throw new InvalidDataException(
                    $"Tensor '{name}' is {entry.Dtype} {IoHelpers.FormatShape(entry.Shape)} in the file, but {F32} [{length}] is expected.");
        }

        // Everything is read into copies first, so a failure part-way leaves the network as it was.
        var parameters = (float[])network.Parameters.Clone();
        var buffers = (float[])network.Buffers.Clone();
        var extraData = new Dictionary<string, float[]>();
        foreach (var entry in header.Entries)
        {
            if (byName.TryGetValue(entry.Name, out var stored))
                ReadData(stream, entry, (stored.Source == network.Parameters ? parameters : buffers).AsSpan(stored.Tensor.Offset, stored.Tensor.Length));
            else if (extra.ContainsKey(entry.Name))
                extraData[entry.Name] = ReadTensor(stream, entry);
            else if (IoHelpers.Skip(stream, entry.End - entry.Begin) != entry.End - entry.Begin)
                throw Truncated(entry);
        }
        CheckEnd(stream, header);
        // A count Save would refuse (negative, or rounding to 2^63 as a float) would leave a network that can never be
        // saved again.
        foreach (var (tensor, _) in tensors)
        {
            if (!tensor.IsCount || !entries.ContainsKey(tensor.Name)) continue;
            foreach (float value in buffers.AsSpan(tensor.Offset, tensor.Length))
            {
                if (!IsCount(value))
                    throw new InvalidDataException($"Tensor '{tensor.Name}' holds {value:R}, which is not a batch count from 0 to 2^63 (exclusive).");
            }
        }
        return new Staged(parameters, buffers, extraData);
    }

    /// <summary>Reads every tensor of the safetensors file at <paramref name="path"/>, for tools that inspect or convert weights.</summary>
    /// <returns>Tensors by name, in the order of their data in the file; I64 tensors converted to float.</returns>
    /// <exception cref="InvalidDataException">The file is malformed, or holds a tensor that is neither F32 nor I64.</exception>
    /// <exception cref="IOException">The file cannot be read, or <paramref name="path"/> is a folder.</exception>
    public static IReadOnlyDictionary<string, SafeTensor> Read(string path)
    {
        using var file = IoHelpers.OpenRead(path);
        return Read(file);
    }

    /// <summary>Reads every tensor of a safetensors file starting at the stream's position.</summary>
    /// <returns>Tensors by name, in the order of their data in the file; I64 tensors converted to float.</returns>
    /// <exception cref="InvalidDataException">The file is malformed, or holds a tensor that is neither F32 nor I64.</exception>
    public static IReadOnlyDictionary<string, SafeTensor> Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckLittleEndian();
        var header = ReadHeader(stream, _ => true, ignoreExtraTensors: false);
        var tensors = new OrderedDictionary<string, SafeTensor>();
        foreach (var entry in header.Entries) tensors.Add(entry.Name, new SafeTensor(entry.Shape, ReadTensor(stream, entry)));
        CheckEnd(stream, header);
        return tensors;
    }

    // One tensor as the header describes it; offsets are relative to the start of the data area.
    private sealed record Entry(string Name, string Dtype, int[] Shape, long Begin, long End)
    {
        // Only asked of the tensors read as floats, which are F32 or I64.
        public int Elements => (int)((End - Begin) / s_elementBytes[Dtype]);
    }

    // A tensor of the network and the array it lives in: Parameters, or Buffers for LayerInfo.BufferTensors.
    internal readonly record struct Stored(ParameterTensor Tensor, float[] Source)
    {
        public string Dtype => Tensor.IsCount ? I64 : F32;
    }

    // Entries sorted by offset, already checked to tile the data area [0, DataLength) exactly.
    private sealed record Header(List<Entry> Entries, long DataLength, bool LengthKnown, IReadOnlyDictionary<string, string> Metadata);

    // isNetworkTensor says which tensors the caller reads (they must be F32 or I64, read as floats); any other is an
    // extra, skipped if ignoreExtraTensors and otherwise rejected as soon as it is parsed.
    private static Header ReadHeader(Stream stream, Func<string, bool> isNetworkTensor, bool ignoreExtraTensors)
    {
        // A stream that cannot seek has no length to check against; its data is checked as it arrives instead.
        long available = stream.CanSeek ? stream.Length - stream.Position : -1;
        Span<byte> prefix = stackalloc byte[8];
        int read = IoHelpers.ReadUpTo(stream, prefix);
        if (read < prefix.Length)
            throw new InvalidDataException($"The file is {read} bytes long, too short for the 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength < 2)
            throw new InvalidDataException($"The header length {headerLength} is too small to hold a JSON object.");
        if (headerLength > MaxHeaderLength)
            throw new InvalidDataException(
                $"The header length {headerLength} exceeds the {MaxHeaderLength}-byte limit: the file is corrupt or not a safetensors file.");
        if (available >= 0 && (long)headerLength > available - 8)
            throw new InvalidDataException(
                $"The header length {headerLength} runs past the end of the file ({available - 8} bytes follow it): the file is truncated or corrupt.");
        var json = new byte[headerLength];
        read = IoHelpers.ReadUpTo(stream, json);
        if (read < json.Length)
            throw new InvalidDataException(
                $"The header length {headerLength} runs past the end of the file ({read} bytes follow it): the file is truncated or corrupt.");
        long dataLength = available >= 0 ? available - 8 - (long)headerLength : long.MaxValue;

        List<Entry> entries;
        var metadata = new Dictionary<string, string>();
        try
        {
            entries = ParseHeader(json, dataLength, isNetworkTensor, ignoreExtraTensors, metadata);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The header is not valid JSON: {e.Message}", e);
        }
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long covered = CheckTiling(entries, available >= 0 ? dataLength : null);
        return new Header(entries, covered, available >= 0, metadata);
    }

    // A streaming parse: no document tree, and a hostile header stops at its first bad tensor or at the count limit.
    private static List<Entry> ParseHeader(byte[] json, long dataLength, Func<string, bool> isNetworkTensor, bool ignoreExtraTensors,
        Dictionary<string, string> metadata)
    {
        var reader = new Utf8JsonReader(json);
        Next(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"The header must be a JSON object, not {reader.TokenType}.");
        var entries = new List<Entry>();
        var names = new HashSet<string>();
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string name = ReadString(ref reader);
            if (!names.Add(name))
                throw new InvalidDataException($"Tensor '{name}' appears twice in the header.");
            Next(ref reader);
            if (name == MetadataKey)
            {
                ReadMetadata(ref reader, metadata);
                continue;
            }
            var (dtype, shape, offsets) = ReadEntry(name, ref reader);
            bool wanted = isNetworkTensor(name);
            if (!wanted && !ignoreExtraTensors)
                throw new InvalidDataException(
                    $"The file has tensor '{name}' (shape {IoHelpers.FormatShape(shape)}), which the network does not have.");
            if (entries.Count == MaxTensorCount)
                throw new InvalidDataException($"The header lists more than {MaxTensorCount} tensors: the file is corrupt or hostile.");
            entries.Add(CheckEntry(name, dtype, shape, offsets, dataLength, readAsFloats: wanted));
        }
        // Only whitespace may follow the object (the reader throws on anything else).
        reader.Read();
        return entries;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        // With the whole header in hand, the reader throws on incomplete JSON rather than returning false.
        reader.Read();
        return reader.TokenType;
    }

    // System.Text.Json reports a name or value that is not valid UTF-8, or that escapes half a surrogate pair
    // ("\ud800"), with InvalidOperationException when the string is decoded; to the caller that is just a bad file.
    private static string ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException(
                $"The header holds a string that is not valid UTF-8 or has an unpaired surrogate escape, at byte {reader.TokenStartIndex}: {e.Message}", e);
        }
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        bool valid = reader.TokenType == JsonTokenType.StartObject;
        if (valid)
        {
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                string key = ReadString(ref reader);
                if (Next(ref reader) == JsonTokenType.String) metadata[key] = ReadString(ref reader);
                else
                {
                    valid = false;
                    reader.Skip();
                }
            }
        }
        if (!valid)
            throw new InvalidDataException($"'{MetadataKey}' must be a JSON object whose values are all strings.");
    }

    private static (string Dtype, long[] Shape, long[] Offsets) ReadEntry(string name, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"Tensor '{name}': expected an object with dtype, shape and data_offsets, found {reader.TokenType}.");
        string? dtype = null;
        long[]? shape = null, offsets = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string key = ReadString(ref reader);
            Next(ref reader);
            switch (key)
            {
                case "dtype":
                    dtype = reader.TokenType == JsonTokenType.String ? ReadString(ref reader) : null;
                    break;
                case "shape":
                    shape = ReadIntegers(name, ref reader, key, int.MaxValue);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(name, ref reader, key, long.MaxValue);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        if (dtype is null)
            throw new InvalidDataException($"Tensor '{name}' has no dtype string.");
        if (shape is null)
            throw new InvalidDataException($"Tensor '{name}' has no shape array.");
        if (offsets is null)
            throw new InvalidDataException($"Tensor '{name}' has no data_offsets array.");
        return (dtype, shape, offsets);
    }

    private static long[] ReadIntegers(string tensor, ref Utf8JsonReader reader, string key, long max)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new InvalidDataException($"Tensor '{tensor}' has no {key} array.");
        var result = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long number) || number < 0 || number > max)
            {
                string found = reader.TokenType is JsonTokenType.Number or JsonTokenType.String
                    ? Encoding.UTF8.GetString(reader.ValueSpan)
                    : reader.TokenType.ToString();
                throw new InvalidDataException($"Tensor '{tensor}' has {key} entry {found}; expected an integer in [0, {max}].");
            }
            result.Add(number);
        }
        return [.. result];
    }

    private static Entry CheckEntry(string name, string dtype, long[] shape, long[] offsets, long dataLength, bool readAsFloats)
    {
        if (readAsFloats && dtype is not (F32 or I64))
            throw new InvalidDataException($"Tensor '{name}' has dtype '{dtype}'; only F32 is supported (and I64 for batch norm counts).");
        if (offsets.Length != 2)
            throw new InvalidDataException($"Tensor '{name}' has {offsets.Length} data_offsets; expected [begin, end].");
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
            throw new InvalidDataException($"Tensor '{name}' has data_offsets [{begin}, {end}]: begin is after end.");
        if (end > dataLength)
            throw new InvalidDataException(
                $"Tensor '{name}' has data_offsets [{begin}, {end}] beyond the {dataLength}-byte data area: the file is truncated or corrupt.");
        if (s_elementBytes.TryGetValue(dtype, out int elementBytes))
        {
            // In double the product cannot overflow, and it is exact wherever it could equal a real file's byte count
            // (below 2^53), so the comparison is exact.
            double bytes = elementBytes;
            foreach (long d in shape) bytes *= d;
            if (bytes != end - begin)
                throw new InvalidDataException(
                    $"Tensor '{name}' of shape {IoHelpers.FormatShape(shape)} ({dtype}) needs {bytes} bytes, but its data_offsets [{begin}, {end}] span {end - begin}.");
        }
        if (readAsFloats && (end - begin) / s_elementBytes[dtype] > Array.MaxLength)
            throw new InvalidDataException($"Tensor '{name}' of shape {IoHelpers.FormatShape(shape)} is too large to load into one array.");
        return new Entry(name, dtype, Array.ConvertAll(shape, d => (int)d), begin, end);
    }

    // The tensors must cover the data area exactly: no overlap (two tensors sharing bytes), no gap and no trailing
    // bytes (data nobody accounts for, a sign of a corrupt or tampered file). Without a known length (a stream that
    // cannot seek) the end is checked after the last tensor is read. Returns the length the tensors cover.
    private static long CheckTiling(List<Entry> sorted, long? dataLength)
    {
        long covered = 0;
        Entry? previous = null;
        foreach (var entry in sorted)
        {
            if (entry.Begin < covered)
                throw new InvalidDataException(
                    $"Tensor '{entry.Name}' (bytes [{entry.Begin}, {entry.End})) overlaps tensor '{previous!.Name}' (bytes [{previous.Begin}, {previous.End})).");
            if (entry.Begin > covered)
                throw new InvalidDataException(
                    $"Bytes [{covered}, {entry.Begin}) before tensor '{entry.Name}' belong to no tensor.");
            covered = entry.End;
            previous = entry;
        }
        if (dataLength is { } length && covered != length)
            throw TrailingGarbage(length - covered, previous);
        return covered;
    }

    private static InvalidDataException TrailingGarbage(long? bytes, Entry? last) => new(
        (bytes is { } n ? $"The last {n} bytes of the data area " : "The bytes at the end of the data area ") +
        (last is null ? "" : $"(after tensor '{last.Name}') ") + "belong to no tensor: trailing garbage.");

    // Tensors are read in the order of their data, which tiles the data area, so the stream is read front to back.
    private static void ReadData(Stream stream, Entry entry, Span<float> destination)
    {
        if (entry.Dtype == F32)
        {
            // The byte view of a span must stay under 2 GB.
            const int ChunkFloats = 1 << 28;
            for (int done = 0; done < destination.Length; done += ChunkFloats)
            {
                var part = MemoryMarshal.AsBytes(destination.Slice(done, Math.Min(ChunkFloats, destination.Length - done)));
                if (IoHelpers.ReadUpTo(stream, part) < part.Length) throw Truncated(entry);
            }
            return;
        }
        Span<byte> counts = stackalloc byte[512 * sizeof(long)];
        for (int done = 0; done < destination.Length; done += 512)
        {
            int n = Math.Min(512, destination.Length - done);
            var part = counts[..(n * sizeof(long))];
            if (IoHelpers.ReadUpTo(stream, part) < part.Length) throw Truncated(entry);
            for (int i = 0; i < n; i++) destination[done + i] = BinaryPrimitives.ReadInt64LittleEndian(part[(i * sizeof(long))..]);
        }
    }

    private static float[] ReadTensor(Stream stream, Entry entry)
    {
        // From a stream that cannot seek the header's sizes are unchecked claims, so the array grows as data arrives
        // rather than trusting them up front.
        var data = new float[stream.CanSeek ? entry.Elements : Math.Min(entry.Elements, 1 << 18)];
        int filled = 0;
        while (true)
        {
            ReadData(stream, entry, data.AsSpan(filled));
            filled = data.Length;
            if (filled == entry.Elements) return data;
            Array.Resize(ref data, (int)Math.Min(entry.Elements, 2L * data.Length));
        }
    }

    private static InvalidDataException Truncated(Entry entry) => new(
        $"The data of tensor '{entry.Name}' (data_offsets [{entry.Begin}, {entry.End}]) ends early: the file is truncated, or changed while it was read.");

    // The tiling check covered a stream of known length; one that cannot seek must end right after the last tensor.
    private static void CheckEnd(Stream stream, Header header)
    {
        if (!header.LengthKnown && stream.ReadByte() != -1)
            throw TrailingGarbage(null, header.Entries.Count > 0 ? header.Entries[^1] : null);
    }

    // Validates the network's own tensor table, so a broken hand-written INetwork fails clearly instead of writing
    // or reading the wrong floats. Layer order, each layer's parameters before its buffers.
    private static List<Stored> NetworkTensors(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var tensors = new List<Stored>();
        var names = new HashSet<string>();
        foreach (var layer in network.Layers)
        {
            foreach (var tensor in layer.Tensors) tensors.Add(Check(tensor, network.Parameters, "parameters"));
            foreach (var tensor in layer.BufferTensors) tensors.Add(Check(tensor, network.Buffers, "buffers"));
        }
        return tensors;

        Stored Check(ParameterTensor tensor, float[] source, string what)
        {
            if (tensor.Name == MetadataKey || !names.Add(tensor.Name))
                throw new ArgumentException($"The network has a duplicate or reserved tensor name '{tensor.Name}'.", nameof(network));
            long elements = 1;
            foreach (int d in tensor.Dimensions) elements *= d;
            if (elements != tensor.Length || tensor.Offset < 0 || (long)tensor.Offset + tensor.Length > source.Length)
                throw new ArgumentException(
                    $"Tensor '{tensor.Name}' (shape {IoHelpers.FormatShape(tensor.Dimensions)}, offset {tensor.Offset}, length {tensor.Length}) " +
                    $"does not fit the network's {source.Length} {what}.", nameof(network));
            return new Stored(tensor, source);
        }
    }

    // A count is written as an integer, so one that is not a whole number (Buffers edited by hand, or NaN) would be
    // changed by the save: refused before anything is written.
    private static void CheckCounts(List<Stored> tensors)
    {
        foreach (var (tensor, source) in tensors)
        {
            if (!tensor.IsCount) continue;
            foreach (float value in source.AsSpan(tensor.Offset, tensor.Length))
            {
                if (!IsCount(value))
                    throw new ArgumentException(
                        $"Buffer '{tensor.Name}' holds {value}, which is not a count (a whole number from 0 to 2^63) that can be saved as I64.", "network");
            }
        }
    }

    // A whole number from 0 to 2^63 (exclusive), which is what an I64 count can hold exactly as a float.
    private static bool IsCount(float value) => value >= 0 && value < (float)long.MaxValue && value == MathF.Floor(value);

    // The data is copied between file and floats byte for byte, which is only right on a little-endian machine
    // (every platform .NET supports today).
    private static void CheckLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Safetensors I/O is implemented for little-endian machines only.");
    }

    private static bool SameShape(int[] file, IReadOnlyList<int> network)
    {
        if (file.Length != network.Count) return false;
        for (int i = 0; i < file.Length; i++)
        {
            if (file[i] != network[i]) return false;
        }
        return true;
    }
}
