using System;
using System.Globalization;
using System.IO;
using ConvNet;
using Spectre.Console;

namespace Samples.Common;

// What the sample prints about resuming, stopping and the final evaluation.
public static partial class Report
{
    /// <summary>Where a resumed run goes on from.</summary>
    public static void Resumed(string checkpoint, int epochs, int total) =>
        AnsiConsole.WriteLine($"resumed from {Path.GetFileName(checkpoint)} after epoch {epochs} of {total}");

    /// <summary>The note for a run stopped by <c>--stop-after</c>: where the checkpoint is and how to go on, or, when
    /// <paramref name="checkpoint"/> is null, that the last epoch's checkpoint could not be written (the error says why).</summary>
    public static void Stopped(string? checkpoint, int epoch, int total)
    {
        if (checkpoint is null)
        {
            AnsiConsole.WriteLine($"stopped after epoch {epoch} of {total}; its checkpoint could not be written");
            return;
        }
        AnsiConsole.WriteLine($"stopped after epoch {epoch} of {total}; checkpoint written to {checkpoint}");
        AnsiConsole.WriteLine($"go on with the same options and --resume {checkpoint}");
    }

    /// <summary>Something the user should know that is not an error.</summary>
    public static void Note(string message) => AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(message)}");

    /// <summary>Precision, recall and count per digit.</summary>
    public static void Classes(ClassificationReport report, string evaluationName)
    {
        var table = new Table().AddColumns("digit", "precision", "recall", $"{evaluationName} digits");
        foreach (var column in table.Columns) column.RightAligned();
        for (int c = 0; c < report.ClassCount; c++)
            table.AddRow(c.ToString(CultureInfo.InvariantCulture), Percent(report.Precision(c)), Percent(report.Recall(c)),
                report.Support(c).ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    /// <summary>How long the pictures drawn through the gradients took: gradient ascent, the strongest patches, saliency
    /// and writing the files.</summary>
    public static void GradientPictures(TimeSpan time) =>
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gradient pictures: {time.TotalSeconds:F2} s"));

    // Undefined (NaN) where no digit was predicted as, or labelled, that class.
    private static string Percent(float fraction) =>
        float.IsNaN(fraction) ? "n/a" : (100 * fraction).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
