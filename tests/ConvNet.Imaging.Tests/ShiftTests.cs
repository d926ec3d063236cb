using System;
using System.Linq;
using Xunit;

namespace ConvNet.Imaging.Tests;

/// <summary>One-channel shifts, the LeNet and ResNet samples' augmentation.</summary>
public sealed class ShiftTests
{
    // A 3x4 image whose pixel values are their row-major indices + 1, so every pixel is told apart from the fill (0).
    private static readonly float[] Image = Enumerable.Range(1, 12).Select(i => (float)i).ToArray();

    private static float[] Shift(int dx, int dy)
    {
        var result = new float[12];
        ImageTransforms.Shift(Image, new Shape(1, 3, 4), dx, dy, fill: 0f, result);
        return result;
    }

    [Fact]
    public void ZeroShiftCopies() => Assert.Equal(Image, Shift(0, 0));

    [Fact]
    public void PositiveDxMovesRightAndFillsTheLeftColumn() =>
        Assert.Equal([0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11], Shift(1, 0));

    [Fact]
    public void NegativeDyMovesUpAndFillsTheBottomRow() =>
        Assert.Equal([5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0], Shift(0, -1));

    [Fact]
    public void DiagonalShift() =>
        Assert.Equal([0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 5, 6], Shift(2, 1));

    [Theory]
    [InlineData(4, 0)]
    [InlineData(-4, 0)]
    [InlineData(0, 3)]
    [InlineData(0, -7)]
    public void ShiftPastTheEdgeLeavesOnlyFill(int dx, int dy) => Assert.All(Shift(dx, dy), v => Assert.Equal(0f, v));

    [Fact]
    public void RejectsWrongSizesAndOverlap()
    {
        Assert.Throws<ArgumentException>(() => ImageTransforms.Shift(Image, new Shape(1, 3, 3), 0, 0, 0f, new float[12]));
        Assert.Throws<ArgumentException>(() => ImageTransforms.Shift(Image, new Shape(1, 3, 4), 0, 0, 0f, new float[11]));
        var buffer = (float[])Image.Clone();
        Assert.Throws<ArgumentException>(() => ImageTransforms.Shift(buffer, new Shape(1, 3, 4), 1, 0, 0f, buffer));
    }

    [Fact]
    public void RandomShiftsStayWithinTheLimitAndCoverEveryOffset()
    {
        // One bright pixel in the middle of a 9x9 image shows where the shift put it.
        var image = new float[81];
        image[4 * 9 + 4] = 1f;
        var result = new float[81];
        var rng = new Rng(42);
        var seen = new bool[5, 5];
        for (int i = 0; i < 2000; i++)
        {
            new RandomShift(maxShift: 2).Apply(image, result, new Shape(1, 9, 9), rng);
            int at = Array.IndexOf(result, 1f);
            int dx = at % 9 - 4, dy = at / 9 - 4;
            Assert.InRange(dx, -2, 2);
            Assert.InRange(dy, -2, 2);
            seen[dy + 2, dx + 2] = true;
        }
        Assert.All(seen.Cast<bool>(), Assert.True);
    }

    [Fact]
    public void RandomShiftIsDeterministicForASeed()
    {
        float[] Run()
        {
            var rng = new Rng(7);
            var result = new float[12];
            for (int i = 0; i < 5; i++) new RandomShift(1, -1f).Apply(Image, result, new Shape(1, 3, 4), rng);
            return result;
        }
        Assert.Equal(Run(), Run());
    }
}
