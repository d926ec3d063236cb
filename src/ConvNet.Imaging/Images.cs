using System;
using System.IO;
using StbImageSharp;

namespace ConvNet.Imaging;

/// <summary>A decoded picture: <see cref="Height"/> rows of <see cref="Width"/> pixels of <see cref="Channels"/> bytes,
/// interleaved (HWC, row 0 at the top), as decoders give them.</summary>
public sealed class DecodedImage
{
    /// <summary>An image over <paramref name="pixels"/> (kept, not copied).</summary>
    /// <exception cref="ArgumentException">A size is not positive or the pixel count disagrees with it.</exception>
    public DecodedImage(int width, int height, int channels, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != (long)width * height * channels)
            throw new ArgumentException($"Expected {width}x{height}x{channels} = {(long)width * height * channels} bytes, got {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }
    /// <summary>Rows.</summary>
    public int Height { get; }
    /// <summary>Bytes per pixel: 1 (grey) or 3 (red, green, blue).</summary>
    public int Channels { get; }
    /// <summary>The bytes, row after row, each pixel's channels together.</summary>
    public byte[] Pixels { get; }
}

/// <summary>Per-channel normalisation, <c>(x - mean) / std</c> on values in [0, 1], as torchvision's <c>Normalize</c>.</summary>
public sealed class Normalization
{
    /// <summary>A normalisation with one mean and one standard deviation per channel.</summary>
    /// <exception cref="ArgumentException">The lengths differ or are 0, a value is not finite, or a deviation is not positive.</exception>
    public Normalization(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Expected as many means as deviations, at least one; got {mean.Length} and {std.Length}.", nameof(std));
        for (int c = 0; c < mean.Length; c++)
        {
            if (!float.IsFinite(mean[c])) throw new ArgumentOutOfRangeException(nameof(mean), mean[c], $"mean[{c}] must be finite.");
            if (!(float.IsFinite(std[c]) && std[c] > 0)) throw new ArgumentOutOfRangeException(nameof(std), std[c], $"std[{c}] must be finite and > 0.");
        }
        Mean = (float[])mean.Clone();
        Std = (float[])std.Clone();
    }

    /// <summary>MNIST's single channel (<see cref="Idx.MnistMean"/>, <see cref="Idx.MnistStd"/>), the values the IDX readers normalise with.</summary>
    public static Normalization Mnist { get; } = new([Idx.MnistMean], [Idx.MnistStd]);

