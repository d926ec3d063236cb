using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ConvNet;

/// <summary>One float32 tensor read from a safetensors file.</summary>
/// <param name="Shape">The tensor's dimensions as stored in the file.</param>
/// <param name="Data">Its elements, row-major.</param>
public sealed record SafeTensor(IReadOnlyList<int> Shape, float[] Data);

/// <summary>
/// Reads and writes network weights in the safetensors format (https://github.com/huggingface/safetensors), so they
/// load in PyTorch with <c>safetensors.torch.load_file</c> and back.
/// </summary>
/// <remarks>
/// Layout: an 8-byte little-endian header length N; N bytes of JSON mapping each tensor name to
/// <c>{"dtype":"F32","shape":[...],"data_offsets":[begin,end]}</c> (plus an optional <c>"__metadata__"</c> object of
/// strings); then the raw little-endian data, offsets counted from its start. Only F32 tensors are supported.
/// Every malformed or mismatching file is rejected with an <see cref="InvalidDataException"/> naming the tensor
/// at fault, and a failed load leaves <see cref="INetwork.Parameters"/> untouched.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest JSON header accepted, as in the reference implementation; guards against a corrupt length.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes every parameter tensor of <paramref name="network"/> to <paramref name="path"/>, in layer order. The file
    /// is written under a temporary name in the same directory and then renamed over <paramref name="path"/>, so an
    /// interrupted save never leaves a half-written file behind.
    /// </summary>
    public static void Save(INetwork network, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // The network is checked before any file is touched.
        NetworkTensors(network);
        IoHelpers.WriteAtomically(path, file => Save(network, file));
    }

    /// <summary>Writes every parameter tensor of <paramref name="network"/> to <paramref name="stream"/>, in layer order.</summary>
    public static void Save(INetwork network, Stream stream) => Write(network, stream, [], null);

    // A tensor stored next to the network's own (a checkpoint's optimizer state): one dimension, all of Data.
    internal sealed record ExtraTensor(string Name, float[] Data);

    // The network's tensors, then the extra ones, and the metadata as "__metadata__".
    internal static void Write(INetwork network, Stream stream, IReadOnlyList<ExtraTensor> extra, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckLittleEndian();
        var tensors = NetworkTensors(network);
        foreach (var tensor in extra)
            tensors.Add(new ParameterTensor(tensor.Name, [tensor.Data.Length], 0, tensor.Data.Length));

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
            foreach (var tensor in tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in tensor.Dimensions) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += 4L * tensor.Length;
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
        int own = tensors.Count - extra.Count;
        for (int i = 0; i < own; i++)
            stream.Write(MemoryMarshal.AsBytes(network.Parameters.AsSpan(tensors[i].Offset, tensors[i].Length)));
        foreach (var tensor in extra)
            stream.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
    }

    /// <summary>Loads <paramref name="network"/>'s parameters from the safetensors file at <paramref name="path"/>.</summary>
    /// <param name="network">The network whose <see cref="INetwork.Parameters"/> receive the weights.</param>
    /// <param name="path">The file to read.</param>
    /// <param name="ignoreExtraTensors">Skip tensors the network does not have instead of rejecting the file.</param>
    /// <exception cref="InvalidDataException">The file is malformed or does not match the network; parameters are unchanged.</exception>
    public static void Load(INetwork network, string path, bool ignoreExtraTensors = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Load(network, file, ignoreExtraTensors);
    }

    /// <summary>Loads <paramref name="network"/>'s parameters from a safetensors file starting at the stream's position.</summary>
    /// <param name="network">The network whose <see cref="INetwork.Parameters"/> receive the weights.</param>
    /// <param name="stream">The stream to read; read to its end.</param>
    /// <param name="ignoreExtraTensors">Skip tensors the network does not have instead of rejecting the file.</param>
    /// <exception cref="InvalidDataException">The file is malformed or does not match the network; parameters are unchanged.</exception>
    public static void Load(INetwork network, Stream stream, bool ignoreExtraTensors = false)
    {
        var file = Open(stream);
        StageNetwork(network, file, _ => ignoreExtraTensors).CopyTo(network.Parameters);
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

        // Checks that the tensor exists with this shape, before anything is read.
        public void Check(string name, IReadOnlyList<int> shape)
        {
            if (!_entries.TryGetValue(name, out var entry))
                throw new InvalidDataException($"The file has no tensor '{name}' (expected shape {IoHelpers.FormatShape(shape)}).");
            if (!SameShape(entry.Shape, shape))
                throw new InvalidDataException(
                    $"Tensor '{name}' has shape {IoHelpers.FormatShape(entry.Shape)} in the file, but {IoHelpers.FormatShape(shape)} is expected.");
        }

        public void Read(string name, Span<float> destination) => ReadData(source, header, _entries[name], destination);
    }

    internal static Contents Open(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckLittleEndian();
        var source = IoHelpers.Seekable(stream);
        return new Contents(source, ReadHeader(source));
    }

    // Reads the network's tensors from the file into a copy of its parameters, so a failure part-way leaves the network
    // as it was; a tensor the network does not have is an error unless isOther accepts its name.
    internal static float[] StageNetwork(INetwork network, Contents file, Func<string, bool> isOther)
    {
        var tensors = NetworkTensors(network);
        var expected = new HashSet<string>();
        foreach (var tensor in tensors)
        {
            expected.Add(tensor.Name);
            file.Check(tensor.Name, tensor.Dimensions);
        }
        foreach (var entry in file.Entries)
        {
            if (!expected.Contains(entry.Name) && !isOther(entry.Name))
                throw new InvalidDataException(
                    $"The file has tensor '{entry.Name}' (shape {IoHelpers.FormatShape(entry.Shape)}), which the network does not have.");
        }
        var staged = (float[])network.Parameters.Clone();
        foreach (var tensor in tensors)
            file.Read(tensor.Name, staged.AsSpan(tensor.Offset, tensor.Length));
        return staged;
    }

    /// <summary>Reads every tensor of the safetensors file at <paramref name="path"/>, for tools that inspect or convert weights.</summary>
    /// <returns>Tensors by name, in the order of their data in the file.</returns>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static IReadOnlyDictionary<string, SafeTensor> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(file);
    }

    /// <summary>Reads every tensor of a safetensors file starting at the stream's position.</summary>
    /// <returns>Tensors by name, in the order of their data in the file.</returns>
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
    internal sealed record Entry(string Name, int[] Shape, long Begin, long End)
    {
        public int Elements => (int)((End - Begin) / sizeof(float));
    }

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
        if (dtype.GetString() != "F32")
            throw new InvalidDataException($"Tensor '{name}' has dtype '{dtype.GetString()}'; only F32 is supported.");

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
        double bytes = sizeof(float);
        foreach (long d in shape) bytes *= d;
        if (bytes != end - begin)
            throw new InvalidDataException(
                $"Tensor '{name}' of shape {IoHelpers.FormatShape(shape)} needs {bytes} bytes, but its data_offsets [{begin}, {end}] span {end - begin}.");
        if ((end - begin) / sizeof(float) > Array.MaxLength)
            throw new InvalidDataException($"Tensor '{name}' of shape {IoHelpers.FormatShape(shape)} is too large to load into one array.");
        return new Entry(name, Array.ConvertAll(shape, d => (int)d), begin, end);
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
        stream.ReadExactly(MemoryMarshal.AsBytes(destination));
    }

    // Validates the network's own tensor table, so a broken hand-written INetwork fails clearly instead of writing
    // or reading the wrong floats.
    private static List<ParameterTensor> NetworkTensors(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var tensors = new List<ParameterTensor>();
        var names = new HashSet<string>();
        foreach (var layer in network.Layers)
        {
            foreach (var tensor in layer.Tensors)
            {
                if (tensor.Name == MetadataKey || !names.Add(tensor.Name))
                    throw new ArgumentException($"The network has a duplicate or reserved tensor name '{tensor.Name}'.", nameof(network));
                long elements = 1;
                foreach (int d in tensor.Dimensions) elements *= d;
                if (elements != tensor.Length || tensor.Offset < 0 || (long)tensor.Offset + tensor.Length > network.Parameters.Length)
                    throw new ArgumentException(
                        $"Tensor '{tensor.Name}' (shape {IoHelpers.FormatShape(tensor.Dimensions)}, offset {tensor.Offset}, length {tensor.Length}) " +
                        $"does not fit the network's {network.Parameters.Length} parameters.", nameof(network));
                tensors.Add(tensor);
            }
        }
        return tensors;
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
