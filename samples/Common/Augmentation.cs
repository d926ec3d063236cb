using System;
using ConvNet;

namespace Samples.Common;

/// <summary>Random translations of training digits, so the network sees each one at slightly different positions.</summary>
/// <remarks>
/// MNIST digits are centred by their centre of mass, but handwriting still lands a pixel or two off; shifting by up to
/// two pixels is the cheapest augmentation that helps a small training set, and it keeps every digit inside the frame.
/// </remarks>
public static class Augmentation
{
    /// <summary>
    /// Writes <paramref name="image"/> (<paramref name="height"/> x <paramref name="width"/>, one channel) moved right by
    /// <paramref name="dx"/> and down by <paramref name="dy"/> pixels into <paramref name="destination"/>; uncovered pixels
    /// get <paramref name="fill"/> (the background value after normalisation).
    /// </summary>
    public static void Shift(ReadOnlySpan<float> image, int height, int width, int dx, int dy, float fill, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (image.Length != height * width)
            throw new ArgumentException($"Expected {height * width} pixels, got {image.Length}.", nameof(image));
        if (destination.Length != image.Length)
            throw new ArgumentException($"Expected {image.Length} pixels, got {destination.Length}.", nameof(destination));
        if (image.Overlaps(destination))
            throw new ArgumentException("The destination must not overlap the image.", nameof(destination));

        destination.Fill(fill);
        // The rows and columns of the destination that receive a source pixel.
        int x0 = Math.Max(0, dx), x1 = Math.Min(width, width + dx);
        int y0 = Math.Max(0, dy), y1 = Math.Min(height, height + dy);
        if (x0 >= x1 || y0 >= y1) return;
        for (int y = y0; y < y1; y++)
            image.Slice((y - dy) * width + x0 - dx, x1 - x0).CopyTo(destination.Slice(y * width + x0, x1 - x0));
    }

    /// <summary>Shifts <paramref name="image"/> by a uniform random offset in [-<paramref name="maxShift"/>, <paramref name="maxShift"/>] on each axis.</summary>
    public static void RandomShift(ReadOnlySpan<float> image, int height, int width, int maxShift, float fill, Rng rng, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxShift);
        ArgumentNullException.ThrowIfNull(rng);
        int dx = rng.NextInt(2 * maxShift + 1) - maxShift;
        int dy = rng.NextInt(2 * maxShift + 1) - maxShift;
        Shift(image, height, width, dx, dy, fill, destination);
    }
}
