using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Spectre.Console;

namespace LeNet;

/// <summary>How training ended: the epochs completed, and why it stopped early if it did.</summary>
/// <param name="History">Every completed epoch.</param>
/// <param name="Interrupted">Where Ctrl-C stopped it, or null.</param>
/// <param name="Diverged">How training diverged (the weights are no longer numbers), or null.</param>
public sealed record TrainingRun(IReadOnlyList<EpochResult> History, string? Interrupted, string? Diverged);

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

    public static void Header(TrainingOptions options, MnistSplit data)
    {
        AnsiConsole.MarkupLine($"[bold]LeNet-5[/] compiled by ConvNet: {LeNet5.ParameterCount:N0} parameters, " +
                               $"{LeNet5.Flops / 1e6:F2} MFLOP per digit forward");
        AnsiConsole.WriteLine(data.Description);
        string optimizer = options.Optimizer == OptimizerKind.Sgd ? $"SGD with Nesterov momentum {Recipe.Momentum}" : "Adam";
        string schedule = options.Schedule.ToString().ToLowerInvariant();
        string shift = options.MaxShift > 0 ? $"random shifts up to {options.MaxShift} px" : "no augmentation";
        // Lines stay under 80 columns: that is the width Spectre assumes when output is redirected.
        AnsiConsole.WriteLine(Invariant($"{optimizer}, learning rate {options.LearningRate} ({schedule})"));
        AnsiConsole.WriteLine($"{options.Epochs} epochs, batch {options.BatchSize}, {shift}, seed {options.Seed}, {options.Threads} threads");
    }

    /// <summary>Runs every epoch of a fresh run, with no checkpoints; see the overload below.</summary>
    public static TrainingRun Train(Trainer trainer, TrainingOptions options, MnistSplit data, CancellationToken stop) =>
        Train(trainer, options, data, [], options.Epochs, _ => { }, stop);

    /// <summary>
    /// Runs the epochs after <paramref name="earlier"/> (a resumed run's) up to <paramref name="lastEpoch"/> (under a
    /// progress bar on a terminal), calling <paramref name="afterEpoch"/> with the history after each, and prints the
    /// per-epoch table. Stops after the current batch when <paramref name="stop"/> is signalled, and after an epoch whose
    /// loss or weights are no longer finite.
    /// </summary>
    public static TrainingRun Train(Trainer trainer, TrainingOptions options, MnistSplit data, IReadOnlyList<EpochResult> earlier,
        int lastEpoch, Action<IReadOnlyList<EpochResult>> afterEpoch, CancellationToken stop)
    {
        TrainingRun? run = null;
        if (s_live)
        {
            AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context => run = Epochs(trainer, options, data, earlier, lastEpoch, afterEpoch, stop, (name, total) =>
                {
                    var task = context.AddTask(name, maxValue: total);
                    var clock = Stopwatch.StartNew();
                    return new EpochDisplay(
                        (done, loss) =>
                        {
                            task.Value = done;
                            task.Description = Invariant($"{name}  loss {loss:F4}  {done / clock.Elapsed.TotalSeconds,6:N0} img/s");
                        },
                        line =>
                        {
                            task.Description = line;
                            task.StopTask();
                        });
                }));
        }
        else
        {
            run = Epochs(trainer, options, data, earlier, lastEpoch, afterEpoch, stop, (_, _) => new EpochDisplay(null, AnsiConsole.WriteLine));
        }

        var table = new Table().AddColumns("epoch", "train loss", $"{data.EvaluationName} loss", $"{data.EvaluationName} accuracy", "images/s");
        foreach (var column in table.Columns) column.RightAligned();
        foreach (var h in run!.History)
            table.AddRow(h.Epoch.ToString(), Invariant($"{h.TrainLoss:F4}"), Invariant($"{h.EvalLoss:F4}"),
                Invariant($"{100 * h.EvalAccuracy:F2}%"), Invariant($"{h.ImagesPerSecond:N0}"));
        if (run.History.Count > 0) AnsiConsole.Write(table);
        return run;
    }

    // What an epoch shows while it runs (nothing when output is not a terminal) and the line it ends with.
    private sealed record EpochDisplay(Action<int, float>? OnBatch, Action<string> Finish);

    private static TrainingRun Epochs(Trainer trainer, TrainingOptions options, MnistSplit data, IReadOnlyList<EpochResult> earlier,
        int lastEpoch, Action<IReadOnlyList<EpochResult>> afterEpoch, CancellationToken stop, Func<string, int, EpochDisplay> startEpoch)
    {
        var history = new List<EpochResult>(earlier);
        for (int epoch = earlier.Count + 1; epoch <= lastEpoch; epoch++)
        {
            string name = $"epoch {epoch.ToString().PadLeft(options.Epochs.ToString().Length)}/{options.Epochs}";
            var display = startEpoch(name, data.Train.Count);
            EpochResult result;
            try
            {
                result = trainer.RunEpoch(epoch, data.Train, data.Evaluation, display.OnBatch, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                display.Finish(Invariant($"{name}  interrupted after {trainer.DigitsDone:N0} of {data.Train.Count:N0} digits"));
                return new TrainingRun(history, Invariant($"epoch {epoch} of {options.Epochs}, after {trainer.DigitsDone:N0} of {data.Train.Count:N0} digits"), null);
            }
            display.Finish(Invariant(
                $"{name}  loss {result.TrainLoss:F4}  {result.ImagesPerSecond,6:N0} img/s  {data.EvaluationName} {100 * result.EvalAccuracy:F2}%"));
            history.Add(result);
            if (!float.IsFinite(result.TrainLoss) || !trainer.WeightsAreFinite())
                return new TrainingRun(history, null, Invariant(
                    $"training diverged in epoch {epoch}: the loss is {result.TrainLoss} and the weights are no longer all numbers; try a smaller --learning-rate (this run used {options.LearningRate})."));
            afterEpoch(history);
        }
        return new TrainingRun(history, null, null);
    }

    /// <summary>Says that Ctrl-C was seen; training stops at the end of the current batch.</summary>
    public static void Stopping() =>
        Console.Error.WriteLine("Ctrl-C: stopping at the end of this batch and saving what is trained (press Ctrl-C again to quit at once).");

    /// <summary>The note for a run stopped by Ctrl-C: how far it got, and where the partial weights went.</summary>
    public static void Interrupted(string where, string? weights) =>
        AnsiConsole.WriteLine(weights is null
            ? $"interrupted in {where}; the weights could not be saved."
            : $"interrupted in {where}; the partial weights trained so far are in {weights}");

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

    public static void Error(string message) => AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
