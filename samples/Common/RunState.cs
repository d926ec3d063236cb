using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ConvNet;

namespace Samples.Common;

/// <summary>
/// The sample's checkpoint: the library's <see cref="Checkpoint"/> (weights, optimizer state, schedule position, the
/// shuffling and augmentation generator) plus what the sample itself needs to go on: the options the run was started
/// with, so a resumed run cannot silently train another recipe, and the epochs done, for the table and the curves.
/// </summary>
/// <remarks>The sample's own metadata keys start with its name (<c>lenet.seed</c>, <c>resnet.history</c>), so one
/// sample's checkpoint is not taken for another's.</remarks>
public sealed class RunState
{
    /// <summary>The checkpoint's name in the output folder.</summary>
    public const string FileName = "checkpoint.safetensors";

    private readonly string _name;
    private readonly Checkpoint _checkpoint;

    /// <summary>The run state of sample <paramref name="sampleName"/> (the prefix of its metadata keys and of its
    /// weights file), kept in <paramref name="checkpoint"/>.</summary>
    public RunState(string sampleName, Checkpoint checkpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sampleName);
        ArgumentNullException.ThrowIfNull(checkpoint);
        _name = sampleName;
        _checkpoint = checkpoint;
    }

    private string HistoryKey => _name + ".history";
    private string ThreadsKey => _name + ".threads";

    /// <summary>Writes the checkpoint after the last epoch of <paramref name="history"/>, replacing the previous one in one step.</summary>
    public void Save(TrainingOptions options, IReadOnlyList<EpochResult> history, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(history);
        var metadata = Recipe(options);
        metadata[ThreadsKey] = Invariant(options.Threads);
        metadata[HistoryKey] = string.Join("\n", history.Select(h => string.Join(",",
            Invariant(h.Epoch), Invariant(h.TrainLoss), Invariant(h.EvalLoss), Invariant(h.EvalAccuracy), Invariant(h.Images),
            Invariant(h.TrainTime.Ticks))));
        _checkpoint.Save(path, metadata);
    }

    /// <summary>Restores a run from <paramref name="path"/> into the checkpoint's network, optimizer and generator, and
    /// returns the epochs it had done.</summary>
    /// <exception cref="UserException">The file is no checkpoint of this sample, or it was made with other options.</exception>
    public IReadOnlyList<EpochResult> Load(TrainingOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyDictionary<string, string> saved;
        try
        {
            saved = SafeTensors.ReadMetadata(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UserException($"--resume: cannot read '{path}': {e.Message}");
        }
        if (!saved.ContainsKey(HistoryKey))
            throw new UserException($"--resume: '{path}' is not a checkpoint of this sample ({_name}.safetensors holds the weights only; resume from {FileName}).");
        // Checked before the library compares the optimizer, so a mismatch is reported as the option that differs.
        foreach (var (key, value) in Recipe(options))
        {
            string was = saved.GetValueOrDefault(key) ?? "(none)";
            if (was != value)
                throw new UserException($"--resume: the checkpoint was made with --{key[(_name.Length + 1)..]} {was}, not {value}; run with the options it was made with.");
        }
        if (saved.GetValueOrDefault(ThreadsKey) != Invariant(options.Threads))
            Report.Note($"the checkpoint was made with --threads {saved.GetValueOrDefault(ThreadsKey)}: with another thread count the " +
                        "batch gradients are summed in another order, so the result will differ in the last bits from a run that never stopped.");
        try
        {
            _checkpoint.Load(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UserException($"--resume: cannot resume from '{path}': {e.Message}");
        }
        var history = new List<EpochResult>();
        foreach (string line in saved[HistoryKey].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(',');
            history.Add(new EpochResult(int.Parse(f[0], CultureInfo.InvariantCulture), float.Parse(f[1], CultureInfo.InvariantCulture),
                float.Parse(f[2], CultureInfo.InvariantCulture), float.Parse(f[3], CultureInfo.InvariantCulture),
                int.Parse(f[4], CultureInfo.InvariantCulture), TimeSpan.FromTicks(long.Parse(f[5], CultureInfo.InvariantCulture))));
        }
        if (options.StopAfter is { } stop && stop <= history.Count)
            throw new UserException($"--stop-after {stop}: the checkpoint is already past epoch {stop} (it has {history.Count}).");
        return history;
    }

    // Every option that changes what training computes, under the name of its command-line option.
    private Dictionary<string, string> Recipe(TrainingOptions options) => new()
    {
        [_name + ".epochs"] = Invariant(options.Epochs),
        [_name + ".batch-size"] = Invariant(options.BatchSize),
        [_name + ".learning-rate"] = Invariant(options.LearningRate),
        [_name + ".optimizer"] = options.Optimizer.ToString().ToLowerInvariant(),
        [_name + ".schedule"] = options.Schedule.ToString().ToLowerInvariant(),
        [_name + ".max-shift"] = Invariant(options.MaxShift),
        [_name + ".holdout"] = Invariant(options.Holdout),
        [_name + ".seed"] = Invariant(options.Seed),
        [_name + ".data"] = options.DataDirectory ?? "(the shipped subset)",
    };

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
