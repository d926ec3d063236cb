using System;
using System.IO;
using System.Linq;
using Xunit;

namespace ConvNet.Runtime.Tests;

/// <summary>The library's tools read what a layer describes, not its kind: each test describes a layer otherwise than its
/// kind's built-in rule would, and the tool follows the description.</summary>
public sealed class LayerDescriptionTests
{
    private static readonly Shape s_conv = new(2, 4, 4), s_scores = new(3, 1, 1);

    private static TinyNetwork Network(LayerInfo? relu = null, LayerInfo? fc = null) => new(
    [
        new LayerInfo("conv1", LayerKind.Conv, new Shape(1, 6, 6), s_conv, 3, 1, 0, 0, 20),
        relu ?? new LayerInfo("relu1", LayerKind.Relu, s_conv, s_conv, 0, 0, 0, 20, 0),
        fc ?? new LayerInfo("fc2", LayerKind.FullyConnected, s_conv, s_scores, 0, 0, 0, 20, 99),
    ], parameters: 119, buffers: 0);

    [Fact]
    public void Initialize_fills_each_tensor_as_its_init_says()
    {
        // fc2's weight as ones and its bias as zeros, where its kind would draw the weight.
        var plain = Network();
        var fc = plain.Layers[2];
        var net = Network(fc: fc with { Tensors = [fc.Tensors[0] with { Init = TensorInit.Ones }, fc.Tensors[1] with { Init = TensorInit.Zeros }] });
        Initializers.Initialize(net, InitScheme.PyTorchDefault, seed: 4);
        Assert.All(net.Parameters.AsSpan(20, 96).ToArray(), w => Assert.Equal(1f, w));
        Assert.All(net.Parameters.AsSpan(116, 3).ToArray(), b => Assert.Equal(0f, b));

        // conv1 draws first and alone, as before.
        Initializers.Initialize(plain, InitScheme.PyTorchDefault, seed: 4);
        Assert.Equal(plain.Parameters.Take(20), net.Parameters.Take(20));
        Assert.NotEqual(plain.Parameters.Skip(20), net.Parameters.Skip(20));
    }

    [Fact]
    public void Auto_follows_the_next_layer_s_description()
    {
        // A ReLU described as a saturating nonlinearity: the conv before it gets Xavier uniform, fanIn 1*3*3, fanOut 2*3*3.
        var relu = new LayerInfo("relu1", LayerKind.Relu, s_conv, s_conv, 0, 0, 0, 20, 0) { AutoInit = AutoInit.Xavier };
        var net = Network(relu: relu);
        Initializers.Initialize(net, InitScheme.Auto, seed: 9);
        var weight = new float[18];
        var bias = new float[2];
        Initializers.Fill(weight, bias, InitScheme.XavierUniform, 9, 18, new Rng(9));
        Assert.Equal(weight, net.Parameters.Take(18));
        Assert.Equal(bias, net.Parameters.Skip(18).Take(2));

        // Looking through it instead, the FC after it (not saturating) decides: Kaiming.
        net = Network(relu: relu with { AutoInit = AutoInit.LookThrough });
        Initializers.Initialize(net, InitScheme.Auto, seed: 9);
        Initializers.Fill(weight, bias, InitScheme.KaimingUniform, 9, 18, new Rng(9));
        Assert.Equal(weight, net.Parameters.Take(18));
    }

    [Fact]
    public void A_checkpoint_refuses_a_stochastic_layer_without_its_generator()
    {
        var relu = new LayerInfo("relu1", LayerKind.Relu, s_conv, s_conv, 0, 0, 0, 20, 0) { IsStochastic = true };
        var e = Assert.Throws<NotSupportedException>(() => new Checkpoint(Network(relu: relu), new Sgd(119, 0.1f)));
        Assert.Contains("relu1", e.Message);
        _ = new Checkpoint(Network(), new Sgd(119, 0.1f));
    }

    [Fact]
    public void Training_checks_the_batch_of_a_layer_that_uses_batch_statistics()
    {
        // fc2's output has one value per channel and sample, so a batch of one sample cannot be normalised.
        var fc = new LayerInfo("fc2", LayerKind.FullyConnected, s_conv, s_scores, 0, 0, 0, 20, 99) { UsesBatchStatistics = true };
        var e = Assert.Throws<ArgumentException>(() =>
            Training.TrainEpoch(Network(fc: fc), new Sgd(119, 0.1f), new float[36], [0], batchSize: 1, new Rng(1)));
        Assert.Contains("fc2", e.Message);
    }

    [Fact]
    public void Onnx_export_writes_the_described_node()
    {
        // The same network with relu1 described as a Sigmoid node: the export differs exactly by the operator's name.
        var relu = new LayerInfo("relu1", LayerKind.Relu, s_conv, s_conv, 0, 0, 0, 20, 0) { Onnx = new OnnxNode("Sigmoid", OnnxLayout.Any, []) };
        var sigmoid = new LayerInfo("relu1", LayerKind.Sigmoid, s_conv, s_conv, 0, 0, 0, 20, 0);
        Assert.Equal(Export(Network(relu: sigmoid)), Export(Network(relu: relu)));
        Assert.NotEqual(Export(Network()), Export(Network(relu: relu)));
    }

    private static byte[] Export(INetwork network)
    {
        var stream = new MemoryStream();
        OnnxExport.Save(network, stream);
        return stream.ToArray();
    }
}
