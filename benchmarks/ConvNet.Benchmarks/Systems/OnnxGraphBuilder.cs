using System;
using System.IO;
using System.Text;
using ConvNet;

namespace ConvNet.Benchmarks;

/// <summary>
/// Writes an ONNX model (opset 13) of a ConvNet network with its current weights, for ONNX Runtime.
/// </summary>
/// <remarks>
/// Stand-in until the runtime library's <c>ConvNet.OnnxExport</c> lands: this file is the only place that knows the ONNX
/// format, and <see cref="Build"/> is the only entry point, so swapping it for OnnxExport is a one-line change in
/// <see cref="OrtSystem"/>. The protobuf is written by hand (the handful of ModelProto fields used below, numbered as in
/// onnx.proto) rather than through a generated protobuf library, so the benchmarks need no .proto compilation.
/// The batch size is fixed in the graph: ORT then plans every shape ahead, which is the fairest setting for it.
/// </remarks>
internal static class OnnxGraphBuilder
{
    public const string InputName = "input";
    public const string OutputName = "output";

    public static byte[] Build(INetwork network, int batchSize)
    {
        var graph = new Proto();
        var p = network.Parameters;
        string current = InputName;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            var l = network.Layers[i];
            string output = i == network.Layers.Count - 1 ? OutputName : l.Name;
            switch (l.Kind)
            {
                case LayerKind.Conv:
                    Initializer(graph, p, l.Tensors[0]);
                    Initializer(graph, p, l.Tensors[1]);
                    Node(graph, "Conv", [current, l.Tensors[0].Name, l.Tensors[1].Name], output, l.Name,
                        Ints("kernel_shape", l.Size, l.Size), Ints("strides", l.Stride, l.Stride),
                        Ints("pads", l.Pad, l.Pad, l.Pad, l.Pad));
                    break;
                case LayerKind.MaxPool or LayerKind.AvgPool:
                    Node(graph, l.Kind == LayerKind.MaxPool ? "MaxPool" : "AveragePool", [current], output, l.Name,
                        Ints("kernel_shape", l.Size, l.Size), Ints("strides", l.Stride, l.Stride));
                    break;
                case LayerKind.FullyConnected:
                    // Gemm wants a matrix: flatten (C, H, W) in that order, which is also ConvNet's FC input order.
                    string flat = l.Name + ".flat";
                    Node(graph, "Flatten", [current], flat, l.Name + ".flatten", Int("axis", 1));
                    Initializer(graph, p, l.Tensors[0]);
                    Initializer(graph, p, l.Tensors[1]);
                    Node(graph, "Gemm", [flat, l.Tensors[0].Name, l.Tensors[1].Name], output, l.Name, Int("transB", 1));
                    break;
                case LayerKind.Relu or LayerKind.Sigmoid or LayerKind.Tanh:
                    Node(graph, l.Kind.ToString(), [current], output, l.Name);
                    break;
                default:
                    throw new NotSupportedException($"No ONNX mapping for layer kind {l.Kind}.");
            }
            current = output;
        }
        graph.Bytes(2, Encoding.UTF8.GetBytes("convnet"));
        var input = network.InputShape;
        graph.Message(11, ValueInfo(InputName, batchSize, input.Channels, input.Height, input.Width));
        graph.Message(12, ValueInfo(OutputName, batchSize, network.OutputLength));

        var model = new Proto();
        model.Varint(1, 8); // ir_version 8 (ONNX 1.10+), enough for opset 13
        model.Bytes(2, Encoding.UTF8.GetBytes("ConvNet.Benchmarks"));
        model.Message(7, graph);
        var opset = new Proto();
        opset.Bytes(1, []); // default domain ai.onnx
        opset.Varint(2, 13);
        model.Message(8, opset);
        return model.ToArray();
    }

    private static void Node(Proto graph, string op, string[] inputs, string output, string name, params Proto[] attributes)
    {
        var node = new Proto();
        foreach (var i in inputs) node.Bytes(1, Encoding.UTF8.GetBytes(i));
        node.Bytes(2, Encoding.UTF8.GetBytes(output));
        node.Bytes(3, Encoding.UTF8.GetBytes(name));
        node.Bytes(4, Encoding.UTF8.GetBytes(op));
        foreach (var a in attributes) node.Message(5, a);
        graph.Message(1, node);
    }

    private static void Initializer(Proto graph, float[] parameters, ParameterTensor t)
    {
        var tensor = new Proto();
        foreach (int d in t.Dimensions) tensor.Varint(1, (ulong)d);
        tensor.Varint(2, 1); // FLOAT
        tensor.Bytes(8, Encoding.UTF8.GetBytes(t.Name));
        var raw = new byte[t.Length * sizeof(float)];
        // raw_data is little-endian by the ONNX spec, as is every machine .NET runs this on.
        Buffer.BlockCopy(parameters, t.Offset * sizeof(float), raw, 0, raw.Length);
        tensor.Bytes(9, raw);
        graph.Message(5, tensor);
    }

    private static Proto Int(string name, long value)
    {
        var a = new Proto();
        a.Bytes(1, Encoding.UTF8.GetBytes(name));
        a.Varint(3, (ulong)value);
        a.Varint(20, 2); // AttributeType.INT
        return a;
    }

    private static Proto Ints(string name, params long[] values)
    {
        var a = new Proto();
        a.Bytes(1, Encoding.UTF8.GetBytes(name));
        foreach (var v in values) a.Varint(8, (ulong)v);
        a.Varint(20, 7); // AttributeType.INTS
        return a;
    }

    private static Proto ValueInfo(string name, params long[] dims)
    {
        var shape = new Proto();
        foreach (var d in dims)
        {
            var dim = new Proto();
            dim.Varint(1, (ulong)d);
            shape.Message(1, dim);
        }
        var tensorType = new Proto();
        tensorType.Varint(1, 1); // FLOAT
        tensorType.Message(2, shape);
        var type = new Proto();
        type.Message(1, tensorType);
        var info = new Proto();
        info.Bytes(1, Encoding.UTF8.GetBytes(name));
        info.Message(2, type);
        return info;
    }

    /// <summary>A protobuf message being written: varint and length-delimited fields only, which is all ONNX needs here.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, ulong value)
        {
            WriteVarint((ulong)field << 3);
            WriteVarint(value);
        }

        public void Bytes(int field, ReadOnlySpan<byte> value)
        {
            WriteVarint(((ulong)field << 3) | 2);
            WriteVarint((ulong)value.Length);
            _stream.Write(value);
        }

        public void Message(int field, Proto message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _stream.ToArray();

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }
    }
}
