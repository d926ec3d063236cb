using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace ConvNet.Package.Tests;

// A PyTorch state_dict with batch norm loads into TorchResNet unchanged, and what ConvNet saves loads into PyTorch:
// both checked against TorchSharp's own outputs (Fixtures/torch-resnet.* and convnet-resnet.*, made by
// `dotnet run -c Release --project benchmarks/ConvNet.Benchmarks -- export-torch-fixture tests/ConvNet.Package.Tests/Fixtures`).
public sealed class TorchResNetTests
{
    private const string TorchFile = "torch-resnet.safetensors", ConvNetFile = "convnet-resnet.safetensors";

    private static TorchResNet Loaded(string file)
    {
        var net = new TorchResNet();
        SafeTensors.Load(net, TorchFixtures.PathOf(file));
        return net;
    }

    private static float[] Forward(TorchResNet net, float[] inputs)
    {
        int batch = inputs.Length / TorchResNet.InputLength;
        var outputs = new float[batch * TorchResNet.OutputLength];
        net.Forward(inputs, outputs, batch);
        return outputs;
    }

    [Fact]
    public void Torch_state_dict_with_batch_norm_loads_unchanged_and_gives_torchs_evaluation_outputs()
    {
        using var record = TorchFixtures.Record("torch-resnet.json");
        float[] input = record.Get<float[]>("input"), expected = record.Get<float[]>("output");
        var net = Loaded(TorchFile);
        Assert.False(net.Training);

        TorchFixtures.AssertClose(expected, Forward(net, input), "batch score");
        var single = new float[TorchResNet.OutputLength];
        net.Forward(input.AsSpan(0, TorchResNet.InputLength), single);
        TorchFixtures.AssertClose(expected[..TorchResNet.OutputLength], single, "single-sample score");
    }

    [Fact]
    public void Loaded_buffers_are_torchs_running_statistics_and_batch_counts()
    {
        var net = Loaded(TorchFile);
        var file = SafeTensors.Read(TorchFixtures.PathOf(TorchFile));
        var buffers = net.Layers.SelectMany(l => l.BufferTensors).ToList();
        Assert.Equal(6 * 3, buffers.Count);
        foreach (var tensor in buffers)
        {
            float[] ours = net.Buffers.AsSpan(tensor.Offset, tensor.Length).ToArray();
            // Three SGD steps in training mode made them; the statistics have moved from their initial 0 and 1.
            Assert.Equal(tensor.IsCount ? [3f] : file[tensor.Name].Data, ours);
            if (!tensor.IsCount) Assert.Contains(ours, v => v != 0 && v != 1);
        }
    }

    [Fact]
    public void Training_mode_after_the_load_matches_torchs_batch_statistics_and_running_updates()
    {
        using var record = TorchFixtures.Record("torch-resnet.json");
        var after = record.Get<Dictionary<string, float[]>>("buffersAfterTrainForward");
        var net = Loaded(TorchFile);
        net.Training = true;

        TorchFixtures.AssertClose(record.Get<float[]>("trainOutput"), Forward(net, record.Get<float[]>("trainInput")), "training-mode score");
        var buffers = net.Layers.SelectMany(l => l.BufferTensors).ToList();
        Assert.Equal(buffers.Select(t => t.Name).Order(), after.Keys.Order());
        foreach (var tensor in buffers)
            TorchFixtures.AssertClose(after[tensor.Name], net.Buffers.AsSpan(tensor.Offset, tensor.Length), tensor.Name);
    }

    [Fact]
    public void Saving_the_loaded_state_dict_gives_torchs_tensors_names_shapes_and_dtypes()
    {
        using var saved = new MemoryStream();
        SafeTensors.Save(Loaded(TorchFile), saved);
        byte[] ours = saved.ToArray(), torch = File.ReadAllBytes(TorchFixtures.PathOf(TorchFile));

        Assert.Equal(Dtypes(torch), Dtypes(ours));
        var theirs = SafeTensors.Read(new MemoryStream(torch));
        var mine = SafeTensors.Read(new MemoryStream(ours));
        foreach (var (name, tensor) in theirs)
        {
            Assert.Equal(tensor.Shape, mine[name].Shape);
            Assert.Equal(tensor.Data, mine[name].Data);
        }
    }

    // Name -> dtype and shape from a file's header, sorted by name.
    private static string[] Dtypes(byte[] file)
    {
        using var header = JsonDocument.Parse(file.AsMemory(8, (int)BitConverter.ToUInt64(file)));
        return [.. header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__")
            .Select(p => $"{p.Name} {p.Value.GetProperty("dtype").GetString()} {p.Value.GetProperty("shape").GetRawText()}").Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void Weights_saved_by_ConvNet_give_TorchSharps_outputs_after_its_strict_load()
    {
        using var record = TorchFixtures.Record("convnet-resnet.json");
        var net = Loaded(ConvNetFile);
        // One ConvNet training epoch of three batches made the file; TorchSharp read the count back as 3.
        Assert.Equal(3, record.Get<long>("numBatchesTracked"));
        Assert.Equal(3f, net.Buffers[net.Layers[1].BufferTensors[2].Offset]);

        TorchFixtures.AssertClose(record.Get<float[]>("output"), Forward(net, record.Get<float[]>("input")), "score");
    }

    [Fact]
    public void ConvNet_still_writes_the_file_TorchSharp_read_byte_for_byte()
    {
        using var saved = new MemoryStream();
        SafeTensors.Save(Loaded(ConvNetFile), saved);
        Assert.Equal(File.ReadAllBytes(TorchFixtures.PathOf(ConvNetFile)), saved.ToArray());
    }
}
