using System;
using System.IO;
using System.Linq;
using Xunit;

namespace ConvNet.Imaging.Tests;

/// <summary>Bars: 1x8x8 inputs in two classes.</summary>
[Input(1, 8, 8)]
[Conv(4, 3, Pad = 1)]
[Relu]
[MaxPool(2)]
[FullyConnected(2)]
public sealed partial class BarNet;

/// <summary>From a folder of PNG files to a trained network: load (resizing 16x16 colour files to the network's 8x8
/// grey input), split, augment, fit with early stopping.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "imaging-e2e-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    // A 16x16 RGB picture with one bright 2-pixel bar, horizontal or vertical, at `position`.
    private static byte[] Bar(bool horizontal, int position)
    {
        var pixels = new byte[16 * 16 * 3];
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
            {
                bool on = horizontal ? y / 2 == position : x / 2 == position;
                for (int c = 0; c < 3; c++) pixels[(y * 16 + x) * 3 + c] = on ? (byte)230 : (byte)20;
            }
        return ImagesTests.Png(16, 16, 3, pixels);
    }

    [Fact]
    public void A_folder_of_pngs_trains_to_full_validation_accuracy()
    {
        for (int i = 0; i < 40; i++)
            foreach (var (name, horizontal) in new[] { ("horizontal", true), ("vertical", false) })
            {
                Directory.CreateDirectory(Path.Combine(_root, name));
                File.WriteAllBytes(Path.Combine(_root, name, $"{i:D2}.png"), Bar(horizontal, i % 8));
            }

        var network = new BarNet(seed: 3) { MaxDegreeOfParallelism = 1 };
        var images = ImageFolder.Load(_root, network.InputShape);
        Assert.Equal(["horizontal", "vertical"], images.Classes);
        var (train, validation) = images.Split(0.25, seed: 2);
        var optimizer = new Adam(network.Parameters.Length, 0.01f);
        var untrained = Training.Evaluate(network, validation.Inputs, validation.Labels, 64);

        var result = Training.Fit(network, optimizer, train, new FitOptions
        {
            Epochs = 40, BatchSize = 8, Seed = 5, Validation = validation, Patience = 5,
            Augmentation = new Compose(new RandomShift(1, fill: 20 / 255f), new RandomHorizontalFlip()),
        });

        var (loss, accuracy) = Training.Evaluate(network, validation.Inputs, validation.Labels, 64);
        Assert.Equal(1f, accuracy);
        Assert.True(loss < untrained.Loss / 4, $"loss {loss}, untrained {untrained.Loss}");
        Assert.Equal(result.History.Single(h => h.Epoch == result.BestEpoch).ValidationLoss, loss);
    }
}
