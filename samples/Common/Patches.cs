using System;
using System.Linq;
using ConvNet;

namespace Samples.Common;

/// <summary>Where one channel of a layer responded most to one digit.</summary>
/// <param name="Digit">Index of the digit in its set.</param>
/// <param name="Row">Row of the unit in the layer's output.</param>
/// <param name="Column">Column of the unit.</param>
/// <param name="Activation">The unit's output.</param>
public readonly record struct Patch(int Digit, int Row, int Column, float Activation);

/// <summary>The digits that excite each channel of a layer most, as in the lecture's pictures of image patches.</summary>
public static class Patches
{
    /// <summary>
    /// For every channel of layer <paramref name="layer"/>'s output: the <paramref name="count"/> digits that excite it
    /// most, each at the unit where it does, strongest first. A digit appears at most once per channel, so the patches
    /// show different strokes rather than one stroke shifted by a pixel. Ties go to the lower digit index, and within a
    /// digit to the first unit in row-major order.
    /// </summary>
    /// <remarks>Runs one single-sample Forward per digit, so it replaces the activations of the last one.</remarks>
    public static Patch[][] Strongest(INetwork network, DigitSet digits, int layer, int count)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(digits);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var shape = network.Layers[layer].Output;
        int plane = shape.Height * shape.Width;
        var best = new Patch[shape.Channels][];
        for (int c = 0; c < shape.Channels; c++) best[c] = new Patch[digits.Count];
        var scores = new float[network.OutputLength];
        for (int d = 0; d < digits.Count; d++)
        {
            network.Forward(digits.Image(d), scores);
            var output = network.LayerOutput(layer);
            for (int c = 0; c < shape.Channels; c++)
            {
                var map = output.Slice(c * plane, plane);
                int at = 0;
                for (int i = 1; i < plane; i++)
                {
                    if (map[i] > map[at]) at = i;
                }
                best[c][d] = new Patch(d, at / shape.Width, at % shape.Width, map[at]);
            }
        }
        // OrderByDescending is a stable sort, so equal activations keep digit order.
        return best.Select(b => b.OrderByDescending(p => p.Activation).Take(count).ToArray()).ToArray();
    }
}
