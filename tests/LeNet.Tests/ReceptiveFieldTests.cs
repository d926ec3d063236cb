using System;
using System.Collections.Generic;
using System.Linq;
using ConvNet;
using Samples.Common;
using Xunit;

namespace LeNet.Tests;

/// <summary>The input window a unit sees, against a brute-force walk of every layer's definition, and against the support
/// of the real network's gradient.</summary>
public sealed class ReceptiveFieldTests
{
    // Every input position (padding included, so possibly outside the image) that unit x of a layer reads along one axis,
    // following each layer's definition down to the input: a conv or pool unit x reads x*S - P + k for k < K below it.
    private static SortedSet<int> Reads(IReadOnlyList<LayerInfo> layers, int layer, int x)
    {
        var info = layers[layer];
        var below = info.Kind is LayerKind.Conv or LayerKind.MaxPool or LayerKind.AvgPool
            ? Enumerable.Range(0, info.Size).Select(k => x * info.Stride - info.Pad + k)
            : [x];
        var inputs = info.Inputs.Count > 0 ? info.Inputs : [layer == 0 ? "input" : layers[layer - 1].Name];
        var reads = new SortedSet<int>();
        foreach (string name in inputs)
            foreach (int p in below)
            {
                if (name == "input") reads.Add(p);
                else reads.UnionWith(Reads(layers, layers.ToList().FindIndex(l => l.Name == name), p));
            }
        return reads;
    }

    private static void AssertMatchesBruteForce(IReadOnlyList<LayerInfo> layers, int layer)
    {
        var field = ReceptiveField.Of(layers, layer);
        for (int x = 0; x < layers[layer].Output.Height; x++)
        {
            var reads = Reads(layers, layer, x);
            // A window: no holes, so its first position and size say everything.
            Assert.Equal(reads.Max - reads.Min + 1, reads.Count);
            Assert.Equal(reads.Min, field.StartOf(x));
            Assert.Equal(reads.Count, field.Size);
        }
    }

    public static TheoryData<int> LeNetLayersWithWindows => new(
        LeNet5.Conv1.Index, LeNet5.Relu1.Index, LeNet5.Pool1.Index, LeNet5.Conv2.Index, LeNet5.Relu2.Index, LeNet5.Pool2.Index);

    [Theory]
    [MemberData(nameof(LeNetLayersWithWindows))]
    public void EveryLeNetUnitsWindowIsWhatItsLayersRead(int layer) => AssertMatchesBruteForce(new LeNet5().Layers, layer);

    [Fact]
    public void Conv2SeesA14x14WindowThatReachesThePaddingAtBothBorders()
    {
        var field = ReceptiveField.Of(new LeNet5().Layers, LeNet5.Conv2.Index);
        Assert.Equal(new ReceptiveField(Size: 14, Jump: 2, Start: -2), field);
        Assert.Equal(16, field.StartOf(9)); // rows 16..29 of a 28-row digit
    }

    private static LayerInfo Layer(string name, LayerKind kind, int channels, int side, int size = 0, int stride = 0, int pad = 0, params string[] inputs) =>
        new(name, kind, new Shape(1, 1, 1), new Shape(channels, side, side), size, stride, pad, 0, 0) { Inputs = inputs };

