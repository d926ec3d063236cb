using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace ConvNet.Imaging.Tests;

public sealed class AugmentationTests
{
    // Two channels of 3 rows x 4 columns: channel c, row y, column x holds 100c + 10y + x.
    private static readonly Shape s_shape = new(2, 3, 4);
    private static float[] Image() =>
        Enumerable.Range(0, 24).Select(i => (float)(100 * (i / 12) + 10 * (i % 12 / 4) + i % 4)).ToArray();

    [Fact]
    public void Shift_MovesEveryChannel_AndFills()
    {
        var result = new float[24];
        ImageTransforms.Shift(Image(), s_shape, dx: 1, dy: -1, fill: -1f, result);
        Assert.Equal(
        [
            -1, 10, 11, 12, -1, 20, 21, 22, -1, -1, -1, -1,
            -1, 110, 111, 112, -1, 120, 121, 122, -1, -1, -1, -1,
        ], result);
        ImageTransforms.Shift(Image(), s_shape, dx: 4, dy: 0, fill: 5f, result);
        Assert.All(result, v => Assert.Equal(5f, v));
    }

    [Fact]
    public void FlipHorizontal_MirrorsEachRow()
    {
        var result = new float[24];
        ImageTransforms.FlipHorizontal(Image(), s_shape, result);
        Assert.Equal(
        [
            3, 2, 1, 0, 13, 12, 11, 10, 23, 22, 21, 20,
            103, 102, 101, 100, 113, 112, 111, 110, 123, 122, 121, 120,
        ], result);
    }

    [Fact]
    public void Spans_AreChecked()
    {
        var image = Image();
        Assert.Throws<ArgumentException>("destination", () => ImageTransforms.Shift(image, s_shape, 0, 0, 0, new float[23]));
        Assert.Throws<ArgumentException>("image", () => ImageTransforms.FlipHorizontal(image.AsSpan(1), s_shape, new float[23]));
        Assert.Throws<ArgumentException>("destination", () => ImageTransforms.FlipHorizontal(image, s_shape, image));
    }

    // torchvision's RandomCrop(padding=p) built literally: pad, then take the window at the drawn (top, left).
    private static float[] PadAndCrop(float[] image, Shape shape, int padding, float fill, int top, int left)
    {
        int ph = shape.Height + 2 * padding, pw = shape.Width + 2 * padding;
        var padded = new float[shape.Channels * ph * pw];
        Array.Fill(padded, fill);
        for (int c = 0; c < shape.Channels; c++)
            for (int y = 0; y < shape.Height; y++)
                for (int x = 0; x < shape.Width; x++)
                    padded[(c * ph + y + padding) * pw + x + padding] = image[(c * shape.Height + y) * shape.Width + x];
        var crop = new float[shape.Length];
        for (int c = 0; c < shape.Channels; c++)
            for (int y = 0; y < shape.Height; y++)
                for (int x = 0; x < shape.Width; x++)
                    crop[(c * shape.Height + y) * shape.Width + x] = padded[(c * ph + y + top) * pw + x + left];
        return crop;
    }

    [Fact]
    public void RandomCrop_IsPadThenCrop_AtTheDrawnWindow_AndReachesEveryWindow()
    {
        var windows = new HashSet<(int, int)>();
        for (ulong seed = 0; seed < 200; seed++)
        {
            var result = new float[24];
            new RandomCrop(padding: 2, fill: -7f).Apply(Image(), result, s_shape, new Rng(seed));
            var twin = new Rng(seed);
            int top = twin.NextInt(5), left = twin.NextInt(5);
            windows.Add((top, left));
            Assert.Equal(PadAndCrop(Image(), s_shape, 2, -7f, top, left), result);
        }
        Assert.Equal(25, windows.Count);
    }

    [Fact]
    public void RandomShift_DrawsXThenY_InRange()
    {
        for (ulong seed = 0; seed < 50; seed++)
        {
            var result = new float[24];
            new RandomShift(maxShift: 1, fill: 0f).Apply(Image(), result, s_shape, new Rng(seed));
            var twin = new Rng(seed);
            int dx = twin.NextInt(3) - 1, dy = twin.NextInt(3) - 1;
            // Shift by (dx, dy) is the crop window (1 - dy, 1 - dx) of the image padded by 1.
            Assert.Equal(PadAndCrop(Image(), s_shape, 1, 0f, 1 - dy, 1 - dx), result);
        }
    }

    [Fact]
    public void RandomHorizontalFlip_FlipsWithItsProbability()
    {
        var flipped = new float[24];
        ImageTransforms.FlipHorizontal(Image(), s_shape, flipped);
        int flips = 0;
        var rng = new Rng(3);
        var result = new float[24];
        for (int i = 0; i < 1000; i++)
        {
            new RandomHorizontalFlip().Apply(Image(), result, s_shape, rng);
            if (result.SequenceEqual(flipped)) flips++;
            else Assert.Equal(Image(), result);
        }
        Assert.InRange(flips, 450, 550);
        new RandomHorizontalFlip(0f).Apply(Image(), result, s_shape, rng);
        Assert.Equal(Image(), result);
        new RandomHorizontalFlip(1f).Apply(Image(), result, s_shape, rng);
        Assert.Equal(flipped, result);
    }

    [Fact]
    public void Compose_AppliesInOrder_FromOneGenerator_AndIsFixedBySeed()
    {
        var crop = new RandomCrop(1);
        var flip = new RandomHorizontalFlip();
        var shift = new RandomShift(2, -1f);
        var composed = new Compose(crop, flip, shift);
        for (ulong seed = 0; seed < 20; seed++)
        {
            var result = new float[24];
            composed.Apply(Image(), result, s_shape, new Rng(seed));
            var rng = new Rng(seed);
            float[] a = new float[24], b = new float[24], c = new float[24];
            crop.Apply(Image(), a, s_shape, rng);
            flip.Apply(a, b, s_shape, rng);
            shift.Apply(b, c, s_shape, rng);
            Assert.Equal(c, result);
            var again = new float[24];
            composed.Apply(Image(), again, s_shape, new Rng(seed));
            Assert.Equal(result, again);
        }
        Assert.Throws<ArgumentException>("steps", () => new Compose());
    }
}
