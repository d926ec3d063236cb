using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace ConvNet;

/// <summary>
/// The state of a training run, saved so that the run can stop and go on later with exactly the same results: the
/// network's weights and buffers (batch norm running statistics), the optimizer's buffers and step count (which is also the position of its
/// <see cref="Optimizer.Schedule"/>), and optionally a random generator's state (shuffling, augmentation).
/// </summary>
/// <remarks>
/// <para>
/// One safetensors file, written to a temporary file and renamed, so a crash mid-save leaves the previous checkpoint:
/// the network's parameters and buffers under their own names (as <see cref="SafeTensors.Save(INetwork, string)"/> writes them), each
/// optimizer buffer as a one-dimensional tensor <c>optimizer/NAME</c> (<c>optimizer/exp_avg</c>, ...; the <c>/</c> cannot
/// occur in a layer name), and in <c>__metadata__</c> the strings <c>convnet.format</c> (<c>checkpoint/1</c>),
/// <c>convnet.optimizer</c> (the optimizer's <see cref="Optimizer.ToString"/>, schedule included), <c>convnet.steps</c>,
/// <c>convnet.rng</c> (when a generator was given), <c>convnet.dropout</c> (the dropout masks' generator of an
/// <see cref="IDropoutNetwork"/>) and the caller's own entries. The weights load on their own with
/// <c>SafeTensors.Load(network, path, ignoreExtraTensors: true)</c>, and in Python with <c>safetensors.torch.load_file</c>.
/// </para>
/// <para>
/// Resuming gives the same bits as never stopping when the run is set up the same way: the same network, optimizer
/// settings and schedule (checked: a different <c>convnet.optimizer</c> is rejected), the same data order drawn from the
/// restored generator, and the same <see cref="INetwork.MaxDegreeOfParallelism"/> (batch gradients are summed per worker).
/// </para>
/// </remarks>
public sealed class Checkpoint
{
    /// <summary>The <c>convnet.format</c> value of files this version writes and reads.</summary>
    public const string Format = "checkpoint/1";

    private const string Prefix = "convnet.";
    private const string FormatKey = Prefix + "format", OptimizerKey = Prefix + "optimizer", StepsKey = Prefix + "steps", RngKey = Prefix + "rng",
        DropoutKey = Prefix + "dropout";
    private const string StatePrefix = "optimizer/";

    /// <summary>Binds the parts of a run that <see cref="Save(string, IReadOnlyDictionary{string, string}?)"/> writes and <see cref="Load(string)"/> restores.</summary>
    /// <param name="network">The network being trained.</param>
    /// <param name="optimizer">Its optimizer, for <paramref name="network"/>'s parameter count.</param>
    /// <param name="rng">A generator whose state belongs to the run (data order, augmentation), or null.</param>
    /// <exception cref="ArgumentException">The optimizer is for another number of parameters, or a buffer of its <see cref="Optimizer.State"/> has the wrong length.</exception>
    /// <exception cref="NotSupportedException">The network has dropout but is no <see cref="IDropoutNetwork"/>, so the
    /// state of its masks' generator cannot be saved.</exception>
    public Checkpoint(INetwork network, Optimizer optimizer, Rng? rng = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        Guard.Length(optimizer.ParameterCount, network.Parameters.Length, nameof(optimizer));
        foreach (var (name, buffer) in optimizer.State)
        {
            if (buffer.Length != optimizer.ParameterCount)
                throw new ArgumentException($"Optimizer buffer '{name}' has {buffer.Length} floats, not {optimizer.ParameterCount}.", nameof(optimizer));
        }
        foreach (var layer in network.Layers)
        {
            // Without the masks' generator's state a resumed run would draw other masks: refusing beats resuming into
            // results that quietly differ.
            if (layer.IsStochastic && network is not IDropoutNetwork)
                throw new NotSupportedException(
                    $"The network has dropout ('{layer.Name}') but does not implement {nameof(IDropoutNetwork)}, so its masks' generator's state cannot be saved.");
            foreach (var tensor in layer.Tensors)
            {
                if (tensor.Name.StartsWith(StatePrefix, StringComparison.Ordinal))
                    throw new ArgumentException($"Tensor name '{tensor.Name}' is reserved for optimizer state in checkpoints.", nameof(network));
            }
        }
        Network = network;
        Optimizer = optimizer;
        Rng = rng;
    }

    /// <summary>The network whose weights are saved and restored.</summary>
    public INetwork Network { get; }
    /// <summary>The optimizer whose buffers and step count are saved and restored.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>The generator whose state is saved and restored, or null.</summary>
    public Rng? Rng { get; }

