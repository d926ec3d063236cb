using System;

namespace ConvNet.Imaging;

/// <summary>The exact image operations behind the random augmentations: each writes a changed copy of a CHW sample.</summary>
public static class ImageTransforms
{
    /// <summary>
    /// Writes <paramref name="image"/> moved right by <paramref name="dx"/> and down by <paramref name="dy"/> pixels (every
    /// channel alike) into <paramref name="destination"/>; uncovered pixels get <paramref name="fill"/> (the background
    /// value after normalisation).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length is not the shape's, or they overlap.</exception>
    public static void Shift(ReadOnlySpan<float> image, Shape shape, int dx, int dy, float fill, Span<float> destination)
    {
        CheckSpans(image, shape, destination);
        destination.Fill(fill);
        int height = shape.Height, width = shape.Width, plane = height * width;
        // The rows and columns of the destination that receive a source pixel.
        int x0 = Math.Max(0, dx), x1 = Math.Min(width, width + dx);
        int y0 = Math.Max(0, dy), y1 = Math.Min(height, height + dy);
        if (x0 >= x1 || y0 >= y1) return;
        for (int c = 0; c < shape.Channels; c++)
        {
            for (int y = y0; y < y1; y++)
                image.Slice(c * plane + (y - dy) * width + x0 - dx, x1 - x0).CopyTo(destination.Slice(c * plane + y * width + x0, x1 - x0));
        }
    }

    /// <summary>Writes <paramref name="image"/> mirrored left to right into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">A span's length is not the shape's, or they overlap.</exception>
    public static void FlipHorizontal(ReadOnlySpan<float> image, Shape shape, Span<float> destination)
    {
        CheckSpans(image, shape, destination);
        int width = shape.Width;
        for (int row = 0; row < shape.Channels * shape.Height; row++)
        {
            var source = image.Slice(row * width, width);
            var target = destination.Slice(row * width, width);
            for (int x = 0; x < width; x++) target[x] = source[width - 1 - x];
        }
    }

    internal static void CheckSpans(ReadOnlySpan<float> image, Shape shape, Span<float> destination)
    {
        if (image.Length != shape.Length)
            throw new ArgumentException($"Expected {shape.Length} floats ({shape}), got {image.Length}.", nameof(image));
        if (destination.Length != image.Length)
            throw new ArgumentException($"Expected {image.Length} floats, got {destination.Length}.", nameof(destination));
        if (image.Overlaps(destination))
            throw new ArgumentException("The destination must not overlap the image.", nameof(destination));
    }
}

/// <summary>Shifts a sample by a uniform random offset in [-<see cref="MaxShift"/>, <see cref="MaxShift"/>] on each axis
/// (horizontal drawn first), filling what it uncovers: a digit or an object a few pixels off centre is still itself.</summary>
public sealed class RandomShift : IAugmentation
{
    /// <summary>Shifts by up to <paramref name="maxShift"/> (&gt;= 0) pixels, filling with <paramref name="fill"/>.</summary>
    public RandomShift(int maxShift, float fill = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxShift);
        if (!float.IsFinite(fill)) throw new ArgumentOutOfRangeException(nameof(fill), fill, "Must be finite.");
        MaxShift = maxShift;
        Fill = fill;
    }

    /// <summary>The largest shift on each axis, in pixels.</summary>
    public int MaxShift { get; }
    /// <summary>The value of uncovered pixels (the background after normalisation).</summary>
    public float Fill { get; }

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> sample, Span<float> destination, Shape shape, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int dx = rng.NextInt(2 * MaxShift + 1) - MaxShift;
        int dy = rng.NextInt(2 * MaxShift + 1) - MaxShift;
        ImageTransforms.Shift(sample, shape, dx, dy, Fill, destination);
    }
}

/// <summary>torchvision's <c>RandomCrop(size, padding)</c> at the sample's own size: pads every side by
/// <see cref="Padding"/> pixels of <see cref="Fill"/>, then crops a window of the original size whose top (drawn first)
/// and left edges are uniform in [0, 2 * padding].</summary>
public sealed class RandomCrop : IAugmentation
{
    /// <summary>Pads by <paramref name="padding"/> (&gt;= 0) pixels of <paramref name="fill"/> before cropping.</summary>
    public RandomCrop(int padding, float fill = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (!float.IsFinite(fill)) throw new ArgumentOutOfRangeException(nameof(fill), fill, "Must be finite.");
        Padding = padding;
        Fill = fill;
    }

    /// <summary>Pixels of padding on each side.</summary>
    public int Padding { get; }
    /// <summary>The padding's value.</summary>
    public float Fill { get; }

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> sample, Span<float> destination, Shape shape, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int top = rng.NextInt(2 * Padding + 1);
        int left = rng.NextInt(2 * Padding + 1);
        // A window at (top, left) of the padded image is the image moved by (padding - left, padding - top).
        ImageTransforms.Shift(sample, shape, Padding - left, Padding - top, Fill, destination);
    }
}

/// <summary>Mirrors a sample left to right with probability <see cref="Probability"/> (torchvision's
/// <c>RandomHorizontalFlip</c>); right for photographs, wrong for digits and text.</summary>
public sealed class RandomHorizontalFlip : IAugmentation
{
    /// <summary>Flips with probability <paramref name="probability"/>, in [0, 1].</summary>
    public RandomHorizontalFlip(float probability = 0.5f)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Must be in [0, 1].");
        Probability = probability;
    }

    /// <summary>The chance of a flip.</summary>
    public float Probability { get; }

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> sample, Span<float> destination, Shape shape, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        // One draw whatever the outcome, so the generator's position does not depend on earlier flips.
        if (rng.NextSingle() < Probability) ImageTransforms.FlipHorizontal(sample, shape, destination);
        else
        {
            ImageTransforms.CheckSpans(sample, shape, destination);
            sample.CopyTo(destination);
        }
    }
}

/// <summary>Several augmentations one after the other (torchvision's <c>Compose</c>), each drawing from the same generator in turn.</summary>
/// <remarks>Keeps a scratch buffer: one instance serves one training loop at a time.</remarks>
public sealed class Compose : IAugmentation
{
    private readonly IAugmentation[] _steps;
    private float[] _scratch = [];

    /// <summary>Applies <paramref name="steps"/> in order.</summary>
    /// <exception cref="ArgumentException">There is no step, or a step is null.</exception>
    public Compose(params IAugmentation[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Length == 0) throw new ArgumentException("Expected at least one augmentation.", nameof(steps));
        if (Array.IndexOf(steps, null) is >= 0 and int at) throw new ArgumentException($"steps[{at}] is null.", nameof(steps));
        _steps = (IAugmentation[])steps.Clone();
    }

    /// <summary>The augmentations, in the order they apply.</summary>
    public System.Collections.Generic.IReadOnlyList<IAugmentation> Steps => _steps;

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> sample, Span<float> destination, Shape shape, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ImageTransforms.CheckSpans(sample, shape, destination);
        if (_scratch.Length != 2 * sample.Length) _scratch = new float[2 * sample.Length];
        // Ping-pong between two halves of the scratch buffer, the last step writing to the destination.
        var source = sample;
        for (int i = 0; i < _steps.Length; i++)
        {
            var target = i == _steps.Length - 1 ? destination : _scratch.AsSpan(i % 2 * sample.Length, sample.Length);
            _steps[i].Apply(source, target, shape, rng);
            source = target;
        }
    }
}
