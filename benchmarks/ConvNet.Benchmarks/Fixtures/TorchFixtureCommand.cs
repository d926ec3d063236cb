using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace ConvNet.Benchmarks;

/// <summary>
/// <c>export-torch-fixture DIR</c>: writes the PyTorch-made fixtures of tests/ConvNet.Package.Tests:
/// <c>torch-small.safetensors</c> (a seeded TorchSharp nn.Sequential's state_dict) and <c>torch-small.json</c> (a fixed
/// input and TorchSharp's output for it), then the ResNet fixtures of <see cref="TorchResNetFixture"/>.
/// </summary>
/// <remarks>
/// Nothing in torch-small uses ConvNet: the weights, input and output all come from libtorch, and the file is written
/// by <see cref="TorchSafetensors"/> rather than ConvNet's writer, so the test really checks ConvNet against an outside
/// producer. The model is what a PyTorch user would write; nn.Sequential names its children "0", "1", ..., so the
/// tensors are "0.weight", "0.bias", "4.weight", "4.bias" (index 3 is the Flatten, which ConvNet's FC does itself).
/// </remarks>
internal static class TorchFixtureCommand
{
    public const long Seed = 20261129;
    private const string Name = "torch-small";

    public static int Run(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: export-torch-fixture DIR");
            return 2;
        }
        if (!TorchSystem.TryLoad(out string reason))
        {
            Console.Error.WriteLine($"TorchSharp is not available: {reason}");
            return 1;
        }
        string dir = args[0];
        Directory.CreateDirectory(dir);
        WriteSmall(dir);
        TorchResNetFixture.Write(dir);
        return 0;
    }

    /// <summary>"TorchSharp 0.107.0.0", for the fixtures' metadata and records.</summary>
    public static string Producer => $"TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown"}";

    /// <summary>Writes <paramref name="record"/> as indented JSON to DIR/<paramref name="file"/>.</summary>
    public static void WriteJson(string dir, string file, Dictionary<string, object> record) =>
        File.WriteAllText(Path.Combine(dir, file), JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true }) + "\n");

    private static void WriteSmall(string dir)
    {
        torch.manual_seed(Seed);
        var model = nn.Sequential(
            ("0", nn.Conv2d(1, 4, 3)),          // 1x12x12 -> 4x10x10
            ("1", nn.ReLU()),
            ("2", nn.MaxPool2d(2)),             // -> 4x5x5
            ("3", nn.Flatten()),                // -> 100, C, H, W order
            ("4", nn.Linear(100, 10)));
        model.eval();
        using var input = torch.randn(1, 1, 12, 12);
        float[] output;
        using (torch.no_grad())
        using (var y = model.forward(input))
            output = y.data<float>().ToArray();

        var state = model.state_dict();
        TorchSafetensors.Write(Path.Combine(dir, Name + ".safetensors"), state.Select(p => (p.Key, p.Value)),
            new Dictionary<string, string> { ["producer"] = Producer, ["seed"] = Seed.ToString(CultureInfo.InvariantCulture) });

        WriteJson(dir, Name + ".json", new Dictionary<string, object>
        {
            ["producer"] = $"{Producer} (libtorch CPU), torch.manual_seed({Seed}); see benchmarks/ConvNet.Benchmarks/Fixtures/TorchFixtureCommand.cs",
            ["model"] = "nn.Sequential(Conv2d(1, 4, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(100, 10))",
            ["inputShape"] = new[] { 1, 1, 12, 12 },
            ["input"] = input.data<float>().ToArray(),
            ["output"] = output,
        });
        foreach (var (name, t) in state) Console.WriteLine($"{name} [{string.Join(", ", t.shape)}]");
        Console.WriteLine($"wrote {Path.Combine(dir, Name)}.safetensors and .json");
    }
}
