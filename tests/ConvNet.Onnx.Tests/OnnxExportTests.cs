using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Xunit;
using Xunit.Abstractions;

namespace ConvNet.Onnx.Tests;

// Every network is exported, run in ONNX Runtime and compared with its own generated per-sample Forward.
public sealed class OnnxExportTests(ITestOutputHelper log)
{
    private const int Batch = 4;

    public static TheoryData<string> NetworkNames =>
    [
        nameof(LeNet5), nameof(CifarNet), nameof(AvgPoolNet), nameof(SigmoidNet), nameof(StridedNet),
        nameof(OverlappingPoolNet), nameof(ConvEndNet), nameof(FcThenConvNet), nameof(LeakyReluNet), nameof(EmptyNet),
        nameof(ResidualNet), nameof(InceptionNet), nameof(DropoutNet), nameof(FlatMergeNet),
    ];

    private static INetwork Create(string name) => name switch
    {
        nameof(LeNet5) => new LeNet5(1),
        nameof(CifarNet) => new CifarNet(2),
        nameof(AvgPoolNet) => new AvgPoolNet(3),
        nameof(SigmoidNet) => new SigmoidNet(4),
        nameof(StridedNet) => new StridedNet(5),
        nameof(OverlappingPoolNet) => new OverlappingPoolNet(6),
        nameof(ConvEndNet) => new ConvEndNet(7),
        nameof(FcThenConvNet) => new FcThenConvNet(8),
        nameof(LeakyReluNet) => new LeakyReluNet(13),
        nameof(EmptyNet) => new EmptyNet(),
        nameof(ResidualNet) => new ResidualNet(9),
        nameof(InceptionNet) => new InceptionNet(10),
        nameof(DropoutNet) => new DropoutNet(11),
        nameof(FlatMergeNet) => new FlatMergeNet(12),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(NetworkNames))]
    public void OrtMatchesGeneratedForward(string name)
    {
        INetwork net = Create(name);
        RandomizeBiases(net, seed: 11);
        var random = new Random(12);
        TrainRunningStatistics(net, random);
        float[] inputs = Enumerable.Range(0, Batch * net.InputLength).Select(_ => random.NextSingle() * 2 - 1).ToArray();

        float[] expected = new float[Batch * net.OutputLength];
        for (int n = 0; n < Batch; n++)
            net.Forward(inputs.AsSpan(n * net.InputLength, net.InputLength), expected.AsSpan(n * net.OutputLength, net.OutputLength));

        using var session = new InferenceSession(Export(net));
        // Batch 4, then batch 1 on the same session: the batch dimension must be symbolic, not baked in.
        float[] got = Run(session, net, inputs, Batch);
        float[] single = Run(session, net, inputs.AsSpan(0, net.InputLength).ToArray(), 1);

        double maxDiff = Compare(name, got, expected, net.OutputLength);
        Compare(name + " batch 1", single, expected.AsSpan(0, net.OutputLength).ToArray(), net.OutputLength);
        log.WriteLine($"{name}: max |ORT - Forward| = {maxDiff:E2} over {expected.Length} outputs, max |ref| = {expected.Max(Math.Abs):G4}");
    }

    [Theory]
    [MemberData(nameof(NetworkNames))]
    public void GraphHasSymbolicBatchAndDeclaredShapes(string name)
    {
        INetwork net = Create(name);
        using var session = new InferenceSession(Export(net));

        NodeMetadata input = Assert.Single(session.InputMetadata, m => m.Key == "input").Value;
        Assert.Equal([-1, net.InputShape.Channels, net.InputShape.Height, net.InputShape.Width], input.Dimensions);
        Assert.Equal("N", input.SymbolicDimensions[0]);

        NodeMetadata output = Assert.Single(session.OutputMetadata, m => m.Key == "output").Value;
        Shape last = net.Layers.Count == 0 ? net.InputShape : net.Layers[^1].Output;
        // Only these end in a volume (a conv, pool or activation on one, or the input itself); the rest end in FC scores.
        int[] perSample = name is nameof(ConvEndNet) or nameof(FcThenConvNet) or nameof(EmptyNet) or nameof(FlatMergeNet)
            ? [last.Channels, last.Height, last.Width]
            : [net.OutputLength];
        Assert.Equal([-1, .. perSample], output.Dimensions);
        Assert.Equal("N", output.SymbolicDimensions[0]);
    }

    [Theory]
    [MemberData(nameof(NetworkNames))]
    public void InitializersAreTheParameterTensorsBitForBit(string name)
    {
        INetwork net = Create(name);
        RandomizeBiases(net, seed: 13);
        TrainRunningStatistics(net, new Random(14));
        ModelProto model = ModelProto.Parser.ParseFrom(Export(net));

        Assert.Equal(7, model.IrVersion);
        Assert.Equal(13, Assert.Single(model.OpsetImport).Version);
        Assert.Equal("ConvNet", model.ProducerName);

        var byName = model.Graph.Initializer.ToDictionary(t => t.Name);
        // Each layer's parameters, then its running statistics (not the count, which no ONNX operator reads).
        var tensors = net.Layers.SelectMany(l => l.Tensors.Select(t => (Tensor: t, Source: net.Parameters))
            .Concat(l.BufferTensors.Where(t => !t.IsCount).Select(t => (Tensor: t, Source: net.Buffers)))).ToList();
        Assert.Equal(tensors.Select(t => t.Tensor.Name), model.Graph.Initializer.Select(t => t.Name).Where(n => !n.Contains('/')));
        foreach (var (tensor, source) in tensors)
        {
            TensorProto proto = byName[tensor.Name];
            Assert.Equal((int)TensorProto.Types.DataType.Float, proto.DataType);
            Assert.Equal(tensor.Dimensions.Select(d => (long)d), proto.Dims);
            float[] values = new float[tensor.Length];
            proto.RawData.Span.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            Assert.Equal(source.AsSpan(tensor.Offset, tensor.Length).ToArray(), values);
        }

        // One node per layer except dropout, named after it, in order.
        Assert.Equal(net.Layers.Where(l => l.Kind != LayerKind.Dropout).Select(l => l.Name),
            model.Graph.Node.Select(n => n.Name).Where(n => !n.Contains('/')));
    }

    // What onnx.checker checks of a graph's wiring, so a model that ORT happens to repair or prune still fails here:
    // node names and value names are unique, every node input is the graph input, an initializer or an earlier node's
    // output (topological order), the input, every initializer and every node output is used, and "output" is produced.
    [Theory]
    [MemberData(nameof(NetworkNames))]
    public void GraphIsWellFormed(string name)
    {
        GraphProto graph = ModelProto.Parser.ParseFrom(Export(Create(name))).Graph;
        var available = new HashSet<string> { "input" };
        foreach (TensorProto initializer in graph.Initializer) Assert.True(available.Add(initializer.Name), $"initializer {initializer.Name} twice");
        var used = new HashSet<string>();
        var nodeNames = new HashSet<string>();
        foreach (NodeProto node in graph.Node)
        {
            Assert.True(nodeNames.Add(node.Name), $"node name {node.Name} twice");
            foreach (string input in node.Input)
            {
                Assert.True(available.Contains(input), $"node {node.Name} reads {input} before anything produces it");
                used.Add(input);
            }
            foreach (string output in node.Output) Assert.True(available.Add(output), $"{output} produced twice");
        }
        used.Add("output");
        Assert.Equal("output", Assert.Single(graph.Output).Name);
        Assert.Contains("output", available);
        Assert.Empty(available.Except(used));
    }

    [Fact]
    public void ResidualNetNodesReadTheirInputsByLayerName()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(Export(new ResidualNet()));
        var nodes = model.Graph.Node.ToDictionary(n => n.Name);

        Assert.Equal(["bn3/output", "relu1/output"], nodes["add1"].Input);
        Assert.Equal("relu3/output", nodes["proj"].Input[0]);
        Assert.Equal(["proj_bn/output", "bn5/output"], nodes["add2"].Input);
        Assert.Equal(["conv1/output", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"], nodes["bn1"].Input);
        Assert.Equal("BatchNormalization", nodes["bn1"].OpType);
        Assert.Equal(1e-5f, nodes["bn1"].Attribute.Single(a => a.Name == "epsilon").F);
        Assert.Equal(0.9f, nodes["bn1"].Attribute.Single(a => a.Name == "momentum").F);
        Assert.Equal(1e-3f, nodes["bn3"].Attribute.Single(a => a.Name == "epsilon").F);
        Assert.Equal(0.7f, nodes["bn3"].Attribute.Single(a => a.Name == "momentum").F);
        Assert.Equal("GlobalAveragePool", nodes["gap1"].OpType);
        Assert.Equal(["relu5/output"], nodes["gap1"].Input);
        Assert.Equal("Flatten", nodes["gap1/flatten"].OpType);
        Assert.Equal("gap1/flatten", nodes["fc1"].Input[0]);
        Assert.DoesNotContain(model.Graph.Initializer, t => t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal));
    }

    [Fact]
    public void InceptionConcatReadsItsBranchesInOrderAlongChannels()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(Export(new InceptionNet()));
        NodeProto concat = model.Graph.Node.Single(n => n.Name == "concat1");
        Assert.Equal("Concat", concat.OpType);
        Assert.Equal(["b1/output", "b2/output", "b3/output", "b4/output"], concat.Input);
        Assert.Equal(1, concat.Attribute.Single(a => a.Name == "axis").I);
        // The stem's output is read by all four branches, with no copy node in between.
        Assert.Equal(["b1", "b2_reduce", "b3_reduce", "b4_proj"], model.Graph.Node.Where(n => n.Input.Contains("relu1/output")).Select(n => n.Name));
    }

    [Fact]
    public void DropoutHasNoNode_ItsConsumersReadItsInput()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(Export(new DropoutNet()));
        var nodes = model.Graph.Node.ToDictionary(n => n.Name);

        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Dropout");
        Assert.Equal("relu1/output", nodes["conv2"].Input[0]);
        Assert.Equal(["conv2/output", "relu1/output"], nodes["add1"].Input);
        Assert.Equal(["fc1/output", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"], nodes["bn1"].Input);
        Assert.Equal("relu2/output", nodes["fc2"].Input[0]);
        NodeProto last = model.Graph.Node[^1];
        Assert.Equal(("dropout3/identity", "Identity"), (last.Name, last.OpType));
        Assert.Equal(["fc2/output"], last.Input);
        Assert.Equal(["output"], last.Output);
    }

    [Fact]
    public void FlatValuesAreReshapedOnceForVolumeConsumers()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(Export(new FlatMergeNet()));
        var nodes = model.Graph.Node.ToDictionary(n => n.Name);

        // fc_in gives [N, 5]; gap1 gives [N, 5, 1, 1]: the sum needs both 4-D.
        Assert.Equal(["fc_in/reshape", "gap1/output"], nodes["add1"].Input);
        Assert.Equal("input/flatten", nodes["fc_in"].Input[0]);
        // add1 is a volume read by fc2 and fc_b: one Flatten serves both.
        Assert.Equal("add1/flatten", nodes["fc2"].Input[0]);
        Assert.Equal("add1/flatten", nodes["fc_b"].Input[0]);
        Assert.Single(model.Graph.Node, n => n.Name == "add1/flatten");
        // Two [N, 4] values concatenate as they are; the batch norm keeps [N, 8]; the global pool needs 4-D.
        Assert.Equal(["fc_b/output", "tanh1/output"], nodes["concat1"].Input);
        Assert.Equal("concat1/output", nodes["bn1"].Input[0]);
        Assert.Equal(["bn1/reshape"], nodes["gap2"].Input);
        Assert.Equal("gap2/output", nodes["conv2"].Input[0]);
    }

    [Fact]
    public void LeNetGraphIsTheExpectedNodeChain()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(Export(new LeNet5()));

        Assert.Equal(
            ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"],
            model.Graph.Node.Select(n => n.OpType));
        Assert.Equal(
            ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
             "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"],
            model.Graph.Initializer.Select(t => t.Name));
        NodeProto conv1 = model.Graph.Node[0];
        Assert.Equal(["input", "conv1.weight", "conv1.bias"], conv1.Input);
        Assert.Equal([5L, 5], conv1.Attribute.Single(a => a.Name == "kernel_shape").Ints);
        Assert.Equal([1L, 1], conv1.Attribute.Single(a => a.Name == "strides").Ints);
        Assert.Equal([2L, 2, 2, 2], conv1.Attribute.Single(a => a.Name == "pads").Ints);
        Assert.Equal(1, model.Graph.Node[6].Attribute.Single(a => a.Name == "axis").I);
        Assert.Equal(1, model.Graph.Node[7].Attribute.Single(a => a.Name == "transB").I);
        Assert.Equal("output", model.Graph.Node[^1].Output.Single());
    }

    [Fact]
    public void SaveToPathReplacesTheFileAndLeavesNoTemporaryFile()
    {
        string dir = Directory.CreateTempSubdirectory("convnet-onnx-").FullName;
        try
        {
            string path = Path.Combine(dir, "lenet.onnx");
            File.WriteAllText(path, "old");
            var net = new LeNet5(3);
            OnnxExport.Save(net, path);

            Assert.Equal(Export(net), File.ReadAllBytes(path));
            Assert.Equal(["lenet.onnx"], Directory.GetFiles(dir).Select(Path.GetFileName));
            using var session = new InferenceSession(path);
            Assert.Equal(["output"], session.OutputNames);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SaveToMissingDirectoryThrowsTheIoError()
    {
        string path = Path.Combine(Path.GetTempPath(), "convnet-onnx-" + Guid.NewGuid().ToString("N"), "net.onnx");
        Assert.Throws<DirectoryNotFoundException>(() => OnnxExport.Save(new LeNet5(), path));
    }

    [Fact]
    public void SaveToStreamLeavesItOpen()
    {
        using var stream = new MemoryStream();
        OnnxExport.Save(new ConvEndNet(), stream);
        Assert.True(stream.CanWrite);
        Assert.True(stream.Length > 0);
    }

    [Fact]
    public void NullArgumentsThrow()
    {
        Assert.Throws<ArgumentNullException>("network", () => OnnxExport.Save(null!, new MemoryStream()));
        Assert.Throws<ArgumentNullException>("stream", () => OnnxExport.Save(new LeNet5(), (Stream)null!));
        Assert.Throws<ArgumentNullException>("path", () => OnnxExport.Save(new LeNet5(), (string)null!));
        Assert.Throws<ArgumentException>("path", () => OnnxExport.Save(new LeNet5(), ""));
    }

    // Per element |got - ref| <= 1e-5 + 1e-4 |ref|; returns the largest |got - ref|.
    private static double Compare(string name, float[] got, float[] expected, int outputLength)
    {
        Assert.Equal(expected.Length, got.Length);
        double maxDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(got[i] - expected[i]);
            maxDiff = Math.Max(maxDiff, diff);
            Assert.True(diff <= 1e-5 + 1e-4 * Math.Abs(expected[i]),
                $"{name} output {i} (sample {i / outputLength}): ORT {got[i]:R}, generated Forward {expected[i]:R}");
        }
        return maxDiff;
    }

    private static byte[] Export(INetwork net)
    {
        using var stream = new MemoryStream();
        OnnxExport.Save(net, stream);
        return stream.ToArray();
    }

    private static float[] Run(InferenceSession session, INetwork net, float[] inputs, int batch)
    {
        Shape s = net.InputShape;
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(inputs, [batch, s.Channels, s.Height, s.Width]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
        OrtValue output = results[0];
        long[] shape = output.GetTensorTypeAndShape().Shape;
        Assert.Equal(batch, shape[0]);
        Assert.Equal(net.OutputLength, shape.Skip(1).Aggregate(1L, (a, b) => a * b));
        return output.GetTensorDataAsSpan<float>().ToArray();
    }

    // Generated networks start with zero biases and batch norm weights of 1; random ones make the bias inputs of Conv
    // and Gemm and the scale and bias of BatchNormalization count.
    private static void RandomizeBiases(INetwork net, int seed)
    {
        var random = new Random(seed);
        foreach (ParameterTensor t in net.Layers.SelectMany(l => l.Tensors))
        {
            bool bias = t.Name.EndsWith(".bias", StringComparison.Ordinal);
            bool scale = t.Name.EndsWith(".weight", StringComparison.Ordinal) && t.Dimensions.Count == 1;
            if (!bias && !scale) continue;
            for (int i = 0; i < t.Length; i++)
                net.Parameters[t.Offset + i] = (scale ? 1 : 0) + (random.NextSingle() * 2 - 1) * 0.5f;
        }
    }

    // Moves batch norm's running statistics from their initial 0 and 1 the way training does (three training-mode
    // batches, inputs scaled and shifted so the statistics differ by channel), then returns to evaluation mode, the
    // mode the export reproduces. Networks without batch norm or dropout compute the same either way.
    private static void TrainRunningStatistics(INetwork net, Random random)
    {
        const int batch = 8;
        float[] inputs = new float[batch * net.InputLength];
        float[] outputs = new float[batch * net.OutputLength];
        net.Training = true;
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle() * 3 - 1;
            net.Forward(inputs, outputs, batch);
        }
        net.Training = false;
    }
}
