using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConvNet;
using ScottPlot;
using Range = ScottPlot.Range;

namespace Samples.Common;

// What the network wants to see, found through its gradients (Visualization in the library): the input each unit or
// class responds to most, and which pixels a decision depends on.
public static partial class Pictures
{
    /// <summary>
    /// One row per channel of <paramref name="layer"/>: the input window of the channel's centre unit as gradient ascent
    /// (<see cref="Visualization.MaximizeActivation"/>) shapes it, then the nine test-digit patches (the same window cut
    /// at the units where they respond most) that excite the channel most, strongest first. The patches share one grey
    /// scale, the ascent's input range, and each ascent result has its own; window pixels beyond a digit's border (the
    /// zero padding) are left blank.
    /// Written to <c>neurons-NAME.png</c>.
    /// </summary>
    /// <param name="network">The trained network.</param>
    /// <param name="digits">The digits to find the patches in.</param>
    /// <param name="layer">A layer whose units see a window of the input (<see cref="ReceptiveField"/>).</param>
    /// <param name="ascent">The gradient ascent, whose range is the digits' range.</param>
    /// <param name="folder">Where the picture goes.</param>
    public static string Neurons(INetwork network, DigitSet digits, int layer, AscentOptions ascent, string folder)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(ascent);
        const int patchCount = 9;
        var info = network.Layers[layer];
        var field = ReceptiveField.Of(network.Layers, layer);
        var centre = (Row: info.Output.Height / 2, Column: info.Output.Width / 2);
        var patches = Patches.Strongest(network, digits, layer, patchCount);
        var digitRange = new Range(ascent.Min, ascent.Max);

        var plot = NewGrid($"What each {info.Name} channel responds to most, in the {field.Size}x{field.Size} input window of one unit:\n" +
                           $"the input found by gradient ascent, and the {patchCount} test-digit patches that excite it most");
        var images = Enumerable.Range(0, info.Output.Channels).Select(c => Visualization.MaximizeActivation(network, layer, c, centre, ascent)).ToArray();
        for (int c = 0; c < info.Output.Channels; c++)
        {
            // On its own scale: ascent moves the window's pixels much less than a stroke of ink does.
            AddTile(plot, Window(field, images[c], centre.Row, centre.Column), c, 0, new ScottPlot.Colormaps.Grayscale(), null);
            for (int k = 0; k < patches[c].Length; k++)
            {
                var patch = patches[c][k];
                AddTile(plot, Window(field, digits.Image(patch.Digit), patch.Row, patch.Column), c, k + 1, new ScottPlot.Colormaps.Grayscale(), digitRange);
            }
            RowLabel(plot, c, $"channel {c + 1}");
        }
        ColumnLabel(plot, 0, "ascent");
        ColumnLabel(plot, (1 + patchCount) / 2.0, "test patches, strongest first");
        return SaveGrid(plot, folder, $"neurons-{info.Name}.png", info.Output.Channels, 1 + patchCount, labelWidth: 2.6 * Cell, pixelsPerUnit: 2.4);
    }

    /// <summary>
    /// For each output of the network, the input that maximises its raw score, found by gradient ascent from faint noise;
    /// above each, the class and the probability the network gives that input. Written to <c>classes.png</c>; the
    /// parameters are <see cref="Neurons"/>'s.
    /// </summary>
    public static string Classes(INetwork network, AscentOptions ascent, string folder)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(ascent);
        int last = network.Layers.Count - 1, classes = network.OutputLength;
        var probabilities = new float[classes];
        var plot = NewGrid("The input that maximises each class score (gradient ascent), with the probability the network gives it");
        var images = Enumerable.Range(0, classes).Select(k => Visualization.MaximizeActivation(network, last, k, options: ascent)).ToArray();
        for (int k = 0; k < classes; k++)
        {
            network.Probabilities(images[k], probabilities);
            AddTile(plot, ToGrid(images[k], MnistData.Side, MnistData.Side), 0, k, new ScottPlot.Colormaps.Grayscale(), new Range(ascent.Min, ascent.Max));
            ColumnLabel(plot, k, string.Create(CultureInfo.InvariantCulture, $"{k} ({100 * probabilities[k]:F0}%)"));
        }
        return SaveGrid(plot, folder, "classes.png", 1, classes, labelWidth: Gap, pixelsPerUnit: 3.2);
    }

    /// <summary>
    /// For a few test digits: the digit, and below it the saliency of the class the network predicts,
    /// |d score / d input| (<see cref="Visualization.Saliency"/>), each map on its own scale from zero to its largest
    /// value. Written to <c>saliency.png</c>.
    /// </summary>
    public static string Saliency(INetwork network, DigitSet digits, IReadOnlyList<int> picks, string folder)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(digits);
        ArgumentNullException.ThrowIfNull(picks);
        var scores = new float[network.OutputLength];
        var saliency = new float[network.InputLength];
        var plot = NewGrid($"Saliency: |d score / d input| of the predicted class, for {picks.Count} test digits");
        for (int k = 0; k < picks.Count; k++)
        {
            var image = digits.Image(picks[k]);
            network.Forward(image, scores);
            int predicted = Inference.ArgMax(scores);
            Visualization.Saliency(network, image, predicted, saliency);
            double max = MaxAbs(saliency);
            AddTile(plot, ToGrid(image, MnistData.Side, MnistData.Side), 0, k, new ScottPlot.Colormaps.Grayscale(), null);
            AddTile(plot, ToGrid(saliency, MnistData.Side, MnistData.Side), 1, k, new ScottPlot.Colormaps.Inferno(), new Range(0, max > 0 ? max : 1));
            ColumnLabel(plot, k, $"label {digits.Labels[picks[k]]}, predicted {predicted}");
        }
        RowLabel(plot, 0, "test digit");
        RowLabel(plot, 1, "saliency");
        return SaveGrid(plot, folder, "saliency.png", 2, picks.Count, labelWidth: 2.4 * Cell, pixelsPerUnit: 4);
    }

    private static double[,] Window(ReceptiveField field, ReadOnlySpan<float> image, int row, int column) =>
        // NaN draws as a blank cell: the unit sees zeros there, which are no part of any digit.
        ToGrid(field.Crop(image, MnistData.Side, MnistData.Side, row, column, float.NaN), field.Size, field.Size);
}
