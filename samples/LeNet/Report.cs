using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Spectre.Console;

namespace LeNet;

/// <summary>Everything the sample prints. Spectre.Console draws live progress bars on a terminal and falls back to
/// plain lines when output is redirected (CI, a file, a pipe), so the same calls serve both.</summary>
public static partial class Report
{
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

    /// <summary>
    /// Runs the epochs after <paramref name="earlier"/> up to <paramref name="lastEpoch"/> under a progress bar, calling
    /// <paramref name="afterEpoch"/> with the history so far after each, and prints the per-epoch table when done.
    /// </summary>
    public static IReadOnlyList<EpochResult> Train(Trainer trainer, TrainingOptions options, MnistSplit data,
        IReadOnlyList<EpochResult> earlier, int lastEpoch, Action<IReadOnlyList<EpochResult>> afterEpoch)
    {
        var history = new List<EpochResult>(earlier);
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                for (int epoch = earlier.Count + 1; epoch <= lastEpoch; epoch++)
                {
                    string name = $"epoch {epoch.ToString().PadLeft(options.Epochs.ToString().Length)}/{options.Epochs}";
                    var task = context.AddTask(name, maxValue: data.Train.Count);
                    var clock = Stopwatch.StartNew();
                    var result = trainer.RunEpoch(epoch, data.Train, data.Evaluation, (done, loss) =>
                    {
                        task.Value = done;
                        task.Description = Invariant($"{name}  loss {loss:F4}  {done / clock.Elapsed.TotalSeconds,6:N0} img/s");
                    });
                    task.Description = Invariant(
                        $"{name}  loss {result.TrainLoss:F4}  {result.ImagesPerSecond,6:N0} img/s  {data.EvaluationName} {100 * result.EvalAccuracy:F2}%");
                    task.StopTask();
                    history.Add(result);
                    afterEpoch(history);
                }
            });

        var table = new Table().AddColumns("epoch", "train loss", $"{data.EvaluationName} loss", $"{data.EvaluationName} accuracy", "images/s");
        foreach (var column in table.Columns) column.RightAligned();
        foreach (var h in history)
            table.AddRow(h.Epoch.ToString(), Invariant($"{h.TrainLoss:F4}"), Invariant($"{h.EvalLoss:F4}"),
                Invariant($"{100 * h.EvalAccuracy:F2}%"), Invariant($"{h.ImagesPerSecond:N0}"));
        AnsiConsole.Write(table);
        return history;
    }

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
        foreach (string file in files) AnsiConsole.WriteLine($"  {Path.GetFileName(file)}");
    }

    public static void Error(string message) => AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
