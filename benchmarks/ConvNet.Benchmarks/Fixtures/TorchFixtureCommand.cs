using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConvNet.Benchmarks;

/// <summary>
/// <c>export-torch-fixture DIR</c>: writes <c>torch-small.safetensors</c> (a seeded TorchSharp nn.Sequential's
/// state_dict) and <c>torch-small.json</c> (a fixed input and TorchSharp's output for it) for the weight interop test
/// in tests/ConvNet.Package.Tests.
/// </summary>
/// <remarks>
/// Nothing here uses ConvNet: the weights, input and output all come from libtorch, and the file is written by the
/// small safetensors writer below rather than ConvNet's, so the test really checks ConvNet against an outside
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

        var tensors = new List<(string Name, long[] Shape, float[] Data)>();
        foreach (var (name, t) in model.state_dict())
            tensors.Add((name, t.shape, t.data<float>().ToArray()));
        string torchSharp = typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        WriteSafetensors(Path.Combine(dir, Name + ".safetensors"), tensors,
            new Dictionary<string, string> { ["producer"] = $"TorchSharp {torchSharp}", ["seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var record = new Dictionary<string, object>
        {
            ["producer"] = $"TorchSharp {torchSharp} (libtorch CPU), torch.manual_seed({Seed}); see benchmarks/ConvNet.Benchmarks/Fixtures/TorchFixtureCommand.cs",
            ["model"] = "nn.Sequential(Conv2d(1, 4, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(100, 10))",
            ["inputShape"] = new[] { 1, 1, 12, 12 },
            ["input"] = input.data<float>().ToArray(),
            ["output"] = output,
        };
        File.WriteAllText(Path.Combine(dir, Name + ".json"),
            JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        foreach (var (name, shape, _) in tensors) Console.WriteLine($"{name} [{string.Join(", ", shape)}]");
        Console.WriteLine($"wrote {Path.Combine(dir, Name)}.safetensors and .json");
        return 0;
    }

    /// <summary>safetensors as its README specifies: u64 LE header length, JSON header, raw LE F32 data.</summary>
    private static void WriteSafetensors(string path, List<(string Name, long[] Shape, float[] Data)> tensors, Dictionary<string, string> metadata)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = metadata };
        long offset = 0;
        foreach (var (name, shape, data) in tensors)
        {
            long end = offset + 4L * data.Length;
            header[name] = new Dictionary<string, object> { ["dtype"] = "F32", ["shape"] = shape, ["data_offsets"] = new[] { offset, end } };
            offset = end;
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var file = File.Create(path);
        Span<byte> word = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(word, (ulong)json.Length);
        file.Write(word);
        file.Write(json);
        foreach (var (_, _, data) in tensors)
            foreach (float f in data)
            {
                BinaryPrimitives.WriteSingleLittleEndian(word, f);
                file.Write(word[..4]);
            }
    }
}