    /// <summary>Writes the run's state to <paramref name="path"/>, replacing the file in one step (never half-written).</summary>
    /// <param name="path">The file to write, conventionally <c>*.safetensors</c>.</param>
    /// <param name="metadata">The caller's own strings to keep with it (an epoch number, a history); keys must not start with <c>convnet.</c>.</param>
    /// <exception cref="ArgumentException">A metadata key starts with <c>convnet.</c>, a key or value is not valid UTF-16
    /// (a lone surrogate, which UTF-8 cannot carry), or the header would exceed <see cref="SafeTensors.MaxHeaderLength"/>;
    /// nothing is written.</exception>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = Prepare(metadata);
        IoHelpers.WriteAtomically(path, file.WriteTo);
    }

    /// <summary>Writes the run's state to <paramref name="stream"/>; see <see cref="Save(string, IReadOnlyDictionary{string, string}?)"/>.</summary>
    public void Save(Stream stream, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Prepare(metadata).WriteTo(stream);
    }

    /// <summary>
    /// Restores the run's state from the checkpoint at <paramref name="path"/>: weights and buffers, optimizer buffers and step count,
    /// and the generator's state. Everything is checked before anything changes; on failure nothing does.
    /// </summary>
    /// <returns>The caller's own metadata saved with it.</returns>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is malformed, does not fit the network, was made
    /// by an optimizer with other settings or schedule, has no generator state while a generator was given (or no dropout
    /// state for an <see cref="IDropoutNetwork"/>), or holds a step count above <see cref="Optimizer.MaxSteps"/>.</exception>
    public IReadOnlyDictionary<string, string> Load(string path)
    {
        using var file = IoHelpers.OpenRead(path);
        return Load(file);
    }

    /// <summary>Restores the run's state from a checkpoint starting at the stream's position; see <see cref="Load(string)"/>.</summary>
    public IReadOnlyDictionary<string, string> Load(Stream stream)
    {
        var state = Optimizer.State;
        var stateLengths = new Dictionary<string, int>();
        foreach (var (name, buffer) in state) stateLengths[StatePrefix + name] = buffer.Length;
        long steps = 0;
        ulong rngState = 0, dropoutState = 0;
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        // The metadata is checked as soon as the header is read, so a file that is no checkpoint, or one made by another
        // optimizer, is reported as that rather than as a missing tensor.
        var staged = SafeTensors.Stage(Network, stream, stateLengths, ignoreOtherTensors: false, saved =>
        {
            metadata = saved;
            string format = saved.GetValueOrDefault(FormatKey) ?? throw new InvalidDataException(
                $"The file is not a ConvNet checkpoint (it has no '{FormatKey}' metadata); a weights file loads with SafeTensors.Load.");
            if (format != Format)
                throw new InvalidDataException($"The checkpoint's format is '{format}'; this version reads '{Format}'.");
            string made = Required(saved, OptimizerKey), current = Optimizer.ToString();
            if (made != current)
                throw new InvalidDataException(
                    $"The checkpoint was made with {made}, but the optimizer is {current}: resuming exactly needs the same optimizer, settings and schedule.");
            if (!long.TryParse(Required(saved, StepsKey), NumberStyles.None, CultureInfo.InvariantCulture, out steps) || steps > Optimizer.MaxSteps)
                throw new InvalidDataException($"'{StepsKey}' is '{saved[StepsKey]}', not a step count from 0 to {Optimizer.MaxSteps}.");
            if (Rng is not null) rngState = GeneratorState(saved, RngKey);
            if (Network is IDropoutNetwork) dropoutState = GeneratorState(saved, DropoutKey);
        });

        // Everything is read and checked: only now does the run's state change.
        staged.Parameters.CopyTo(Network.Parameters);
        staged.Buffers.CopyTo(Network.Buffers);
        foreach (var (name, buffer) in state) staged.Extra[StatePrefix + name].CopyTo(buffer, 0);
        Optimizer.Steps = steps;
        if (Rng is not null) Rng.State = rngState;
        if (Network is IDropoutNetwork dropout) dropout.DropoutState = dropoutState;

        var own = new Dictionary<string, string>();
        foreach (var (key, value) in metadata)
        {
            if (!key.StartsWith(Prefix, StringComparison.Ordinal)) own[key] = value;
        }
        return own;
    }

    private static ulong GeneratorState(IReadOnlyDictionary<string, string> metadata, string key) =>
        ulong.TryParse(Required(metadata, key), NumberStyles.None, CultureInfo.InvariantCulture, out ulong state)
            ? state
            : throw new InvalidDataException($"'{key}' is '{metadata[key]}', not a generator state.");

    private static string Required(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.GetValueOrDefault(key) ?? throw new InvalidDataException($"The checkpoint has no '{key}' metadata.");

    // Checked and laid out before any file is touched.
    private SafeTensors.Prepared Prepare(IReadOnlyDictionary<string, string>? metadata)
    {
        // Sorted, so the same state always gives the same bytes.
        var header = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(Prefix, StringComparison.Ordinal))
                throw new ArgumentException($"Metadata key '{key}' is reserved: keys starting with '{Prefix}' belong to ConvNet.", nameof(metadata));
            header[key] = value ?? throw new ArgumentException($"Metadata '{key}' is null.", nameof(metadata));
            // The file holds UTF-8, which has no code for half a surrogate pair: the writer would put U+FFFD in its place.
            foreach (var (what, text) in new[] { ("key", key), ("value", value) })
            {
                if (LoneSurrogate(text) is { } at)
                    throw new ArgumentException(
                        $"The {what} of metadata '{key}' has a lone surrogate (U+{(int)text[at]:X4}) at index {at}: it is not valid UTF-16 and cannot be saved as UTF-8.",
                        nameof(metadata));
            }
        }
        header[FormatKey] = Format;
        header[OptimizerKey] = Optimizer.ToString();
        header[StepsKey] = Optimizer.Steps.ToString(CultureInfo.InvariantCulture);
        if (Rng is not null) header[RngKey] = Rng.State.ToString(CultureInfo.InvariantCulture);
        if (Network is IDropoutNetwork dropout) header[DropoutKey] = dropout.DropoutState.ToString(CultureInfo.InvariantCulture);

        var extra = new List<SafeTensors.ExtraTensor>();
        foreach (var (name, buffer) in Optimizer.State) extra.Add(new SafeTensors.ExtraTensor(StatePrefix + name, buffer));
        return SafeTensors.Prepare(Network, extra, header);
    }

    // The index of the first surrogate that is not half of a pair, or null.
    private static int? LoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return i;
        }
        return null;
    }
}
