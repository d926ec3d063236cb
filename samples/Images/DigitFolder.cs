using System;
using System.IO;
using ConvNet;
using StbImageWriteSharp;

namespace Images;

/// <summary>Writes digits of the MNIST subset that ships with the samples as PNG files in one folder per class
/// (<c>0/00017.png</c>, ...), the layout a folder of one's own images has.</summary>
internal static class DigitFolder
{
    public static int Write(string folder, int perClass)
    {
        string data = Path.Combine(AppContext.BaseDirectory, "data");
        var images = Idx.ReadImages(Path.Combine(data, "mnist-10k-images-idx3-ubyte.gz"));
        var labels = Idx.ToLabels(Idx.ReadLabels(Path.Combine(data, "mnist-10k-labels-idx1-ubyte.gz")));
        var written = new int[10];
        var writer = new ImageWriter();
        int total = 0;
        for (int i = 0; i < labels.Length && total < 10 * perClass; i++)
        {
            int label = labels[i];
            if (written[label] == perClass) continue;
            string classFolder = Path.Combine(folder, label.ToString());
            Directory.CreateDirectory(classFolder);
            using var file = File.Create(Path.Combine(classFolder, $"{i:D5}.png"));
            writer.WritePng(images.Data.AsSpan(i * images.ItemLength, images.ItemLength).ToArray(), 28, 28, ColorComponents.Grey, file);
            written[label]++;
            total++;
        }
        return total;
    }
}
