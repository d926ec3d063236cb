using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ConvNet;
using ScottPlot;
using Range = ScottPlot.Range;

namespace Samples.Common;

/// <summary>Draws what the network learned and how training went, as PNG files.</summary>
public static partial class Pictures
{
    // Every image in a grid is drawn into a square of this many plot units, whatever its resolution, so a 10x10 conv2
    // map lines up with the 28x28 digit it came from; Gap separates the squares.
    private const double Cell = 28, Gap = 5;

    /// <summary>
    /// The filters of <paramref name="convLayer"/> (a conv layer on a one-channel input) side by side, on one colour
    /// scale centred on zero; written to <c>NAME-filters.png</c>.
    /// </summary>
    public static string Filters(INetwork network, int convLayer, string folder)
    {
        ArgumentNullException.ThrowIfNull(network);
        var info = network.Layers[convLayer];
        if (info.Kind != LayerKind.Conv || info.Input.Channels != 1)
            throw new ArgumentException($"Layer '{info.Name}' is not a conv layer on a one-channel input.", nameof(convLayer));
        int filters = info.Output.Channels, size = info.Size;
        var weights = network.Parameters.AsSpan(info.Tensors[0].Offset, filters * size * size);
        double limit = MaxAbs(weights);
        var plot = NewGrid($"{info.Name} filters ({size}x{size} weights; red positive, blue negative)");
        // Up to eight filters get a full label; more only their number, so the labels still fit over narrower tiles.
        bool few = filters <= 8;
        ScottPlot.Plottables.Heatmap? last = null;
        for (int f = 0; f < filters; f++)
        {
            last = AddTile(plot, ToGrid(weights.Slice(f * size * size, size * size), size, size), 0, f,
                new ScottPlot.Colormaps.Balance(), new Range(-limit, limit));
            ColumnLabel(plot, f, few ? $"filter {f + 1}" : $"{f + 1}");
        }
        plot.Add.ColorBar(last!);
        return Save(plot, folder, $"{info.Name}-filters.png", 60 + (few ? 140 : 80) * filters, 260);
    }

    /// <summary>
    /// For a few test digits: the digit, then every channel of <paramref name="reluLayer"/>'s output after its ReLU, from a
    /// single-sample Forward. Each channel keeps one colour scale across the digits, so rows can be compared.
    /// </summary>
    public static string ActivationMaps(INetwork network, DigitSet digits, IReadOnlyList<int> picks, int reluLayer, string title, string fileName, string folder)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(digits);
        ArgumentNullException.ThrowIfNull(picks);
        var info = network.Layers[reluLayer];
        int channels = info.Output.Channels, side = info.Output.Height, mapLength = side * info.Output.Width;
        var maps = new float[picks.Count][];
        var predictions = new int[picks.Count];
        var scores = new float[network.OutputLength];
        for (int row = 0; row < picks.Count; row++)
        {
            network.Forward(digits.Image(picks[row]), scores);
            maps[row] = network.LayerOutput(reluLayer).ToArray();
            predictions[row] = Inference.ArgMax(scores);
        }

