using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using ConvNet.Onnx;
using Google.Protobuf;

namespace ConvNet;

/// <summary>Writes a network as an ONNX model (opset 13, IR version 7) that ONNX Runtime and other ONNX tools can run.</summary>
/// <remarks>
/// <para>The graph takes <c>input</c>, a float tensor [N, C, H, W] whose batch dimension is the symbolic <c>N</c>,
/// and produces <c>output</c>: [N, outputs] when the network ends in a fully connected layer (or activations after
/// one), else the last volume as [N, C, H, W].</para>
/// <para>Each layer becomes one node named after the layer: Conv, MaxPool, AveragePool, Gemm (fully connected, transB = 1),
/// Relu, Sigmoid or Tanh. A Flatten (axis 1) goes before a fully connected layer whose input is a volume, and a
/// Reshape to [N, C, 1, 1] before a convolution or pool that follows a fully connected layer.</para>
/// <para>Weights and biases become float initializers named like <see cref="LayerInfo.Tensors"/>
/// (<c>conv1.weight</c>, <c>conv1.bias</c>, <c>fc1.weight</c>, ...), in the same PyTorch layouts, copied from
/// <see cref="INetwork.Parameters"/> when the method runs.</para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX operator set version the exported graph imports.</summary>
    public const int OpsetVersion = 13;

    // IR version 7 came with ONNX 1.8, the release that introduced opset 13; readers of opset 13 all accept it.
    private const long IrVersion = 7;
    private const string BatchDimension = "N";

    /// <summary>Writes <paramref name="network"/> as an ONNX model to <paramref name="stream"/>, which is left open.</summary>
    /// <param name="network">The network, with the weights to export in <see cref="INetwork.Parameters"/>.</param>
    /// <param name="stream">A writable stream; the model is written from its current position.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="NotSupportedException">The network has a layer kind with no ONNX mapping here.</exception>
    public static void Save(INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        BuildModel(network).WriteTo(stream);
    }

    /// <summary>Writes <paramref name="network"/> as an ONNX model to the file <paramref name="path"/>, replacing it if it exists.</summary>
    /// <remarks>The model goes to a temporary file in the same directory that is then renamed over <paramref name="path"/>,
    /// so a reader (a serving process watching the file) never sees a half-written model.</remarks>
    /// <param name="network">The network, with the weights to export in <see cref="INetwork.Parameters"/>.</param>
    /// <param name="path">The file to write, conventionally with the extension <c>.onnx</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="NotSupportedException">The network has a layer kind with no ONNX mapping here.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Built before any file is touched, so an unsupported network leaves the old file in place.
        ModelProto model = BuildModel(network);
        IoHelpers.WriteAtomically(path, model.WriteTo);
    }

    private static ModelProto BuildModel(INetwork network)
    {
        var graph = new GraphProto { Name = network.GetType().Name };
        graph.Input.Add(Value("input", network.InputShape, flat: false));

        IReadOnlyList<LayerInfo> layers = network.Layers;
        string current = "input";
        // Gemm leaves a 2-D [N, features] tensor; everything else keeps [N, C, H, W].
        bool flat = false;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerInfo layer = layers[i];
            bool spatial = layer.Kind is LayerKind.Conv or LayerKind.MaxPool or LayerKind.AvgPool;
            if (spatial && flat)
            {
                current = Reshape(graph, layer, current);
                flat = false;
            }
            else if (layer.Kind == LayerKind.FullyConnected && !flat)
            {
                current = Flatten(graph, layer, current);
                flat = true;
            }

            // Layer names may contain '.', never '/': names with '/' (values, and nodes that are not layers) cannot clash
            // with a layer, a parameter tensor, "input" or "output".
            string output = i == layers.Count - 1 ? "output" : layer.Name + "/output";
            var node = new NodeProto { Name = layer.Name, OpType = OpType(layer), Input = { current }, Output = { output } };
            foreach (ParameterTensor tensor in layer.Tensors)
            {
                graph.Initializer.Add(FloatTensor(tensor, network.Parameters));
                node.Input.Add(tensor.Name);
            }
            if (layer.Kind == LayerKind.Conv)
                node.Attribute.Add(Ints("pads", layer.Pad, layer.Pad, layer.Pad, layer.Pad));
            if (spatial)
            {
                node.Attribute.Add(Ints("kernel_shape", layer.Size, layer.Size));
                node.Attribute.Add(Ints("strides", layer.Stride, layer.Stride));
            }
            if (layer.Kind == LayerKind.FullyConnected)
                node.Attribute.Add(Int("transB", 1));
            graph.Node.Add(node);
            current = output;
        }

        // A network without layers is the identity (its Forward copies the input).
        if (layers.Count == 0)
            graph.Node.Add(new NodeProto { Name = "/identity", OpType = "Identity", Input = { current }, Output = { "output" } });
        Shape outputShape = layers.Count == 0 ? network.InputShape : layers[^1].Output;
        graph.Output.Add(Value("output", outputShape, flat));

        return new ModelProto
        {
            IrVersion = IrVersion,
            OpsetImport = { new OperatorSetIdProto { Version = OpsetVersion } },
            ProducerName = "ConvNet",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "",
            Graph = graph,
        };
    }

    private static string OpType(LayerInfo layer) => layer.Kind switch
    {
        LayerKind.Conv => "Conv",
        LayerKind.MaxPool => "MaxPool",
        LayerKind.AvgPool => "AveragePool",
        LayerKind.FullyConnected => "Gemm",
        LayerKind.Relu => "Relu",
        LayerKind.Sigmoid => "Sigmoid",
        LayerKind.Tanh => "Tanh",
        _ => throw new NotSupportedException($"Layer '{layer.Name}' of kind {layer.Kind} has no ONNX export."),
    };

    private static string Flatten(GraphProto graph, LayerInfo layer, string input)
    {
        string name = layer.Name + "/flatten";
        graph.Node.Add(new NodeProto { Name = name, OpType = "Flatten", Input = { input }, Output = { name }, Attribute = { Int("axis", 1) } });
        return name;
    }

    // A conv or pool after a fully connected layer sees its features as a C x 1 x 1 volume.
    private static string Reshape(GraphProto graph, LayerInfo layer, string input)
    {
        string name = layer.Name + "/reshape";
        byte[] shape = new byte[4 * sizeof(long)];
        // 0 copies the batch dimension from the input (opset 13 Reshape), so N stays symbolic.
        long[] dims = [0, layer.Input.Channels, layer.Input.Height, layer.Input.Width];
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(shape.AsSpan(i * sizeof(long)), dims[i]);
        graph.Initializer.Add(new TensorProto
        {
            Name = name + "/shape", Dims = { dims.Length }, DataType = (int)TensorProto.Types.DataType.Int64,
            RawData = UnsafeByteOperations.UnsafeWrap(shape),
        });
        graph.Node.Add(new NodeProto { Name = name, OpType = "Reshape", Input = { input, name + "/shape" }, Output = { name } });
        return name;
    }

    private static TensorProto FloatTensor(ParameterTensor tensor, float[] parameters)
    {
        ReadOnlySpan<float> values = parameters.AsSpan(tensor.Offset, tensor.Length);
        byte[] bytes = new byte[values.Length * sizeof(float)];
        // raw_data is little-endian by definition, whatever the machine's byte order.
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        var proto = new TensorProto
        {
            Name = tensor.Name, DataType = (int)TensorProto.Types.DataType.Float,
            // The array is ours alone, so wrapping it saves a second copy of the weights.
            RawData = UnsafeByteOperations.UnsafeWrap(bytes),
        };
        foreach (int d in tensor.Dimensions) proto.Dims.Add(d);
        return proto;
    }

    private static ValueInfoProto Value(string name, Shape shape, bool flat)
    {
        var dims = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = BatchDimension } } };
        int[] perSample = flat ? [shape.Length] : [shape.Channels, shape.Height, shape.Width];
        foreach (int d in perSample) dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = dims };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params ReadOnlySpan<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        foreach (long v in values) attribute.Ints.Add(v);
        return attribute;
    }
}
