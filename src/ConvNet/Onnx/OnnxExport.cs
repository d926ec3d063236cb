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
/// and produces <c>output</c>: [N, outputs] when the network ends in a fully connected layer (or layers that keep its
/// [N, features] form: activations, batch norm, dropout, and merges of such values), else the last volume as
/// [N, C, H, W]. It computes what the network computes in evaluation mode (<see cref="INetwork.Training"/> false).</para>
/// <para>Each layer becomes the node its <see cref="LayerInfo.Onnx"/> describes, named after the layer, reading the
/// values of the layers named in <see cref="LayerInfo.Inputs"/>, so branches and merges keep their shape: Conv, MaxPool, AveragePool, Gemm (fully
/// connected, transB = 1), Relu, Sigmoid, Tanh, Add, Concat (axis 1), GlobalAveragePool, and BatchNormalization with
/// the layer's epsilon and momentum (ONNX's momentum weighs the old running value, so it is written as
/// 1 - <see cref="LayerInfo.Momentum"/>, as PyTorch's exporter does). Dropout has no node: in evaluation mode it is the
/// identity, so its consumers read its input (an Identity node produces <c>output</c> when it is the last layer).
/// A Flatten (axis 1) goes before a fully connected layer whose input is a volume, and a Reshape to [N, C, 1, 1] before
/// a convolution or pool that reads a fully connected layer's output, or before a merge that joins it with volumes;
/// each value is converted once, however many layers read it.</para>
/// <para>Weights and biases become float initializers named like <see cref="LayerInfo.Tensors"/>
/// (<c>conv1.weight</c>, <c>conv1.bias</c>, <c>fc1.weight</c>, <c>bn1.weight</c>, ...), in the same PyTorch layouts,
/// copied from <see cref="INetwork.Parameters"/> when the method runs; a batch norm layer's running statistics
/// (<c>bn1.running_mean</c>, <c>bn1.running_var</c>) are copied from <see cref="INetwork.Buffers"/>. The count
/// <c>num_batches_tracked</c> is not exported: no ONNX operator reads it.</para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX operator set version the exported graph imports.</summary>
    public const int OpsetVersion = 13;

    // IR version 7 came with ONNX 1.8, the release that introduced opset 13; readers of opset 13 all accept it.
    private const long IrVersion = 7;
    private const string BatchDimension = "N";

    /// <summary>Writes <paramref name="network"/> as an ONNX model to <paramref name="stream"/>, which is left open.</summary>
    /// <param name="network">The network, with the weights to export in <see cref="INetwork.Parameters"/> and <see cref="INetwork.Buffers"/>.</param>
    /// <param name="stream">A writable stream; the model is written from its current position.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="NotSupportedException">The network has a layer with no ONNX node (one made without a
    /// description, of a kind with no built-in rule: see <see cref="LayerInfo"/>), or a layer that reads a value no
    /// earlier layer produces.</exception>
    public static void Save(INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        BuildModel(network).WriteTo(stream);
    }

    /// <summary>Writes <paramref name="network"/> as an ONNX model to the file <paramref name="path"/>, replacing it if it exists.</summary>
    /// <remarks>The model goes to a temporary file in the same directory, flushed to the disk, that is then renamed over
    /// <paramref name="path"/>, so a reader (a serving process watching the file) never sees a half-written model, and a
    /// killed export leaves a temporary file that the next export to the same path deletes.</remarks>
    /// <param name="network">The network, with the weights to export in <see cref="INetwork.Parameters"/> and <see cref="INetwork.Buffers"/>.</param>
    /// <param name="path">The file to write, conventionally with the extension <c>.onnx</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="NotSupportedException">The network has a layer with no ONNX node (one made without a
    /// description, of a kind with no built-in rule: see <see cref="LayerInfo"/>), or a layer that reads a value no
    /// earlier layer produces.</exception>
    /// <exception cref="IOException">The file cannot be written, or <paramref name="path"/> is a folder.</exception>
    public static void Save(INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Built before any file is touched, so an unsupported network leaves the old file in place.
        ModelProto model = BuildModel(network);
        IoHelpers.WriteAtomically(path, model.WriteTo);
    }

    // A tensor of the graph: its ONNX name, the name its converted forms are named after (the layer that made it, or
    // "input"), its per-sample shape, and whether it is 2-D [N, features] (after Gemm) rather than [N, C, H, W].
    private sealed record GraphValue(string Name, string Producer, Shape Shape, bool Flat);

    private static ModelProto BuildModel(INetwork network)
    {
        var graph = new GraphProto { Name = network.GetType().Name };
        graph.Input.Add(Value("input", network.InputShape, flat: false));
        var input = new GraphValue("input", "input", network.InputShape, Flat: false);
        var values = new Dictionary<string, GraphValue> { ["input"] = input };
        // Each value is flattened or reshaped at most once, however many layers consume it.
        var converted = new Dictionary<(string, bool), GraphValue>();

        IReadOnlyList<LayerInfo> layers = network.Layers;
        GraphValue last = input;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerInfo layer = layers[i];
            // A hand-written INetwork may leave Inputs empty: its layers form a chain, as before graphs.
            IReadOnlyList<string> names = layer.Inputs.Count > 0 ? layer.Inputs : [i == 0 ? "input" : layers[i - 1].Name];
            var inputs = new List<GraphValue>(names.Count);
            foreach (string name in names)
            {
                if (!values.TryGetValue(name, out GraphValue? value))
                    throw new NotSupportedException($"Layer '{layer.Name}' reads '{name}', which is neither \"input\" nor an earlier layer.");
                inputs.Add(value);
            }

            OnnxNode mapping = layer.Onnx;
            // Evaluation-mode dropout is the identity: its consumers read its input.
            if (mapping.OpType is null)
            {
                values[layer.Name] = last = inputs[0];
                continue;
            }

            // Merged values must agree; a [N, C] one joins [N, C, H, W] ones as [N, C, 1, 1].
            bool flat = mapping.Layout switch
            {
                OnnxLayout.Flat => true,
                OnnxLayout.Volume => false,
                OnnxLayout.Any => inputs.TrueForAll(v => v.Flat),
                _ => throw new NotSupportedException($"Layer '{layer.Name}' reads its inputs in layout {mapping.Layout}, which is not an {nameof(OnnxLayout)}."),
            };
            for (int k = 0; k < inputs.Count; k++)
                inputs[k] = Convert(graph, converted, inputs[k], flat);

            // Layer names may contain '.', never '/': names with '/' (values, and nodes that are not layers) cannot clash
            // with a layer, a parameter tensor, "input" or "output".
            var output = new GraphValue(i == layers.Count - 1 ? "output" : layer.Name + "/output", layer.Name, layer.Output, flat);
            var node = new NodeProto { Name = layer.Name, OpType = mapping.OpType, Output = { output.Name } };
            foreach (GraphValue value in inputs) node.Input.Add(value.Name);
            foreach (ParameterTensor tensor in layer.Tensors)
            {
                graph.Initializer.Add(FloatTensor(tensor, network.Parameters));
                node.Input.Add(tensor.Name);
            }
            // ONNX BatchNormalization reads scale, bias, mean, variance: the parameters, then the running statistics.
            // The count has no ONNX input.
            foreach (ParameterTensor tensor in layer.BufferTensors)
            {
                if (tensor.IsCount) continue;
                graph.Initializer.Add(FloatTensor(tensor, network.Buffers));
                node.Input.Add(tensor.Name);
            }
            foreach (OnnxAttribute attribute in mapping.Attributes) node.Attribute.Add(Attribute(attribute));
            graph.Node.Add(node);
            values[layer.Name] = last = output;
        }

        // The graph output must be a node's output named "output": a network without layers is the identity (its
        // Forward copies the input), and so is one whose last layer is a dropout.
        if (last.Name != "output")
        {
            string name = layers.Count == 0 ? "/identity" : layers[^1].Name + "/identity";
            graph.Node.Add(new NodeProto { Name = name, OpType = "Identity", Input = { last.Name }, Output = { "output" } });
        }
        graph.Output.Add(Value("output", last.Shape, last.Flat));

        return new ModelProto
        {
            IrVersion = IrVersion,
            OpsetImport = { new OperatorSetIdProto { Version = OpsetVersion } },
            ProducerName = "ConvNet",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "",
            Graph = graph,
        };
    }

    private static AttributeProto Attribute(OnnxAttribute attribute) => attribute.Type switch
    {
        OnnxAttributeType.Int => Int(attribute.Name, attribute.Integers[0]),
        OnnxAttributeType.Ints => Ints(attribute.Name, [.. attribute.Integers]),
        OnnxAttributeType.Float => Float(attribute.Name, attribute.Real),
        _ => throw new NotSupportedException($"ONNX attribute '{attribute.Name}' has type {attribute.Type}, which is not an {nameof(OnnxAttributeType)}."),
    };

    // The value as [N, features] (flat) or [N, C, H, W]; a Flatten (axis 1) or Reshape node when it is the other one.
    private static GraphValue Convert(GraphProto graph, Dictionary<(string, bool), GraphValue> converted, GraphValue value, bool flat)
    {
        if (value.Flat == flat) return value;
        if (converted.TryGetValue((value.Name, flat), out GraphValue? done)) return done;
        var result = flat ? Flatten(graph, value) : Reshape(graph, value);
        converted.Add((value.Name, flat), result);
        return result;
    }

    private static GraphValue Flatten(GraphProto graph, GraphValue value)
    {
        string name = value.Producer + "/flatten";
        graph.Node.Add(new NodeProto { Name = name, OpType = "Flatten", Input = { value.Name }, Output = { name }, Attribute = { Int("axis", 1) } });
        return value with { Name = name, Flat = true };
    }

    // A conv or pool after a fully connected layer sees its features as a C x 1 x 1 volume.
    private static GraphValue Reshape(GraphProto graph, GraphValue value)
    {
        string name = value.Producer + "/reshape";
        byte[] shape = new byte[4 * sizeof(long)];
        // 0 copies the batch dimension from the input (opset 13 Reshape), so N stays symbolic.
        long[] dims = [0, value.Shape.Channels, value.Shape.Height, value.Shape.Width];
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(shape.AsSpan(i * sizeof(long)), dims[i]);
        graph.Initializer.Add(new TensorProto
        {
            Name = name + "/shape", Dims = { dims.Length }, DataType = (int)TensorProto.Types.DataType.Int64,
            RawData = UnsafeByteOperations.UnsafeWrap(shape),
        });
        graph.Node.Add(new NodeProto { Name = name, OpType = "Reshape", Input = { value.Name, name + "/shape" }, Output = { name } });
        return value with { Name = name, Flat = false };
    }

    private static TensorProto FloatTensor(ParameterTensor tensor, float[] source)
    {
        ReadOnlySpan<float> values = source.AsSpan(tensor.Offset, tensor.Length);
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

    private static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Ints(string name, params ReadOnlySpan<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        foreach (long v in values) attribute.Ints.Add(v);
        return attribute;
    }
}
