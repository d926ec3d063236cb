using System;
using System.Collections.Generic;
using System.Linq;
using ConvNet;

namespace Samples.Common;

/// <summary>
/// The window of the input that one output position of a layer sees: unit (row, column) reads input rows
/// [<see cref="Start"/> + <see cref="Jump"/> * row, ... + <see cref="Size"/>) and the same columns. Positions outside the
/// input are the zero padding of some conv on the way.
/// </summary>
/// <param name="Size">Side of the window, in input pixels.</param>
/// <param name="Jump">Input pixels between the windows of neighbouring units (the product of the strides).</param>
/// <param name="Start">First input row (and column) of unit (0, 0)'s window; negative when padding reaches it.</param>
public readonly record struct ReceptiveField(int Size, int Jump, int Start)
{
    /// <summary>The receptive field of layer <paramref name="layer"/>'s units, through conv, pooling, activation, batch norm,
    /// dropout and (taking the union of their windows) add and concat layers.</summary>
    /// <exception cref="ArgumentException">A fully connected or global pooling layer on the way, whose units see the whole
    /// input, or a merge of branches whose windows move by different steps.</exception>
    public static ReceptiveField Of(IReadOnlyList<LayerInfo> layers, int layer)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, layers.Count);
        var (jump, first, last) = Window(layers, layer);
        return new ReceptiveField(last - first + 1, jump, first);
    }

    /// <summary>Unit 0's window, inclusive, in input coordinates, and how far it moves per unit.</summary>
    private static (int Jump, int First, int Last) Window(IReadOnlyList<LayerInfo> layers, int index)
    {
        var info = layers[index];
        // Generated networks name their inputs; a list built by hand may leave them out, meaning the layer before.
        var inputs = info.Inputs.Count > 0 ? info.Inputs : [index == 0 ? "input" : layers[index - 1].Name];
        var below = inputs.Select(name => name == "input" ? (Jump: 1, First: 0, Last: 0) : Window(layers, IndexOf(layers, name))).ToArray();
        int jump = below[0].Jump;
        if (below.Any(b => b.Jump != jump))
            throw new ArgumentException($"Layer '{info.Name}' merges branches whose windows move by different steps.", nameof(layers));
        int first = below.Min(b => b.First), last = below.Max(b => b.Last);
        switch (info.Kind)
        {
            case LayerKind.Conv or LayerKind.MaxPool or LayerKind.AvgPool:
                // Unit x reads units x*S - P .. x*S - P + K - 1 of the layer below.
                return (jump * info.Stride, first - jump * info.Pad, last + jump * (info.Size - 1 - info.Pad));
            case LayerKind.FullyConnected or LayerKind.GlobalAvgPool:
                throw new ArgumentException($"Layer '{info.Name}' ({info.Kind}) sees its whole input, not a window of it.", nameof(layers));
            default:
                return (jump, first, last);
        }
    }

    private static int IndexOf(IReadOnlyList<LayerInfo> layers, string name)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Name == name) return i;
        }
        throw new ArgumentException($"No layer is named '{name}'.", nameof(layers));
    }

    /// <summary>First input row of unit <paramref name="row"/>'s window (and first column of a column's).</summary>
    public int StartOf(int row) => Start + Jump * row;

    /// <summary>
    /// The window of unit (<paramref name="row"/>, <paramref name="column"/>) cut from a one-channel image of
    /// <paramref name="height"/> x <paramref name="width"/> (row-major), <see cref="Size"/> x <see cref="Size"/> values
    /// row-major; positions outside the image get <paramref name="outside"/>.
    /// </summary>
    public float[] Crop(ReadOnlySpan<float> image, int height, int width, int row, int column, float outside)
    {
        if (image.Length != height * width)
            throw new ArgumentException($"Expected {height}x{width} = {height * width} values, got {image.Length}.", nameof(image));
        var crop = new float[Size * Size];
        int top = StartOf(row), left = StartOf(column);
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
            {
                int iy = top + y, ix = left + x;
                crop[y * Size + x] = (uint)iy < (uint)height && (uint)ix < (uint)width ? image[iy * width + ix] : outside;
            }
        return crop;
    }
}
