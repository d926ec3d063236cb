using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
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
/// strings); then the raw little-endian data, offsets counted from its start. Only F32 tensors are supported, and I64
/// for the counts PyTorch keeps as 64-bit integers.
/// <para>A file holds the network's parameters (<see cref="LayerInfo.Tensors"/>) and its buffers
/// (<see cref="LayerInfo.BufferTensors"/>: a batch norm layer's <c>running_mean</c> and <c>running_var</c> as F32, and
/// its <c>num_batches_tracked</c> as an I64 scalar of shape [], as PyTorch writes it), all under PyTorch's names, so a
/// <c>state_dict</c> of the same architecture saved with <c>safetensors.torch.save_file</c> loads unchanged and the
/// reverse.</para>
/// Every malformed or mismatching file is rejected with an <see cref="InvalidDataException"/> naming the tensor
/// at fault, and a failed load leaves <see cref="INetwork.Parameters"/> and <see cref="INetwork.Buffers"/> untouched.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest JSON header accepted, as in the reference implementation; guards against a corrupt length.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";
    private const string F32 = "F32";
    private const string I64 = "I64";

    /// <summary>
    /// Writes every parameter and buffer tensor of <paramref name="network"/> to <paramref name="path"/>, laid out as
    /// <see cref="Save(INetwork, Stream)"/> says. The file
    /// is written under a temporary name in the same directory and then renamed over <paramref name="path"/>, so an
    /// interrupted save never leaves a half-written file behind.
    /// </summary>
    /// <exception cref="ArgumentException">A batch norm count in <see cref="INetwork.Buffers"/> is not a whole number
    /// from 0 to 2^63; nothing is written.</exception>
    public static void Save(INetwork network, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckCounts(NetworkTensors(network));
        IoHelpers.WriteAtomically(path, file => Save(network, file));
    }

    /// <summary>Writes every parameter and buffer tensor of <paramref name="network"/> to <paramref name="stream"/>: first
    /// the batch norm counts (<c>num_batches_tracked</c>, I64), then the F32 tensors in layer order, each layer's
    /// parameters before its buffers.</summary>
    /// <remarks>The counts come first so that each starts 8-byte aligned (the data area does): PyTorch views a tensor's
    /// bytes in place and refuses an int64 at an offset that is not a multiple of 8, which is also why
    /// <c>safetensors.torch.save_file</c> orders tensors by dtype.</remarks>
    /// <exception cref="ArgumentException">A batch norm count in <see cref="INetwork.Buffers"/> is not a whole number
    /// from 0 to 2^63; nothing is written.</exception>
    public static void Save(INetwork network, Stream stream) => Write(network, stream, [], null);

    // A tensor stored after the network's own (a checkpoint's optimizer state): F32, one dimension, all of Data.
    internal sealed record ExtraTensor(string Name, float[] Data);

    // The network's tensors as Save lays them out, then the extra ones, and the metadata as "__metadata__".
    internal static void Write(INetwork network, Stream stream, IReadOnlyList<ExtraTensor> extra, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
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
                offset += ElementBytes(stored.Dtype) * (long)stored.Tensor.Length;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        // Spaces pad the header to a multiple of 8 so the data starts aligned, as the reference writer does.
        int padding = (8 - json.WrittenCount % 8) % 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(json.WrittenCount + padding));
        stream.Write(prefix);
        stream.Write(json.WrittenSpan);
        for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
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

    /// <summary>Loads <paramref name="network"/>'s parameters and buffers from the safetensors file at <paramref name="path"/>,
    /// as <see cref="Load(INetwork, Stream, bool)"/> does.</summary>
    /// <param name="network">The network whose <see cref="INetwork.Parameters"/> and <see cref="INetwork.Buffers"/> receive the tensors.</param>
    /// <param name="path">The file to read.</param>
    /// <param name="ignoreExtraTensors">Skip tensors the network does not have instead of rejecting the file.</param>
    /// <exception cref="InvalidDataException">The file is malformed or does not match the network; parameters and buffers are unchanged.</exception>
    public static void Load(INetwork network, string path, bool ignoreExtraTensors = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
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
    /// <param name="ignoreExtraTensors">Skip tensors the network does not have instead of rejecting the file.</param>
    /// <exception cref="InvalidDataException">The file is malformed or does not match the network; parameters and buffers are unchanged.</exception>
    public static void Load(INetwork network, Stream stream, bool ignoreExtraTensors = false)
    {
        var (parameters, buffers) = StageNetwork(network, Open(stream), _ => ignoreExtraTensors);
        parameters.CopyTo(network.Parameters);
        buffers.CopyTo(network.Buffers);
    }

    /// <summary>Reads the <c>"__metadata__"</c> strings of the safetensors file at <paramref name="path"/> (empty when it has none).</summary>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Open(file).Metadata;
    }

    // A parsed file: its metadata, and its tensors to read from the stream by name.
    internal sealed class Contents(Stream source, Header header)
    {
        private readonly Dictionary<string, Entry> _entries = header.Entries.ToDictionary(e => e.Name);

        public IReadOnlyDictionary<string, string> Metadata => header.Metadata;

        public IEnumerable<Entry> Entries => header.Entries;

        public bool TryGet(string name, [NotNullWhen(true)] out Entry? entry) => _entries.TryGetValue(name, out entry);

        // Checks that an F32 tensor exists with this shape, before anything is read.
        public void CheckF32(string name, IReadOnlyList<int> shape)
        {
            if (!_entries.TryGetValue(name, out var entry))
                throw new InvalidDataException($"The file has no tensor '{name}' (expected shape {IoHelpers.FormatShape(shape)}).");
            if (entry.Dtype != F32)
                throw new InvalidDataException($"Tensor '{name}' has dtype '{entry.Dtype}' in the file, but {F32} is expected.");
            if (!SameShape(entry.Shape, shape))
                throw new InvalidDataException(
                    $"Tensor '{name}' has shape {IoHelpers.FormatShape(entry.Shape)} in the file, but {IoHelpers.FormatShape(shape)} is expected.");
        }

        public void Read(Entry entry, Span<float> destination) => ReadData(source, header, entry, destination);

        public void Read(string name, Span<float> destination) => ReadData(source, header, _entries[name], destination);
    }

    internal static Contents Open(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckLittleEndian();
        var source = IoHelpers.Seekable(stream);
        return new Contents(source, ReadHeader(source));
    }

    // Reads the network's tensors from the file into copies of its parameters and buffers, so a failure part-way leaves
    // the network as it was; a tensor the network does not have is an error unless isOther accepts its name.
    internal static (float[] Parameters, float[] Buffers) StageNetwork(INetwork network, Contents file, Func<string, bool> isOther)
    {
        var tensors = NetworkTensors(network);
        var expected = new HashSet<string>();
        foreach (var (tensor, _) in tensors)
        {
            expected.Add(tensor.Name);
            if (!file.TryGet(tensor.Name, out var entry))
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
        foreach (var entry in file.Entries)
        {
            if (!expected.Contains(entry.Name) && !isOther(entry.Name))
                throw new InvalidDataException(
                    $"The file has tensor '{entry.Name}' (shape {IoHelpers.FormatShape(entry.Shape)}), which the network does not have.");
        }

        var parameters = (float[])network.Parameters.Clone();
        var buffers = (float[])network.Buffers.Clone();
        foreach (var (tensor, array) in tensors)
        {
            if (file.TryGet(tensor.Name, out var entry))
                file.Read(entry, (array == network.Parameters ? parameters : buffers).AsSpan(tensor.Offset, tensor.Length));
        }
        return (parameters, buffers);
    }

    /// <summary>Reads every tensor of the safetensors file at <paramref name="path"/>, for tools that inspect or convert weights.</summary>
    /// <returns>Tensors by name, in the order of their data in the file; I64 tensors converted to float.</returns>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static IReadOnlyDictionary<string, SafeTensor> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(file);
    }

    /// <summary>Reads every tensor of a safetensors file starting at the stream's position.</summary>
    /// <returns>Tensors by name, in the order of their data in the file; I64 tensors converted to float.</returns>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static IReadOnlyDictionary<string, SafeTensor> Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckLittleEndian();
        var source = IoHelpers.Seekable(stream);
        var header = ReadHeader(source);
        var tensors = new OrderedDictionary<string, SafeTensor>();
        foreach (var entry in header.Entries)
        {
            var data = new float[entry.Elements];
            ReadData(source, header, entry, data);
            tensors.Add(entry.Name, new SafeTensor(entry.Shape, data));
        }
        return tensors;
    }

    // One tensor as the header describes it; offsets are relative to the start of the data area.
    internal sealed record Entry(string Name, string Dtype, int[] Shape, long Begin, long End)
    {
        public int Elements => (int)((End - Begin) / ElementBytes(Dtype));
    }

    // A tensor of the network and the array it lives in: Parameters, or Buffers for LayerInfo.BufferTensors.
    private readonly record struct Stored(ParameterTensor Tensor, float[] Source)
    {
        public string Dtype => Tensor.IsCount ? I64 : F32;
    }

    private static int ElementBytes(string dtype) => dtype == I64 ? sizeof(long) : sizeof(float);

    // Entries sorted by offset, already checked to tile the data area exactly.
    internal sealed record Header(List<Entry> Entries, long DataStart, IReadOnlyDictionary<string, string> Metadata);

    private static Header ReadHeader(Stream stream)
    {
        long available = stream.Length - stream.Position;
        if (available < 8)
            throw new InvalidDataException($"The file is {available} bytes long, too short for the 8-byte header length.");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength < 2)
            throw new InvalidDataException($"The header length {headerLength} is too small to hold a JSON object.");
        if (headerLength > MaxHeaderLength)
            throw new InvalidDataException(
                $"The header length {headerLength} exceeds the {MaxHeaderLength}-byte limit: the file is corrupt or not a safetensors file.");
        if ((long)headerLength > available - 8)
            throw new InvalidDataException(
                $"The header length {headerLength} runs past the end of the file ({available - 8} bytes follow it): the file is truncated or corrupt.");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = stream.Position;
        long dataLength = available - 8 - (long)headerLength;

        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"The header must be a JSON object, not {document.RootElement.ValueKind}.");
            var names = new HashSet<string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new InvalidDataException($"Tensor '{property.Name}' appears twice in the header.");
                if (property.Name == MetadataKey)
                    ReadMetadata(property.Value, metadata);
                else
                    entries.Add(ParseEntry(property.Name, property.Value, dataLength));
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The header is not valid JSON: {e.Message}", e);
        }

        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        CheckTiling(entries, dataLength);
        return new Header(entries, dataStart, metadata);
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"'{MetadataKey}' must be a JSON object whose values are all strings.");
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"'{MetadataKey}' must be a JSON object whose values are all strings; '{item.Name}' is {item.Value.ValueKind}.");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static Entry ParseEntry(string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"Tensor '{name}': expected an object with dtype, shape and data_offsets, found {value.ValueKind}.");
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"Tensor '{name}' has no dtype string.");
        string type = dtype.GetString()!;
        if (type is not (F32 or I64))
            throw new InvalidDataException($"Tensor '{name}' has dtype '{type}'; only F32 is supported (and I64 for batch norm counts).");

        var shape = ReadIntegers(name, value, "shape", int.MaxValue);
        var offsets = ReadIntegers(name, value, "data_offsets", long.MaxValue);
        if (offsets.Length != 2)
            throw new InvalidDataException($"Tensor '{name}' has {offsets.Length} data_offsets; expected [begin, end].");
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
            throw new InvalidDataException($"Tensor '{name}' has data_offsets [{begin}, {end}]: begin is after end.");
        if (end > dataLength)
            throw new InvalidDataException(
                $"Tensor '{name}' has data_offsets [{begin}, {end}] beyond the {dataLength}-byte data area: the file is truncated or corrupt.");
        // In double the product cannot overflow, and it is exact wherever it could equal a real file's byte count
        // (below 2^53), so the comparison is exact.
        double bytes = ElementBytes(type);
        foreach (long d in shape) bytes *= d;
        if (bytes != end - begin)
            throw new InvalidDataException(
                $"Tensor '{name}' of shape {IoHelpers.FormatShape(shape)} needs {bytes} bytes, but its data_offsets [{begin}, {end}] span {end - begin}.");
        if ((end - begin) / ElementBytes(type) > Array.MaxLength)
            throw new InvalidDataException($"Tensor '{name}' of shape {IoHelpers.FormatShape(shape)} is too large to load into one array.");
        return new Entry(name, type, Array.ConvertAll(shape, d => (int)d), begin, end);
    }

    private static long[] ReadIntegers(string tensor, JsonElement value, string key, long max)
    {
        if (!value.TryGetProperty(key, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"Tensor '{tensor}' has no {key} array.");
        var result = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long number) || number < 0 || number > max)
                throw new InvalidDataException($"Tensor '{tensor}' has {key} entry {item.GetRawText()}; expected an integer in [0, {max}].");
            result[i++] = number;
        }
        return result;
    }

    // The tensors must cover the data area exactly: no overlap (two tensors sharing bytes), no gap and no trailing
    // bytes (data nobody accounts for, a sign of a corrupt or tampered file).
    private static void CheckTiling(List<Entry> sorted, long dataLength)
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
        if (covered != dataLength)
            throw new InvalidDataException(
                $"The last {dataLength - covered} bytes of the data area " +
                (previous is null ? "" : $"(after tensor '{previous.Name}') ") + "belong to no tensor: trailing garbage.");
    }

    private static void ReadData(Stream stream, Header header, Entry entry, Span<float> destination)
    {
        stream.Position = header.DataStart + entry.Begin;
        if (entry.Dtype == F32)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(destination));
            return;
        }
        var counts = new long[destination.Length];
        stream.ReadExactly(MemoryMarshal.AsBytes(counts.AsSpan()));
        for (int i = 0; i < counts.Length; i++) destination[i] = counts[i];
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
                if (!(value >= 0 && value < (float)long.MaxValue) || value != MathF.Floor(value))
                    throw new ArgumentException(
                        $"Buffer '{tensor.Name}' holds {value}, which is not a count (a whole number from 0 to 2^63) that can be saved as I64.", "network");
            }
        }
    }

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