    // A chain with padding after the first layer, a strided pool, and a residual merge of a long branch and a 1x1
    // strided projection, whose windows differ in size and start.
    private static readonly LayerInfo[] s_branches =
    [
        Layer("conv1", LayerKind.Conv, 4, 11, size: 3, stride: 2, pad: 1, "input"),
        Layer("relu1", LayerKind.Relu, 4, 11, inputs: "conv1"),
        Layer("pool1", LayerKind.MaxPool, 4, 5, size: 3, stride: 2, inputs: "relu1"),
        Layer("conv2", LayerKind.Conv, 4, 5, size: 3, stride: 1, pad: 1, "pool1"),
        Layer("bn1", LayerKind.BatchNorm, 4, 5, inputs: "conv2"),
        Layer("conv3", LayerKind.Conv, 4, 3, size: 3, stride: 2, pad: 1, "bn1"),
        Layer("conv4", LayerKind.Conv, 4, 3, size: 1, stride: 2, pad: 0, "pool1"),
        Layer("add1", LayerKind.Add, 4, 3, inputs: ["conv3", "conv4"]),
        Layer("cat1", LayerKind.Concat, 8, 3, inputs: ["conv4", "add1"]),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void BranchesMergeIntoTheUnionOfTheirWindows(int layer) => AssertMatchesBruteForce(s_branches, layer);

    [Fact]
    public void LayersThatSeeTheWholeInputHaveNoWindow()
    {
        var layers = new LeNet5().Layers;
        var error = Assert.Throws<ArgumentException>(() => ReceptiveField.Of(layers, LeNet5.Fc1.Index));
        Assert.Contains("'fc1' (FullyConnected) sees its whole input", error.Message);
    }

    [Fact]
    public void BranchesWhoseWindowsMoveByDifferentStepsCannotMerge()
    {
        LayerInfo[] layers =
        [
            Layer("conv1", LayerKind.Conv, 1, 4, size: 2, stride: 2, inputs: "input"),
            Layer("conv2", LayerKind.Conv, 1, 4, size: 5, stride: 1, inputs: "input"),
            Layer("add1", LayerKind.Add, 1, 4, inputs: ["conv1", "conv2"]),
        ];
        var error = Assert.Throws<ArgumentException>(() => ReceptiveField.Of(layers, 2));
        Assert.Contains("'add1' merges branches whose windows move by different steps", error.Message);
    }

    [Fact]
    public void ACropHoldsTheWindowsPixelsAndTheOutsideValueBeyondTheImage()
    {
        var layers = new LeNet5().Layers;
        var field = ReceptiveField.Of(layers, LeNet5.Conv2.Index);
        var image = Enumerable.Range(1, 28 * 28).Select(i => (float)i).ToArray();
        for (int row = 0; row < 10; row++)
            for (int column = 0; column < 10; column++)
            {
                int[] rows = [.. Reads(layers, LeNet5.Conv2.Index, row)], columns = [.. Reads(layers, LeNet5.Conv2.Index, column)];
                var crop = field.Crop(image, 28, 28, row, column, outside: -1);
                Assert.Equal(rows.Length * columns.Length, crop.Length);
                for (int y = 0; y < rows.Length; y++)
                    for (int x = 0; x < columns.Length; x++)
                    {
                        bool inside = rows[y] is >= 0 and < 28 && columns[x] is >= 0 and < 28;
                        Assert.Equal(inside ? rows[y] * 28 + columns[x] + 1 : -1, crop[y * rows.Length + x]);
                    }
            }
    }

    [Fact]
    public void ACropOfAnImageOfAnotherSizeIsRefused()
    {
        var field = new ReceptiveField(3, 1, 0);
        Assert.Throws<ArgumentException>(() => field.Crop(new float[27], 28, 1, 0, 0, 0f));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(9, 9)]
    [InlineData(0, 9)]
    [InlineData(4, 5)]
    public void TheNetworksGradientFromAConv2UnitFillsExactlyItsWindowWithinTheImage(int row, int column)
    {
        // Independent of the layer descriptions: what the generated Backward says the unit depends on. One input leaves
        // pixels out (ReLU and max pooling pass gradient through only some paths), so the union over several is taken.
        var network = new LeNet5(3);
        var field = ReceptiveField.Of(network.Layers, LeNet5.Conv2.Index);
        var rng = new Rng(11);
        var input = new float[LeNet5.InputLength];
        var scores = new float[LeNet5.OutputLength];
        var unit = new float[LeNet5.Conv2.Channels * 10 * 10];
        var gradient = new float[LeNet5.InputLength];
        var reached = new bool[28, 28];
        for (int trial = 0; trial < 30; trial++)
        {
            for (int i = 0; i < input.Length; i++) input[i] = rng.NextUniform(-1, 1);
            network.Forward(input, scores);
            Array.Clear(unit);
            unit[(trial % LeNet5.Conv2.Channels) * 100 + row * 10 + column] = 1;
            network.Backward(LeNet5.Conv2.Index, unit, gradient);
            for (int i = 0; i < gradient.Length; i++)
            {
                if (gradient[i] != 0) reached[i / 28, i % 28] = true;
            }
        }
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                bool inWindow = y >= field.StartOf(row) && y < field.StartOf(row) + field.Size
                                && x >= field.StartOf(column) && x < field.StartOf(column) + field.Size;
                Assert.True(inWindow == reached[y, x], $"pixel ({y}, {x}): in the window {inWindow}, reached by the gradient {reached[y, x]}");
            }
    }
}
