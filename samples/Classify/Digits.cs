using System;
using System.Globalization;
using System.IO;
using StbImageSharp;

namespace Classify;

/// <summary>
/// Turns a picture of a digit into what LeNet-5 was trained on: 28x28 bytes, a light digit on a dark background, framed
/// the way MNIST frames its digits.
/// </summary>
public static class Digits
{
    /// <summary>The side of an MNIST digit, in pixels.</summary>
    public const int Side = 28;

    // MNIST scales each digit to fit a 20x20 box (keeping its aspect ratio) and centres its centre of mass in 28x28.
    private const int Box = 20;

    /// <summary>The most pixels a picture may have: a digit needs far fewer, and the decoder holds several bytes per
    /// pixel, so this bounds its memory (a 4096x4096 picture, or a 12-megapixel photo, fits).</summary>
    public const int MaxPixels = 1 << 24;

    /// <summary>The largest image file read (64 MiB), so that reading a device or a huge file cannot exhaust memory.</summary>
    public const int MaxFileBytes = 64 << 20;

    /// <summary>
    /// Decodes a PNG (or JPEG, BMP, GIF, TGA) file and frames it. A 28x28 picture is taken as already framed. Dark ink
    /// on a light background is inverted; with transparency, opacity is the ink (strokes drawn on a transparent canvas).
    /// </summary>
    /// <exception cref="FormatException">The file is not an image this reader knows, or its header claims more than
    /// <see cref="MaxPixels"/> pixels (checked before anything is decoded).</exception>
    public static byte[] FromImage(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        ImageResult image;
        try
        {
            // A header of a few bytes can claim any size, and the decoder allocates for it before it reads a pixel.
            var info = ImageInfo.FromStream(new MemoryStream(file, writable: false))
                       ?? throw new InvalidOperationException("no image header found");
            if ((long)info.Width * info.Height > MaxPixels)
                throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                    $"the image is {info.Width}x{info.Height} pixels, more than the {MaxPixels:N0} (4096x4096) this reader decodes."));
            image = ImageResult.FromMemory(file, ColorComponents.GreyAlpha);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // The decoder reports a bad file with whatever its C original would have returned.
            throw new FormatException($"not an image this reader knows (PNG, JPEG, BMP, GIF, TGA): {e.Message}", e);
        }
        int width = image.Width, height = image.Height;
        var ink = new byte[width * height];
        bool transparent = false;
        for (int i = 0; i < ink.Length; i++) transparent |= image.Data[2 * i + 1] != 255;
        for (int i = 0; i < ink.Length; i++) ink[i] = transparent ? image.Data[2 * i + 1] : image.Data[2 * i];
        if (!transparent && BorderMean(ink, width, height) > 127)
        {
            for (int i = 0; i < ink.Length; i++) ink[i] = (byte)(255 - ink[i]);
        }
        return width == Side && height == Side ? ink : Frame(ink, width, height);
    }

    /// <summary>
    /// MNIST's framing of a light-on-dark digit of any size: cropped to its ink, scaled so its longer side is 20 pixels
    /// (area averaging), and placed in 28x28 with its centre of mass at the centre. A blank picture stays blank.
    /// </summary>
    public static byte[] Frame(ReadOnlySpan<byte> ink, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (ink.Length != width * height)
            throw new ArgumentException($"Expected {width * height} pixels, got {ink.Length}.", nameof(ink));
        var framed = new byte[Side * Side];
        byte max = 0;
        foreach (byte b in ink) max = Math.Max(max, b);
        if (max == 0) return framed;

        // The crop ignores faint specks (scanner noise, antialiasing far from the stroke).
        int threshold = max / 4, left = width, right = -1, top = height, bottom = -1;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                if (ink[y * width + x] <= threshold) continue;
                left = Math.Min(left, x); right = Math.Max(right, x);
                top = Math.Min(top, y); bottom = Math.Max(bottom, y);
            }
        int cropWidth = right - left + 1, cropHeight = bottom - top + 1;
        double scale = (double)Math.Max(cropWidth, cropHeight) / Box;
        int boxWidth = Math.Max(1, (int)Math.Round(cropWidth / scale)), boxHeight = Math.Max(1, (int)Math.Round(cropHeight / scale));

        // Each box pixel is the mean of the source area it covers, weighted by overlap.
        var box = new double[boxWidth * boxHeight];
        for (int by = 0; by < boxHeight; by++)
            for (int bx = 0; bx < boxWidth; bx++)
            {
                double y0 = top + by * scale, y1 = Math.Min(top + (by + 1) * scale, bottom + 1);
                double x0 = left + bx * scale, x1 = Math.Min(left + (bx + 1) * scale, right + 1);
                double sum = 0, area = 0;
                for (int sy = (int)y0; sy < y1; sy++)
                {
                    double wy = Math.Min(y1, sy + 1) - Math.Max(y0, sy);
                    for (int sx = (int)x0; sx < x1; sx++)
                    {
                        double w = wy * (Math.Min(x1, sx + 1) - Math.Max(x0, sx));
                        sum += w * ink[sy * width + sx];
                        area += w;
                    }
                }
                box[by * boxWidth + bx] = area > 0 ? sum / area : 0;
            }

        double mass = 0, cx = 0, cy = 0;
        for (int y = 0; y < boxHeight; y++)
            for (int x = 0; x < boxWidth; x++)
            {
                double v = box[y * boxWidth + x];
                mass += v; cx += v * (x + 0.5); cy += v * (y + 0.5);
            }
        int offsetX = Math.Clamp((int)Math.Round(Side / 2.0 - cx / mass), 0, Side - boxWidth);
        int offsetY = Math.Clamp((int)Math.Round(Side / 2.0 - cy / mass), 0, Side - boxHeight);
        for (int y = 0; y < boxHeight; y++)
            for (int x = 0; x < boxWidth; x++)
                framed[(y + offsetY) * Side + x + offsetX] = (byte)Math.Round(box[y * boxWidth + x]);
        return framed;
    }

    private static double BorderMean(byte[] pixels, int width, int height)
    {
        double sum = 0;
        int count = 0;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                if (y != 0 && y != height - 1 && x != 0 && x != width - 1) continue;
                sum += pixels[y * width + x];
                count++;
            }
        return sum / count;
    }
}
