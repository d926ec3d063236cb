using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using Classify;
using StbImageWriteSharp;
using Xunit;

namespace Classify.Tests;

public sealed class DigitsTests
{
    internal static byte[] Png(byte[] pixels, int width, int height, ColorComponents components = ColorComponents.Grey)
    {
        using var stream = new MemoryStream();
        new ImageWriter().WritePng(pixels, width, height, components, stream);
        return stream.ToArray();
    }

    /// <summary>The 54 bytes of a 24-bit BMP's headers claiming <paramref name="side"/> x <paramref name="side"/> pixels,
    /// and no pixels.</summary>
    internal static byte[] BmpHeader(int side)
    {
        var file = new byte[54];
        "BM"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(2), 54 + 3 * side * side);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(10), 54);   // where the pixels would start
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(14), 40);   // BITMAPINFOHEADER
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(18), side);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(22), side);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(26), 1);    // planes
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(28), 24);   // bits per pixel
        return file;
    }

    /// <summary>A PNG of one black pixel whose header then claims <paramref name="side"/> x <paramref name="side"/>
    /// (the header's CRC goes stale, which the decoder does not check).</summary>
    internal static byte[] PngClaiming(int side)
    {
        var file = Png([0], 1, 1);
        // The signature (8 bytes), the IHDR chunk's length and type (8), then its width and height.
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(16), side);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(20), side);
        return file;
    }

    [Fact]
    public void A28x28LightOnDarkPicture_IsTakenAsItIs()
    {
        var pixels = Enumerable.Range(0, 784).Select(i => (byte)(i % 97)).ToArray();
        Assert.Equal(pixels, Digits.FromImage(Png(pixels, 28, 28)));
    }

    [Fact]
    public void DarkInkOnLightPaper_IsInverted()
    {
        var pixels = Enumerable.Repeat((byte)255, 784).ToArray();
        pixels[14 * 28 + 3] = 0;
        pixels[20 * 28 + 9] = 55;
        var digit = Digits.FromImage(Png(pixels, 28, 28));
        Assert.Equal(255, digit[14 * 28 + 3]);
        Assert.Equal(200, digit[20 * 28 + 9]);
        Assert.Equal(782, digit.Count(b => b == 0));
    }

    [Fact]
    public void OnATransparentCanvas_OpacityIsTheInk()
    {
        // Grey + alpha: black strokes whose alpha says where they are.
        var pixels = new byte[2 * 784];
        pixels[2 * 100 + 1] = 255;
        pixels[2 * 101 + 1] = 128;
        var digit = Digits.FromImage(Png(pixels, 28, 28, ColorComponents.GreyAlpha));
        Assert.Equal(255, digit[100]);
        Assert.Equal(128, digit[101]);
        Assert.Equal(782, digit.Count(b => b == 0));
    }

    [Fact]
    public void Frame_ScalesTheInkToA20PixelBox_CentredByMass()
    {
        // A 40x80 block of ink inside a 100x120 picture: scaled by 1/4 to 10x20, whose centre of mass (5, 10) goes to
        // (14, 14), so the block covers columns 9-18 and rows 4-23.
        const int width = 100, height = 120;
        var ink = new byte[width * height];
        for (int y = 30; y < 110; y++)
            for (int x = 7; x < 47; x++) ink[y * width + x] = 200;
        var framed = Digits.Frame(ink, width, height);
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                Assert.Equal(x is >= 9 and <= 18 && y is >= 4 and <= 23 ? 200 : 0, framed[y * 28 + x]);
    }

    [Fact]
    public void Frame_OfABlankPicture_IsBlank() => Assert.All(Digits.Frame(new byte[50 * 40], 50, 40), b => Assert.Equal(0, b));

    [Fact]
    public void NotAnImage_IsAFormatException() =>
        Assert.Contains("not an image", Assert.Throws<FormatException>(() => Digits.FromImage("hello"u8.ToArray())).Message);

    // Decoding the BMP takes 2 GB and 40 s and gives a "digit" of zeros; the PNG fails late or runs out of memory.
    [Fact]
    public void AHeaderClaimingMoreThanTheCap_IsRefusedBeforeAnythingIsDecoded()
    {
        foreach (var file in new[] { BmpHeader(20_000), PngClaiming(20_000) })
        {
            var e = Assert.Throws<FormatException>(() => Digits.FromImage(file));
            Assert.Contains("20000x20000 pixels", e.Message);
            Assert.Contains($"{Digits.MaxPixels:N0}", e.Message);
        }
    }

    [Fact]
    public void APictureAtTheCap_IsDecoded()
    {
        // 4096x4096 is exactly the cap; a blank one is framed to a blank digit.
        var pixels = new byte[Digits.MaxPixels];
        Assert.All(Digits.FromImage(Png(pixels, 4096, 4096)), b => Assert.Equal(0, b));
    }
}
