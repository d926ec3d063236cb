using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using ConvNet;
using Spectre.Console;

namespace Samples.Common;

/// <summary>How training ended: the epochs completed, and why it stopped early if it did.</summary>
/// <param name="History">Every completed epoch.</param>
/// <param name="Interrupted">Where Ctrl-C stopped it, or null.</param>
/// <param name="Diverged">How training diverged (the weights are no longer numbers), or null.</param>
public sealed record TrainingRun(IReadOnlyList<FitEpoch> History, string? Interrupted, string? Diverged);

/// <summary>Everything the sample prints. On an interactive terminal Spectre.Console draws a live progress bar per epoch;
/// whenever output is not one (a file, a pipe, CI) it prints one plain line per epoch and no escape codes, whatever
/// TERM says (Spectre's own fallback printed partial progress lines into logs where TERM was set).</summary>
public static partial class Report
{
    private static readonly bool s_live = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    static Report()
    {
        if (!s_live)
        {
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            // No terminal to fit: a long error or path stays on one line instead of wrapping at 80 columns.
            AnsiConsole.Profile.Width = 10_000;
        }
    }

    /// <summary>What is trained, on what, and how.</summary>
    public static void Header(string title, int parameters, long flops, TrainingOptions options, MnistSplit data)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(title)}[/] compiled by ConvNet: {parameters:N0} parameters, " +
                               $"{flops / 1e6:F2} MFLOP per digit forward");
        AnsiConsole.WriteLine(data.Description);
        string optimizer = options.Optimizer == OptimizerKind.Sgd ? $"SGD with Nesterov momentum {Recipe.Momentum}" : "Adam";
        string schedule = options.Schedule.ToString().ToLowerInvariant();
        string shift = options.MaxShift > 0 ? $"random shifts up to {options.MaxShift} px" : "no augmentation";
        // Lines stay under 80 columns: that is the width Spectre assumes when output is redirected.
        AnsiConsole.WriteLine(Invariant($"{optimizer}, learning rate {options.LearningRate} ({schedule})"));
        AnsiConsole.WriteLine($"{options.Epochs} epochs, batch {options.BatchSize}, {shift}, seed {options.Seed}, {options.Threads} threads");
    }

    /// <summary>Runs every epoch of a fresh run, with no checkpoints; see the overload below.</summary>
    public static TrainingRun Train(INetwork network, Optimizer optimizer, Rng rng, TrainingOptions options, MnistSplit data, CancellationToken stop) =>
        Train(network, optimizer, rng, options, data, [], options.Epochs, _ => { }, stop);

    /// <summary>
    /// Runs the epochs after <paramref name="earlier"/> (a resumed run's) up to <paramref name="lastEpoch"/> with
    /// <see cref="Training.Fit"/> (under a progress bar on a terminal), shuffling and shifting from
    /// <paramref name="rng"/>, calling <paramref name="afterEpoch"/> with the history after each, and prints the
    /// per-epoch table. Stops after the current batch when <paramref name="stop"/> is signalled, and after an epoch whose
    /// loss or weights are no longer finite.
    /// </summary>
    public static TrainingRun Train(INetwork network, Optimizer optimizer, Rng rng, TrainingOptions options, MnistSplit data,
        IReadOnlyList<FitEpoch> earlier, int lastEpoch, Action<IReadOnlyList<FitEpoch>> afterEpoch, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        var history = new List<FitEpoch>(earlier);
        FitOptions Fit(IProgress<FitProgress> display) => new()
        {
            Epochs = lastEpoch,
            InitialEpoch = earlier.Count,
            BatchSize = options.BatchSize,
            Rng = rng,
            Augmentation = Recipe.Augmentation(options),
            Validation = data.Evaluation.ToDataset(),
            ValidationBatchSize = Recipe.EvaluationBatch,
            Progress = display,
            EpochCompleted = epoch =>
            {
                history.Add(epoch);
                afterEpoch(history);
            },
            Cancellation = stop,
        };

        FitResult? result = null;
        EpochDisplay? display = null;
        if (s_live)
        {
            AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    display = new EpochDisplay(options.Epochs, data.EvaluationName, (name, total) => new LiveTask(context.AddTask(name, maxValue: total)));
                    result = Training.Fit(network, optimizer, data.Train.ToDataset(), Fit(display));
                    if (result.Stop == FitStop.Cancelled) display.Interrupted(result.SamplesDone);
                });
        }
        else
        {
            display = new EpochDisplay(options.Epochs, data.EvaluationName, null);
            result = Training.Fit(network, optimizer, data.Train.ToDataset(), Fit(display));
            if (result.Stop == FitStop.Cancelled) display.Interrupted(result.SamplesDone);
        }

        string? interrupted = null, diverged = null;
        int count = data.Train.Count;
        if (result!.Stop == FitStop.Cancelled)
            interrupted = Invariant($"epoch {history.Count + 1} of {options.Epochs}, after {result.SamplesDone:N0} of {count:N0} digits");
        if (result.Stop == FitStop.Diverged)
        {
            // Fit keeps the diverged epoch out of EpochCompleted (no checkpoint of NaN weights), but the table shows it.
            var last = result.History[^1];
            history.Add(last);
            diverged = Invariant(
                $"training diverged in epoch {last.Epoch}: the loss is {last.TrainLoss} and the weights are no longer all numbers; try a smaller --learning-rate (this run used {options.LearningRate}).");
        }

        var table = new Table().AddColumns("epoch", "train loss", $"{data.EvaluationName} loss", $"{data.EvaluationName} accuracy", "images/s");
        foreach (var column in table.Columns) column.RightAligned();
        foreach (var h in history)
            table.AddRow(h.Epoch.ToString(), Invariant($"{h.TrainLoss:F4}"), Invariant($"{h.ValidationLoss:F4}"),
                Invariant($"{100 * h.ValidationAccuracy:F2}%"), Invariant($"{h.ImagesPerSecond:N0}"));
        if (history.Count > 0) AnsiConsole.Write(table);
        return new TrainingRun(history, interrupted, diverged);
    }

    // A progress bar of the live display.
    private sealed class LiveTask(ProgressTask task)
    {
        public void Update(int done, string description)
        {
            task.Value = done;
            task.Description = description;
        }

        public void Finish(string line)
        {
            task.Description = line;
            task.StopTask();
        }
    }

    // What the epochs show while they run: a bar per epoch on a terminal (newTask is null elsewhere), and the line each
    // ends with. Fit reports on the training thread, so this runs in step with it.
    private sealed class EpochDisplay(int epochs, string evaluationName, Func<string, int, LiveTask>? newTask) : IProgress<FitProgress>
    {
        private LiveTask? _task;
        private string _name = "";
        private int _total;

        public void Report(FitProgress progress)
        {
            string name = $"epoch {progress.Epoch.ToString().PadLeft(epochs.ToString().Length)}/{epochs}";
            if (name != _name)
            {
                _name = name;
                _total = progress.SamplesPerEpoch;
                _task = newTask?.Invoke(name, progress.SamplesPerEpoch);
            }
            if (!progress.EpochEnd)
            {
                _task?.Update(progress.Samples, Invariant($"{name}  loss {progress.Loss:F4}  {progress.ImagesPerSecond,6:N0} img/s"));
                return;
            }
            Finish(Invariant($"{name}  loss {progress.Loss:F4}  {progress.ImagesPerSecond,6:N0} img/s  {evaluationName} {100 * progress.ValidationAccuracy:F2}%"));
        }

        public void Interrupted(int done) => Finish(Invariant($"{_name}  interrupted after {done:N0} of {_total:N0} digits"));

        private void Finish(string line)
        {
            if (_task is null) AnsiConsole.WriteLine(line);
            else _task.Finish(line);
        }
    }

    /// <summary>Says that Ctrl-C was seen; training stops at the end of the current batch.</summary>
    public static void Stopping() =>
        Console.Error.WriteLine("Ctrl-C: stopping at the end of this batch and saving what is trained (press Ctrl-C again to quit at once).");

    /// <summary>The note for a run stopped by Ctrl-C: how far it got, and where the partial weights went.</summary>
    public static void Interrupted(string where, string? weights) =>
        AnsiConsole.WriteLine(weights is null
            ? $"interrupted in {where}; the weights could not be saved."
            : $"interrupted in {where}; the partial weights trained so far are in {weights}");

    /// <summary>Whether the weights reloaded from <paramref name="weightsPath"/> score what the trained network did.</summary>
    public static void ReloadCheck(string weightsPath, string evaluationName, float trained, float reloaded)
    {
        bool same = trained == reloaded;
        string check = Invariant($"reloaded {Path.GetFileName(weightsPath)}: {evaluationName} accuracy {100 * reloaded:F2}%, ");
        AnsiConsole.MarkupLine(Markup.Escape(check) +
            (same ? "[green]same as trained[/]" : Markup.Escape(Invariant($"MISMATCH: trained {100 * trained:F2}%"))));
    }

    /// <summary>The lines a reader (or a script) looks for: accuracy in a fixed form, time, throughput and the files.</summary>
    public static void Final(string evaluationName, float accuracy, TimeSpan total, double imagesPerSecond, string folder, IEnumerable<string> files)
    {
        AnsiConsole.WriteLine(Invariant($"{evaluationName} accuracy: {100 * accuracy:F2}%"));
        AnsiConsole.WriteLine(Invariant($"total time: {total.TotalSeconds:F1} s"));
        AnsiConsole.WriteLine(Invariant($"training images/s: {imagesPerSecond:N0}"));
        AnsiConsole.WriteLine($"outputs written to {folder}:");
        foreach (string file in files)
            AnsiConsole.WriteLine($"  {(Path.GetDirectoryName(file) == folder ? Path.GetFileName(file) : file)}");
    }

    /// <summary>A problem the user can fix, without a stack trace.</summary>
    public static void Error(string message) => AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
