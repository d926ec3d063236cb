using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ConvNet;

namespace LeNet;

/// <summary>
/// The sample's checkpoint: the library's <see cref="Checkpoint"/> (weights, optimizer state, schedule position, the
/// shuffling and augmentation generator) plus what the sample itself needs to go on: the options the run was started
/// with, so a resumed run cannot silently train another recipe, and the epochs done, for the table and the curves.
/// </summary>
public static class RunState
{
    public const string FileName = "checkpoint.safetensors";

    private const string HistoryKey = "lenet.history";
    private const string ThreadsKey = "lenet.threads";

    /// <summary>Writes the checkpoint after the last epoch of <paramref name="history"/>, replacing the previous one in one step.</summary>
    public static void Save(Trainer trainer, TrainingOptions options, IReadOnlyList<EpochResult> history, string path)
    {
        var metadata = Recipe(options);
        metadata[ThreadsKey] = Invariant(options.Threads);
        metadata[HistoryKey] = string.Join("\n", history.Select(h => string.Join(",",
            Invariant(h.Epoch), Invariant(h.TrainLoss), Invariant(h.EvalLoss), Invariant(h.EvalAccuracy), Invariant(h.Images),
            Invariant(h.TrainTime.Ticks))));
        trainer.Checkpoint.Save(path, metadata);
    }

    /// <summary>Restores a run from <paramref name="path"/> into <paramref name="trainer"/> and returns the epochs it had done.</summary>
    /// <exception cref="UserException">The file is no checkpoint of this sample, or it was made with other options.</exception>
    public static IReadOnlyList<EpochResult> Load(Trainer trainer, TrainingOptions options, string path)
    {
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
            throw new UserException($"--resume: '{path}' is not a checkpoint of this sample (lenet.safetensors holds the weights only; resume from {FileName}).");
        // Checked before the library compares the optimizer, so a mismatch is reported as the option that differs.
        foreach (var (key, value) in Recipe(options))
        {
            string was = saved.GetValueOrDefault(key) ?? "(none)";
            if (was != value)
                throw new UserException($"--resume: the checkpoint was made with --{key[6..]} {was}, not {value}; run with the options it was made with.");
        }
        if (saved.GetValueOrDefault(ThreadsKey) != Invariant(options.Threads))
            Report.Note($"the checkpoint was made with --threads {saved.GetValueOrDefault(ThreadsKey)}: with another thread count the " +
                        "batch gradients are summed in another order, so the result will differ in the last bits from a run that never stopped.");
        try
        {
            trainer.Checkpoint.Load(path);
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
    private static Dictionary<string, string> Recipe(TrainingOptions options) => new()
    {
        ["lenet.epochs"] = Invariant(options.Epochs),
        ["lenet.batch-size"] = Invariant(options.BatchSize),
        ["lenet.learning-rate"] = Invariant(options.LearningRate),
        ["lenet.optimizer"] = options.Optimizer.ToString().ToLowerInvariant(),
        ["lenet.schedule"] = options.Schedule.ToString().ToLowerInvariant(),
        ["lenet.max-shift"] = Invariant(options.MaxShift),
        ["lenet.holdout"] = Invariant(options.Holdout),
        ["lenet.seed"] = Invariant(options.Seed),
        ["lenet.data"] = options.DataDirectory ?? "(the shipped subset)",
    };

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
