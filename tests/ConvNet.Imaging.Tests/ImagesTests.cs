using System;
using System.IO;
using StbImageWriteSharp;
using Xunit;

namespace ConvNet.Imaging.Tests;

public sealed class ImagesTests
{
    internal static byte[] Png(int width, int height, int channels, byte[] pixels)
    {
        using var stream = new MemoryStream();
        new ImageWriter().WritePng(pixels, width, height, channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue, stream);
        return stream.ToArray();
    }

    private static readonly byte[] s_rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30, 7, 8, 9, 250, 251, 252];

    [Fact]
    public void Decode_GivesThePngsBytesInRgb()
    {
        var image = Images.Decode(Png(3, 2, 3, s_rgb), channels: 3);
        Assert.Equal((3, 2, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(s_rgb, image.Pixels);
    }

    [Fact]
    public void Decode_ToGrey_UsesTheDecodersLuma()
    {
        var image = Images.Decode(Png(3, 2, 3, s_rgb), channels: 1);
        var expected = new byte[6];
        // stb_image's stbi__compute_y.
        for (int p = 0; p < 6; p++) expected[p] = (byte)((s_rgb[3 * p] * 77 + s_rgb[3 * p + 1] * 150 + s_rgb[3 * p + 2] * 29) >> 8);
        Assert.Equal(expected, image.Pixels);
        Assert.Equal([76, 149, 28], expected[..3]);
    }

    [Fact]
    public void Decode_Jpeg()
    {
        using var stream = new MemoryStream();
        var grey = new byte[8 * 8];
        Array.Fill(grey, (byte)128);
        new ImageWriter().WriteJpg(grey, 8, 8, ColorComponents.Grey, stream, quality: 100);
        var image = Images.Decode(stream.ToArray(), channels: 1);
        Assert.Equal((8, 8), (image.Width, image.Height));
        Assert.All(image.Pixels, b => Assert.InRange(b, 127, 129));
    }

    [Fact]
    public void Decode_Garbage_IsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => Images.Decode([1, 2, 3, 4, 5], 3));
        Assert.Throws<ArgumentOutOfRangeException>("channels", () => Images.Decode(Png(1, 1, 1, [0]), 4));
    }

    // PyTorch: F.interpolate(torch.arange(4.).view(1, 1, 2, 2), size=(4, 4), mode="bilinear", align_corners=False).
    [Fact]
    public void ResizeBilinear_Upsampling_MatchesPyTorch()
    {
        var output = new float[16];
        Images.ResizeBilinear([0, 1, 2, 3], new Shape(1, 2, 2), output, new Shape(1, 4, 4));
        Assert.Equal([0f, 0.25f, 0.75f, 1f, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2f, 2.25f, 2.75f, 3f], output);
    }

    // Halving samples the middle of each 2x2 block: its mean. Two channels, each resized on its own.
    [Fact]
    public void ResizeBilinear_Halving_AveragesBlocks_PerChannel()
    {
        var input = new float[32];
        for (int i = 0; i < 16; i++) (input[i], input[16 + i]) = (i, 100 - i);
        var output = new float[8];
        Images.ResizeBilinear(input, new Shape(2, 4, 4), output, new Shape(2, 2, 2));
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f, 97.5f, 95.5f, 89.5f, 87.5f], output);
    }

    // PyTorch: F.interpolate(torch.tensor([[[[0., 10., 20.]]]]), size=(1, 2), mode="bilinear", align_corners=False)
    // gives [2.5, 17.5]: positions 0.25 and 1.75 between the pixel centres.
    [Fact]
    public void ResizeBilinear_UnevenScale_MatchesPyTorch()
    {
        var output = new float[2];
        Images.ResizeBilinear([0, 10, 20], new Shape(1, 1, 3), output, new Shape(1, 1, 2));
        Assert.Equal([2.5f, 17.5f], output);
    }

    [Fact]
    public void ToTensor_ScalesToUnitRange_ChannelsFirst_AndNormalises()
    {
        var image = new DecodedImage(2, 1, 3, [0, 51, 102, 255, 153, 204]);
        Assert.Equal([0f, 1f, 0.2f, 0.6f, 0.4f, 0.8f], Images.ToTensor(image, new Shape(3, 1, 2)));
        var normalised = Images.ToTensor(image, new Shape(3, 1, 2), new Normalization([0.5f, 0f, 0f], [0.5f, 1f, 2f]));
        Assert.Equal([(0f - 0.5f) / 0.5f, (1f - 0.5f) / 0.5f, 0.2f, 0.6f, 0.4f / 2, 0.8f / 2], normalised);
        Assert.Throws<ArgumentException>("image", () => Images.ToTensor(image, new Shape(1, 1, 2)));
    }

    [Fact]
    public void ToTensor_Resizes_AfterScaling()
    {
        var image = new DecodedImage(2, 2, 1, [0, 51, 102, 153]);
        var expected = new float[16];
        Images.ResizeBilinear([0f, 51 / 255f, 102 / 255f, 153 / 255f], new Shape(1, 2, 2), expected, new Shape(1, 4, 4));
        Assert.Equal(expected, Images.ToTensor(image, new Shape(1, 4, 4)));
        Assert.Equal(51 / 255f * 0.25f, expected[1], 6);
    }
}
