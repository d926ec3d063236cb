using System.Globalization;
using System.IO;
using ConvNet;
using Spectre.Console;

namespace LeNet;

// What the sample prints about resuming, stopping and the final evaluation.
public static partial class Report
{
    public static void Resumed(string checkpoint, int epochs, int total) =>
        AnsiConsole.WriteLine($"resumed from {Path.GetFileName(checkpoint)} after epoch {epochs} of {total}");

    public static void Stopped(string checkpoint, int epoch, int total)
    {
        AnsiConsole.WriteLine($"stopped after epoch {epoch} of {total}; checkpoint written to {checkpoint}");
        AnsiConsole.WriteLine($"go on with the same options and --resume {checkpoint}");
    }

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

    // Undefined (NaN) where no digit was predicted as, or labelled, that class.
    private static string Percent(float fraction) =>
        float.IsNaN(fraction) ? "n/a" : (100 * fraction).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
