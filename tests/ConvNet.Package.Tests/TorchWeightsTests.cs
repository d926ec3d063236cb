using System;
using System.IO;
using System.Linq;
using Xunit;

namespace ConvNet.Package.Tests;

// The nn.Sequential that made Fixtures/torch-small.*: Conv2d(1, 4, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(100, 10).
// Its children are named by index, so the layer names are the indices; the Flatten (3) has no ConvNet layer because
// FullyConnected flattens in the same C, H, W order.
[Input(1, 12, 12)]
[Conv(4, 3, Name = "0")]
[Relu(Name = "1")]
[MaxPool(2, Name = "2")]
[FullyConnected(10, Name = "4")]
public partial class TorchSmallNet { }

public sealed class TorchWeightsTests
{
    private static string Fixture(string file) => TorchFixtures.PathOf(file);

    [Fact]
    public void Index_names_from_nn_Sequential_are_layer_names_with_Layer_prefixed_constants_classes()
    {
        Assert.Equal(4, TorchSmallNet.Layer0.Channels);
        Assert.Equal(10, TorchSmallNet.Layer0.Height);
        Assert.Equal(5, TorchSmallNet.Layer2.Width);
        Assert.Equal(100 * 10 + 10, TorchSmallNet.Layer4.ParameterCount);
        Assert.Equal(["0.weight", "0.bias", "4.weight", "4.bias"],
            [.. new TorchSmallNet().Layers.SelectMany(l => l.Tensors).Select(t => t.Name)]);
    }

    [Fact]
    public void Weights_saved_by_torch_give_torchs_output()
    {
        // Made by `dotnet run -c Release --project benchmarks/ConvNet.Benchmarks -- export-torch-fixture DIR`:
        // weights, input and output all computed by libtorch, the file written without ConvNet's SafeTensors.
        using var record = TorchFixtures.Record("torch-small.json");
        float[] input = record.Get<float[]>("input");
        float[] expected = record.Get<float[]>("output");
        Assert.Equal(TorchSmallNet.InputLength, input.Length);
        Assert.Equal(TorchSmallNet.OutputLength, expected.Length);

        var net = new TorchSmallNet();
        SafeTensors.Load(net, Fixture("torch-small.safetensors"));
        var actual = new float[TorchSmallNet.OutputLength];
        net.Forward(input, actual);
        TorchFixtures.AssertClose(expected, actual, "score");
    }

    [Fact]
    public void Saving_the_loaded_weights_keeps_torchs_tensors_bit_for_bit()
    {
        var net = new TorchSmallNet();
        SafeTensors.Load(net, Fixture("torch-small.safetensors"));
        var torch = SafeTensors.Read(Fixture("torch-small.safetensors"));
        using var saved = new MemoryStream();
        SafeTensors.Save(net, saved);
        saved.Position = 0;
        var ours = SafeTensors.Read(saved);
        Assert.Equal(torch.Keys.Order(), ours.Keys.Order());
        foreach (var (name, tensor) in torch)
        {
            Assert.Equal(tensor.Shape, ours[name].Shape);
            Assert.Equal(tensor.Data, ours[name].Data);
        }
    }
}