        var plot = NewGrid(title);
        for (int row = 0; row < picks.Count; row++)
        {
            AddTile(plot, ToGrid(digits.Image(picks[row]), MnistData.Side, MnistData.Side), row, 0, new ScottPlot.Colormaps.Grayscale(), null);
            RowLabel(plot, row, $"label {digits.Labels[picks[row]]}\npredicted {predictions[row]}");
        }
        for (int c = 0; c < channels; c++)
        {
            double max = 0;
            foreach (var map in maps) max = Math.Max(max, MaxAbs(map.AsSpan(c * mapLength, mapLength)));
            // A channel that stayed dark for every digit shown still needs a non-empty range.
            var range = new Range(0, max > 0 ? max : 1);
            for (int row = 0; row < picks.Count; row++)
                AddTile(plot, ToGrid(maps[row].AsSpan(c * mapLength, mapLength), side, side), row, c + 1, new ScottPlot.Colormaps.Inferno(), range);
            ColumnLabel(plot, c + 1, $"{c + 1}");
        }
        ColumnLabel(plot, 0, "input");
        return SaveGrid(plot, folder, fileName, picks.Count, channels + 1, labelWidth: 3.2 * Cell, pixelsPerUnit: 2.4);
    }

    /// <summary>Training and evaluation loss, and evaluation accuracy, per epoch.</summary>
    public static string Curves(IReadOnlyList<FitEpoch> history, string evaluationName, string folder)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentException.ThrowIfNullOrEmpty(evaluationName);
        double[] epochs = history.Select(h => (double)h.Epoch).ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();

        var loss = multiplot.GetPlot(0);
        var train = loss.Add.Scatter(epochs, history.Select(h => (double)h.TrainLoss).ToArray());
        train.LegendText = "training (mean over the epoch, augmented)";
        var eval = loss.Add.Scatter(epochs, history.Select(h => (double)h.ValidationLoss!.Value).ToArray());
        eval.LegendText = $"{evaluationName} (after the epoch)";
        loss.Title("Cross-entropy loss");
        loss.XLabel("epoch");
        loss.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        loss.Axes.SetLimitsY(0, Math.Max(history.Max(h => Math.Max(h.TrainLoss, h.ValidationLoss!.Value)) * 1.05, 0.1));
        loss.ShowLegend(Alignment.UpperRight);

        var accuracy = multiplot.GetPlot(1);
        var acc = accuracy.Add.Scatter(epochs, history.Select(h => 100.0 * h.ValidationAccuracy!.Value).ToArray());
        acc.LegendText = $"{evaluationName} accuracy";
        accuracy.Title($"{char.ToUpperInvariant(evaluationName[0])}{evaluationName[1..]} accuracy (%)");
        accuracy.XLabel("epoch");
        accuracy.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        accuracy.ShowLegend(Alignment.LowerRight);

        string path = Path.Combine(folder, "training-curves.png");
        multiplot.SavePng(path, 1100, 420);
        return path;
    }

    /// <summary>The first digit of each of the first <paramref name="count"/> distinct labels, in set order.</summary>
    public static int[] FirstOfEachClass(DigitSet digits, int count)
    {
        ArgumentNullException.ThrowIfNull(digits);
        var picks = new List<int>();
        var seen = new HashSet<int>();
        for (int i = 0; i < digits.Count && picks.Count < count; i++)
        {
            if (seen.Add(digits.Labels[i])) picks.Add(i);
        }
        return picks.ToArray();
    }

    private static Plot NewGrid(string title)
    {
        var plot = new Plot();
        plot.HideAxesAndGrid();
        plot.Title(title);
        // Square plot units, so tiles stay square whatever the picture's aspect ratio.
        plot.Axes.SquareUnits();
        return plot;
    }

    private static ScottPlot.Plottables.Heatmap AddTile(Plot plot, double[,] values, int row, int column, IColormap colormap, Range? range)
    {
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = colormap;
        if (range is { } r) heatmap.ManualRange = r;
        double left = column * (Cell + Gap), top = -row * (Cell + Gap);
        heatmap.Rectangle = new CoordinateRect(left, left + Cell, top - Cell, top);
        return heatmap;
    }

    // A column number with a fraction centres a label over several columns.
    private static void ColumnLabel(Plot plot, double column, string text)
    {
        var label = plot.Add.Text(text, column * (Cell + Gap) + Cell / 2, Gap);
        label.Alignment = Alignment.LowerCenter;
        label.LabelFontSize = 13;
    }

    private static void RowLabel(Plot plot, int row, string text)
    {
        var label = plot.Add.Text(text, -Gap, -row * (Cell + Gap) - Cell / 2);
        label.Alignment = Alignment.MiddleRight;
        label.LabelFontSize = 13;
    }

    // Limits hug the tiles and labels (row labels to the left, column labels above), and the picture has their aspect
    // ratio, so square units waste no space.
    private static string SaveGrid(Plot plot, string folder, string fileName, int rows, int columns, double labelWidth, double pixelsPerUnit)
    {
        const double labelHeight = 0.8 * Cell;
        double right = columns * (Cell + Gap), bottom = -rows * (Cell + Gap);
        plot.Axes.SetLimits(-labelWidth, right, bottom, labelHeight);
        int width = (int)((right + labelWidth) * pixelsPerUnit) + 40;
        int height = (int)((labelHeight - bottom) * pixelsPerUnit) + 70;
        return Save(plot, folder, fileName, width, height);
    }

    // Row 0 of the array is drawn at the top, as the image's first row is.
    private static double[,] ToGrid(ReadOnlySpan<float> values, int height, int width)
    {
        var grid = new double[height, width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                grid[y, x] = values[y * width + x];
        return grid;
    }

    private static string Save(Plot plot, string folder, string fileName, int width, int height)
    {
        string path = Path.Combine(folder, fileName);
        plot.SavePng(path, width, height);
        return path;
    }

    private static double MaxAbs(ReadOnlySpan<float> values)
    {
        double max = 0;
        foreach (float v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
