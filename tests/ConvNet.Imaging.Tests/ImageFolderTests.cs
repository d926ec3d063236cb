using System;
using System.IO;
using System.Linq;
using Xunit;

namespace ConvNet.Imaging.Tests;

public sealed class ImageFolderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "imagefolder-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    // A 1x1 grey PNG whose value tells the test which file a sample came from.
    private void Write(string folder, string file, byte value)
    {
        Directory.CreateDirectory(Path.Combine(_root, folder));
        File.WriteAllBytes(Path.Combine(_root, folder, file), ImagesTests.Png(1, 1, 1, [value]));
    }

    [Fact]
    public void Classes_AreTheFolderNamesInOrdinalOrder_FilesSortedWithin()
    {
        Write("b", "2.png", 20);
        Write("b", "10.PNG", 21);
        Write("a", "x.jpeg", 10);
        Write("B", "only.png", 30);
        Write("9", "z.png", 40);
        Write("10", "y.jpg", 50);
        File.WriteAllText(Path.Combine(_root, "a", "notes.txt"), "not an image");
        Directory.CreateDirectory(Path.Combine(_root, ".cache"));

        var folder = ImageFolder.Load(_root, new Shape(1, 1, 1));
        Assert.Equal(["10", "9", "B", "a", "b"], folder.Classes);
        Assert.Equal(["10/y.jpg", "9/z.png", "B/only.png", "a/x.jpeg", "b/10.PNG", "b/2.png"],
            folder.Files.Select(f => Path.GetRelativePath(_root, f).Replace('\\', '/')));
        Assert.Equal([0, 1, 2, 3, 4, 4], folder.Data.Labels);
        // The JPEG is stored by the decoder's test writer only approximately: check the PNGs exactly.
        Assert.Equal([40 / 255f, 30 / 255f, 21 / 255f, 20 / 255f], new[] { 1, 2, 4, 5 }.Select(i => folder.Data.Inputs[i]));
    }

    [Fact]
    public void Load_ResizesToTheShape_AndNormalises()
    {
        Directory.CreateDirectory(Path.Combine(_root, "one"));
        File.WriteAllBytes(Path.Combine(_root, "one", "a.png"), ImagesTests.Png(2, 2, 1, [0, 51, 102, 153]));
        var folder = ImageFolder.Load(_root, new Shape(1, 4, 4), new Normalization([0.5f], [0.25f]));
        var expected = Images.ToTensor(new DecodedImage(2, 2, 1, [0, 51, 102, 153]), new Shape(1, 4, 4), new Normalization([0.5f], [0.25f]));
        Assert.Equal(expected, folder.Data.Inputs);
        Assert.Equal(new Shape(1, 4, 4), folder.Shape);
    }

    [Fact]
    public void Load_Errors_NameTheFolderOrFile()
    {
        Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Load(_root, new Shape(1, 1, 1)));
        Directory.CreateDirectory(_root);
        Assert.Contains("no class folders", Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root, new Shape(1, 1, 1))).Message);
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root, new Shape(1, 1, 1))).Message);
        File.WriteAllText(Path.Combine(_root, "empty", "bad.png"), "not a png");
        Assert.Contains("bad.png", Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root, new Shape(1, 1, 1))).Message);
        Assert.Throws<ArgumentOutOfRangeException>("shape", () => ImageFolder.Load(_root, new Shape(2, 1, 1)));
    }

    private ImageFolder Hundred()
    {
        for (int i = 0; i < 100; i++) Write(i % 2 == 0 ? "even" : "odd", $"{i:D3}.png", (byte)i);
        return ImageFolder.Load(_root, new Shape(1, 1, 1));
    }

    [Fact]
    public void Split_IsDisjoint_Complete_AndFixedBySeed()
    {
        var folder = Hundred();
        var (train, validation) = folder.SplitIndices(0.2, seed: 7);
        Assert.Equal(80, train.Length);
        Assert.Equal(20, validation.Length);
        Assert.Empty(train.Intersect(validation));
        Assert.Equal(Enumerable.Range(0, 100), train.Concat(validation).Order());
        Assert.Equal(train.Order(), train);

        var again = folder.SplitIndices(0.2, seed: 7);
        Assert.Equal(train, again.Train);
        Assert.Equal(validation, again.Validation);
        Assert.NotEqual(validation, folder.SplitIndices(0.2, seed: 8).Validation);

        var (trainSet, validationSet) = folder.Split(0.2, seed: 7);
        Assert.Equal(validation.Select(i => folder.Data.Labels[i]), validationSet.Labels);
        Assert.Equal(validation.Select(i => folder.Data.Inputs[i]), validationSet.Inputs);
        Assert.Equal(80, trainSet.Count);
    }

    [Fact]
    public void Split_ThatLeavesAPartEmpty_Throws()
    {
        var folder = Hundred();
        Assert.Throws<ArgumentOutOfRangeException>("validationFraction", () => folder.SplitIndices(0.001, 1));
        Assert.Throws<ArgumentOutOfRangeException>("validationFraction", () => folder.SplitIndices(0.999, 1));
        Assert.Throws<ArgumentOutOfRangeException>("validationFraction", () => folder.SplitIndices(1, 1));
    }
}
