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
    public void Save(TrainingOptions options, IReadOnlyList<FitEpoch> history, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(history);
        var metadata = Recipe(options);
        metadata[ThreadsKey] = Invariant(options.Threads);
        metadata[HistoryKey] = string.Join("\n", history.Select(h => string.Join(",",
            Invariant(h.Epoch), Invariant(h.TrainLoss), Invariant(h.ValidationLoss!.Value), Invariant(h.ValidationAccuracy!.Value), Invariant(h.Samples),
            Invariant(h.TrainTime.Ticks))));
        _checkpoint.Save(path, metadata);
    }

    /// <summary>Restores a run from <paramref name="path"/> into the checkpoint's network, optimizer and generator, and
    /// returns the epochs it had done. What the file says about the run is checked before any of its state is loaded.</summary>
    /// <param name="options">This run's options, which must be the ones the checkpoint was made with.</param>
    /// <param name="trainingCount">Digits in this run's training set, which fix the optimizer steps of an epoch.</param>
    /// <param name="path">The checkpoint.</param>
    /// <exception cref="UserException">The file is no checkpoint of this sample, it was made with other options, or its
    /// history is damaged or disagrees with its optimizer's step count.</exception>
    public IReadOnlyList<FitEpoch> Load(TrainingOptions options, int trainingCount, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trainingCount);
        IReadOnlyDictionary<string, string> saved;
        try
        {
            saved = SafeTensors.ReadMetadata(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UserException($"--resume: cannot read '{path}': {e.Message}");
        }
        if (!saved.TryGetValue(HistoryKey, out string? historyText))
            throw new UserException(NotThisSample(saved, path));
        // Checked before the library compares the optimizer, so a mismatch is reported as the option that differs.
        foreach (var (key, value) in Recipe(options))
        {
            string was = saved.GetValueOrDefault(key) ?? "(none)";
            if (was != value)
                throw new UserException($"--resume: the checkpoint was made with --{key[(_name.Length + 1)..]} {was}, not {value}; run with the options it was made with.");
        }
        var history = ReadHistory(historyText, path);
        // --epochs is the checkpoint's own (checked above), so a history this long is either finished or edited.
        if (history.Count >= options.Epochs)
            throw new UserException($"--resume: '{path}' records {history.Count} finished epochs of a run of {options.Epochs}: nothing is left to train.");
        long steps = (long)history.Count * Training.StepsPerEpoch(trainingCount, options.BatchSize);
        string savedSteps = saved.GetValueOrDefault(StepsKey) ?? "(none)";
        if (savedSteps != Invariant(steps))
            throw new UserException($"--resume: '{path}' records {history.Count} finished epochs, which take {steps} optimizer steps in batches of " +
                                    $"{options.BatchSize} over {trainingCount} digits, but its optimizer took {savedSteps}.");
        if (options.StopAfter is { } stop && stop <= history.Count)
            throw new UserException($"--stop-after {stop}: the checkpoint is already past epoch {stop} (it has {history.Count}).");
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
        return history;
    }

    // The library's step count in a checkpoint's metadata (see Checkpoint).
    private const string StepsKey = "convnet.steps";

    // Another sample's checkpoint has that sample's history key; a library checkpoint has the library's keys only.
    private string NotThisSample(IReadOnlyDictionary<string, string> saved, string path)
    {
        const string historySuffix = ".history";
        string? other = saved.Keys.FirstOrDefault(k => k.EndsWith(historySuffix, StringComparison.Ordinal));
        if (other is not null)
            return $"--resume: '{path}' is a checkpoint of the {other[..^historySuffix.Length]} sample, not of the {_name} sample.";
        string what = saved.ContainsKey(StepsKey)
            ? $"is a checkpoint, but not one the {_name} sample wrote (it has no {HistoryKey})"
            : "holds no checkpoint, only weights";
        // Naming the checkpoint's file is a hint only to someone who passed another file.
        string hint = Path.GetFileName(path) == FileName ? "" : $"; a run writes its checkpoint as {FileName} in its output folder";
        return $"--resume: '{path}' {what}{hint}.";
    }

    // The history is the sample's own text, which an edit can break: every line is checked before anything is loaded,
    // so a bad one is an error naming it rather than an exception after the state was restored.
    private List<FitEpoch> ReadHistory(string text, string path)
    {
        var history = new List<FitEpoch>();
        foreach (string line in text.Split('\n'))
        {
            int epoch = history.Count + 1;
            string[] f = line.Split(',');
            if (f.Length == 6
                && int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number == epoch
                && TryReadLoss(f[1], out float trainLoss) && TryReadLoss(f[2], out float evalLoss)
                && float.TryParse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture, out float accuracy) && accuracy is >= 0 and <= 1
                && int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out int images) && images > 0
                && long.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out long ticks))
            {
                history.Add(new FitEpoch(epoch, trainLoss, evalLoss, accuracy, images, TimeSpan.FromTicks(ticks)));
                continue;
            }
            throw new UserException($"--resume: '{path}' has a damaged {HistoryKey}: line {epoch} is '{line}', not " +
                                    $"'{epoch},train loss,evaluation loss,accuracy from 0 to 1,digits,ticks'.");
        }
        return history;

        static bool TryReadLoss(string text, out float loss) =>
            float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out loss) && float.IsFinite(loss) && loss >= 0;
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
