using System;
using System.Globalization;
using System.Linq;
using ConvNet;
using ScottPlot;
using Range = ScottPlot.Range;

namespace LeNet;

// The final evaluation as pictures: where the network confuses digits, and the digits it gets wrong.
public static partial class Pictures
{
    /// <summary>
    /// The confusion matrix: one cell per (label, prediction) with its count. The shade follows log(1 + count), so the few
    /// mistakes off the diagonal show next to the hundreds of right answers on it; it is negated so that the colormap,
    /// which runs from dark to light, draws empty cells light and full ones dark.
    /// </summary>
    public static string Confusion(ClassificationReport report, string evaluationName, string folder)
    {
        int classes = report.ClassCount;
        var shade = new double[classes, classes];
        int max = 0;
        for (int label = 0; label < classes; label++)
            for (int predicted = 0; predicted < classes; predicted++)
            {
                int count = report.Confusion(label, predicted);
                shade[label, predicted] = -Math.Log(1 + count);
                max = Math.Max(max, count);
            }

        var plot = new Plot();
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"Confusion on {report.SampleCount:N0} {evaluationName} digits (accuracy {100.0 * report.Accuracy:F2}%)"));
        var heatmap = plot.Add.Heatmap(shade);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues();
        double darkest = -Math.Log(1 + Math.Max(max, 1));
        heatmap.ManualRange = new Range(darkest, 0);
        // Row 0 (label 0) at the top, one unit per cell.
        heatmap.Rectangle = new CoordinateRect(0, classes, 0, classes);
        for (int label = 0; label < classes; label++)
            for (int predicted = 0; predicted < classes; predicted++)
            {
                int count = report.Confusion(label, predicted);
                var text = plot.Add.Text(count.ToString(CultureInfo.InvariantCulture), predicted + 0.5, classes - label - 0.5);
                text.Alignment = Alignment.MiddleCenter;
                text.LabelFontSize = 13;
                // Dark cells get white numbers.
                text.LabelFontColor = shade[label, predicted] < 0.6 * darkest ? Colors.White : Colors.Black;
            }
        double[] centres = Enumerable.Range(0, classes).Select(c => c + 0.5).ToArray();
        string[] names = Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
        plot.Axes.Bottom.SetTicks(centres, names);
        plot.Axes.Left.SetTicks(centres.Reverse().ToArray(), names);
        plot.XLabel("predicted digit");
        plot.YLabel("true digit");
        plot.Axes.SetLimits(0, classes, 0, classes);
        plot.Grid.IsVisible = false;
        return Save(plot, folder, "confusion.png", 640, 620);
    }

    /// <summary>
    /// Up to <paramref name="count"/> digits the network got wrong, the ones it was surest of first, each with its label
    /// and what the network took it for, with the probability it gave that answer.
    /// </summary>
    public static string Misclassified(INetwork network, DigitSet digits, ClassificationReport report, string folder, int count = 40)
    {
        const int columns = 8;
        var probabilities = new float[network.OutputLength];
        var mistakes = report.Misclassified
            .Select(i =>
            {
                network.Probabilities(digits.Image(i), probabilities);
                return (Index: i, Predicted: report.Predictions[i], Confidence: probabilities[report.Predictions[i]]);
            })
            .OrderByDescending(m => m.Confidence)
            .Take(count)
            .ToArray();

        var plot = NewGrid(string.Create(CultureInfo.InvariantCulture,
            $"{mistakes.Length} of {report.Misclassified.Count} misclassified digits, surest mistakes first (label -> prediction, probability)"));
        for (int k = 0; k < mistakes.Length; k++)
        {
            var (index, predicted, confidence) = mistakes[k];
            int row = k / columns, column = k % columns;
            AddTile(plot, ToGrid(digits.Image(index), MnistData.Side, MnistData.Side), row, column, new ScottPlot.Colormaps.Grayscale(), null);
            var label = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"{digits.Labels[index]} -> {predicted} ({100 * confidence:F0}%)"),
                column * (Cell + Gap) + Cell / 2, -row * (Cell + Gap) - 0.5);
            // On the digit's top rows, which MNIST leaves dark: the grid keeps its spacing and the text stays readable.
            label.Alignment = Alignment.UpperCenter;
            label.LabelFontSize = 12;
            label.LabelFontColor = Colors.Yellow;
        }
        int rows = Math.Max(1, (mistakes.Length + columns - 1) / columns);
        const double pixelsPerUnit = 3.2;
        double right = columns * (Cell + Gap), bottom = -rows * (Cell + Gap);
        plot.Axes.SetLimits(-Gap, right, bottom, Gap);
        return Save(plot, folder, "misclassified.png", (int)((right + Gap) * pixelsPerUnit) + 40, (int)((Gap - bottom) * pixelsPerUnit) + 70);
    }
}