    /// <summary>Each channel's mean.</summary>
    public float[] Mean { get; }
    /// <summary>Each channel's standard deviation.</summary>
    public float[] Std { get; }
}

/// <summary>Decoding PNG and JPEG files (StbImageSharp) and turning them into network inputs.</summary>
public static class Images
{
    /// <summary>Decodes a PNG, JPEG, BMP or GIF (first frame) into <paramref name="channels"/> bytes per pixel: 1 gives
    /// grey (a colour image converted with the decoder's luma weights, 77/150/29 out of 256), 3 gives RGB. Alpha is dropped.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is neither 1 nor 3.</exception>
    /// <exception cref="InvalidDataException">The bytes are no image the decoder reads.</exception>
    public static DecodedImage Decode(byte[] data, int channels)
    {
        ArgumentNullException.ThrowIfNull(data);
        var components = channels switch
        {
            1 => ColorComponents.Grey,
            3 => ColorComponents.RedGreenBlue,
            _ => throw new ArgumentOutOfRangeException(nameof(channels), channels, "Images decode to 1 (grey) or 3 (RGB) channels."),
        };
        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(data, components);
        }
        // The decoder reports a bad file with a plain Exception carrying its reason.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Not an image the decoder reads: {e.Message}", e);
        }
        return new DecodedImage(result.Width, result.Height, channels, result.Data);
    }

    /// <summary>Reads and decodes the image file at <paramref name="path"/>; see <see cref="Decode"/>.</summary>
    /// <exception cref="InvalidDataException">The file is no image the decoder reads (the message names it).</exception>
    public static DecodedImage Load(string path, int channels)
    {
        byte[] data = File.ReadAllBytes(path);
        try
        {
            return Decode(data, channels);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// A network input of <paramref name="shape"/> from <paramref name="image"/>: bytes scaled to [0, 1] (torchvision's
    /// <c>ToTensor</c>), resized with <see cref="ResizeBilinear"/> when the size differs, channels first, then
    /// normalised when <paramref name="normalization"/> is given.
    /// </summary>
    /// <exception cref="ArgumentException">The image's channel count is not the shape's, or the normalisation has another.</exception>
    public static float[] ToTensor(DecodedImage image, Shape shape, Normalization? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels != shape.Channels)
            throw new ArgumentException($"The image has {image.Channels} channels, the shape {shape.Channels}: decode it with channels: {shape.Channels}.", nameof(image));
        if (normalization is not null && normalization.Mean.Length != shape.Channels)
            throw new ArgumentException($"The normalisation has {normalization.Mean.Length} channels, the shape {shape.Channels}.", nameof(normalization));
        var decoded = new Shape(image.Channels, image.Height, image.Width);
        var planar = new float[decoded.Length];
        int plane = image.Height * image.Width;
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < image.Channels; c++)
                planar[c * plane + p] = image.Pixels[p * image.Channels + c] / 255f;
        }
        var tensor = decoded == shape ? planar : new float[shape.Length];
        if (decoded != shape) ResizeBilinear(planar, decoded, tensor, shape);
        if (normalization is not null)
        {
            int outPlane = shape.Height * shape.Width;
            for (int c = 0; c < shape.Channels; c++)
            {
                float mean = normalization.Mean[c], std = normalization.Std[c];
                foreach (ref float x in tensor.AsSpan(c * outPlane, outPlane)) x = (x - mean) / std;
            }
        }
        return tensor;
    }

    /// <summary>
    /// Resizes every channel of <paramref name="source"/> (CHW) to <paramref name="to"/>'s height and width by bilinear
    /// interpolation with pixel centres aligned, as PyTorch's <c>interpolate(mode="bilinear", align_corners=False,
    /// antialias=False)</c>: destination pixel x samples source position (x + 0.5) * inWidth / outWidth - 0.5, clamped to
    /// the image. Shrinking by more than 2 skips source pixels (no antialiasing).
    /// </summary>
    /// <exception cref="ArgumentException">The channel counts differ, or a span's length is not its shape's.</exception>
    public static void ResizeBilinear(ReadOnlySpan<float> source, Shape from, Span<float> destination, Shape to)
    {
        if (from.Channels != to.Channels)
            throw new ArgumentException($"Resizing keeps the channels: {from} cannot become {to}.", nameof(to));
        if (source.Length != from.Length)
            throw new ArgumentException($"Expected {from.Length} floats ({from}), got {source.Length}.", nameof(source));
        if (destination.Length != to.Length)
            throw new ArgumentException($"Expected {to.Length} floats ({to}), got {destination.Length}.", nameof(destination));
        // The source rows and columns each output row and column blends, and its weight on the second one.
        var (y0, y1, wy) = Taps(from.Height, to.Height);
        var (x0, x1, wx) = Taps(from.Width, to.Width);
        for (int c = 0; c < to.Channels; c++)
        {
            var plane = source.Slice(c * from.Height * from.Width, from.Height * from.Width);
            var output = destination.Slice(c * to.Height * to.Width, to.Height * to.Width);
            for (int y = 0; y < to.Height; y++)
            {
                var top = plane.Slice(y0[y] * from.Width, from.Width);
                var bottom = plane.Slice(y1[y] * from.Width, from.Width);
                for (int x = 0; x < to.Width; x++)
                {
                    float upper = (1 - wx[x]) * top[x0[x]] + wx[x] * top[x1[x]];
                    float lower = (1 - wx[x]) * bottom[x0[x]] + wx[x] * bottom[x1[x]];
                    output[y * to.Width + x] = (1 - wy[y]) * upper + wy[y] * lower;
                }
            }
        }
    }

    // PyTorch's area_pixel_compute_source_index for align_corners=False, then the two neighbours and the weight.
    private static (int[] First, int[] Second, float[] Weight) Taps(int inSize, int outSize)
    {
        var first = new int[outSize];
        var second = new int[outSize];
        var weight = new float[outSize];
        float scale = (float)inSize / outSize;
        for (int i = 0; i < outSize; i++)
        {
            float position = Math.Max(scale * (i + 0.5f) - 0.5f, 0f);
            int lower = Math.Min((int)position, inSize - 1);
            first[i] = lower;
            second[i] = Math.Min(lower + 1, inSize - 1);
            weight[i] = position - lower;
        }
        return (first, second, weight);
    }
}
