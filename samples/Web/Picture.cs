using System;

namespace Web;

/// <summary>An RGBA image for a page canvas (drawn by <c>lenetPad.show</c>), made from a network's numbers.</summary>
/// <param name="Rgba">Width x height pixels, 4 bytes each, row-major.</param>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
public sealed record Picture(byte[] Rgba, int Width, int Height)
{
    // Tiles are one pixel apart; the gaps stay transparent so the page's background shows through.
    private const int Gap = 1;

    /// <summary>A digit of bytes, 0 black to 255 white.</summary>
    public static Picture Digit(ReadOnlySpan<byte> pixels, int side)
    {
        var values = new float[pixels.Length];
        for (int i = 0; i < values.Length; i++) values[i] = pixels[i];
        return Tiles(values, 1, side, side, 1, _ => 255f, Grey);
    }

    /// <summary>Activation maps (<paramref name="count"/> channels of <paramref name="side"/> x <paramref name="side"/>)
    /// in rows of <paramref name="columns"/>, each channel on its own scale from 0 (dark) to its maximum (bright),
    /// so a channel that responds weakly still shows where it responds.</summary>
    public static Picture Activations(ReadOnlySpan<float> maps, int count, int side, int columns) =>
        Tiles(maps, count, side, side, columns, MaxAbs, Heat);

    /// <summary>Filters (<paramref name="count"/> of <paramref name="size"/> x <paramref name="size"/> weights) on one
    /// scale centred on zero: red positive, blue negative.</summary>
    public static Picture Filters(ReadOnlySpan<float> weights, int count, int size)
    {
        float limit = MaxAbs(weights);
        return Tiles(weights, count, size, size, count, _ => limit, Diverging);
    }

    /// <summary>A saliency map, 0 dark to its maximum bright.</summary>
    public static Picture Saliency(ReadOnlySpan<float> values, int side) => Tiles(values, 1, side, side, 1, MaxAbs, Heat);

    private delegate float Scale(ReadOnlySpan<float> tile);

    private static Picture Tiles(ReadOnlySpan<float> values, int count, int height, int width, int columns, Scale scale, Func<float, (byte R, byte G, byte B)> colour)
    {
        int rows = (count + columns - 1) / columns;
        int pictureWidth = columns * width + (columns - 1) * Gap, pictureHeight = rows * height + (rows - 1) * Gap;
        var rgba = new byte[pictureWidth * pictureHeight * 4];
        for (int t = 0; t < count; t++)
        {
            var tile = values.Slice(t * height * width, height * width);
            float limit = scale(tile);
            int left = t % columns * (width + Gap), top = t / columns * (height + Gap);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    // A tile that is all zero stays dark rather than dividing by zero.
                    float v = limit > 0 ? Math.Clamp(tile[y * width + x] / limit, -1f, 1f) : 0f;
                    var (r, g, b) = colour(v);
                    int p = ((top + y) * pictureWidth + left + x) * 4;
                    rgba[p] = r; rgba[p + 1] = g; rgba[p + 2] = b; rgba[p + 3] = 255;
                }
        }
        return new Picture(rgba, pictureWidth, pictureHeight);
    }

    private static float MaxAbs(ReadOnlySpan<float> values)
    {
        float max = 0;
        foreach (float v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    private static (byte, byte, byte) Grey(float v)
    {
        byte g = Byte(v);
        return (g, g, g);
    }

    // Black through red and yellow to white: brightness grows with the value, and the hue tells weak from strong.
    private static (byte, byte, byte) Heat(float v) => (Byte(3 * v), Byte(3 * v - 1), Byte(3 * v - 2));

    // White at zero, deepening to red for positive and blue for negative weights.
    private static (byte, byte, byte) Diverging(float v) =>
        v >= 0 ? ((byte)255, Byte(1 - v), Byte(1 - v)) : (Byte(1 + v), Byte(1 + v), (byte)255);

    private static byte Byte(float unit) => (byte)MathF.Round(255 * Math.Clamp(unit, 0f, 1f));
}
