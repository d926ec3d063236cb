using System.Collections.Generic;
using System.Linq;
using ConvNet.Generator.Model;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>How the runtime's initialiser fills a tensor (the runtime's <c>ConvNet.TensorInit</c>, same names:
/// <c>ContractTests</c> checks them).</summary>
internal enum TensorInit { Zeros, Ones, Weight, Bias }

/// <summary>What the runtime's Auto scheme makes of a layer after a weighted one (the runtime's <c>ConvNet.AutoInit</c>).</summary>
internal enum AutoInit { Kaiming, Xavier, LookThrough }

/// <summary>The form an ONNX node reads its inputs in (the runtime's <c>ConvNet.OnnxLayout</c>).</summary>
internal enum OnnxLayout { Any, Flat, Volume }

/// <summary>One tensor of a layer: the PyTorch name after the layer's (<c>weight</c>), its dimensions, its initialiser.
/// Tensors lie one after another from the layer's parameter (or buffer) offset, each the product of its dimensions long.</summary>
internal sealed record TensorSpec(string Suffix, long[] Dimensions, TensorInit Init, bool IsCount = false)
{
    public long Length => Dimensions.Aggregate(1L, (product, d) => product * d);

    /// <summary>PyTorch's weight [out, in, kernel...] drawn by the scheme, then its bias [out].</summary>
    public static TensorSpec[] WeightAndBias(params long[] weight) =>
        [new("weight", weight, TensorInit.Weight), new("bias", [weight[0]], TensorInit.Bias)];
}

/// <summary>One attribute of an ONNX node, written as a call of the runtime's <c>ConvNet.OnnxAttribute</c> factories.</summary>
internal sealed record OnnxAttributeSpec(string Name, string Factory, string Values)
{
    public static OnnxAttributeSpec Int(string name, long value) => new(name, "Int", value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static OnnxAttributeSpec Ints(string name, params long[] values) =>
        new(name, "Ints", string.Join(", ", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    /// <summary>A float attribute from a double, narrowed in the generated code as the exporter narrowed it before.</summary>
    public static OnnxAttributeSpec Float(string name, double value) => new(name, "Float", "(float)" + LayerDescriptor.DoubleLiteral(value));

    public string Expression => $"global::ConvNet.OnnxAttribute.{Factory}(\"{Name}\", {Values})";
}

/// <summary>A layer's ONNX node: its operator (null: no node, the layer is the identity in evaluation mode), input
/// layout and attributes.</summary>
internal sealed record OnnxSpec(string? OpType, OnnxLayout Layout, params OnnxAttributeSpec[] Attributes)
{
    public static OnnxSpec Identity { get; } = new(null, OnnxLayout.Any);
}

/// <summary>Writes what the runtime reads of a layer into its <c>LayerInfo</c> initialiser, from its descriptor: the
/// tensors with names, dimensions, offsets and initialisers, the ONNX node, and the flags initialisation, training and
/// checkpoints ask. Every property is written, so the runtime never falls back to its built-in rules for a generated
/// layer.</summary>
internal static class LayerDescription
{
    private const string Tensor = "global::ConvNet.ParameterTensor";

    public static void Write(SourceWriter w, LayerPlan l)
    {
        var d = LayerDescriptors.Of(l.Kind);
        Tensors(w, l, "Tensors", d.ParameterTensors(l), l.ParamOffset);
        Tensors(w, l, "BufferTensors", d.BufferTensors(l), l.BufferOffset);
        var onnx = d.Onnx(l);
        string attributes = onnx.Attributes.Length == 0 ? "global::System.Array.Empty<global::ConvNet.OnnxAttribute>()"
            : $"new global::ConvNet.OnnxAttribute[] {{ {string.Join(", ", onnx.Attributes.Select(a => a.Expression))} }}";
        w.Line(onnx.OpType is null ? "Onnx = global::ConvNet.OnnxNode.Identity,"
            : $"Onnx = new global::ConvNet.OnnxNode(\"{onnx.OpType}\", global::ConvNet.OnnxLayout.{onnx.Layout}, {attributes}),");
        w.Line($"AutoInit = global::ConvNet.AutoInit.{d.AutoInit}, UsesBatchStatistics = {KernelHelpers.Bool(d.BatchStatistics)}, IsStochastic = {KernelHelpers.Bool(d.DrawsMasks)},");
    }

    private static void Tensors(SourceWriter w, LayerPlan l, string property, IReadOnlyList<TensorSpec> tensors, long offset)
    {
        if (tensors.Count == 0)
        {
            w.Line($"{property} = global::System.Array.Empty<{Tensor}>(),");
            return;
        }
        w.Open($"{property} = new {Tensor}[]");
        foreach (var t in tensors)
        {
            string init = $"Init = global::ConvNet.TensorInit.{t.Init}" + (t.IsCount ? ", IsCount = true" : "");
            string dims = t.Dimensions.Length == 0 ? "global::System.Array.Empty<int>()" : $"new int[] {{ {string.Join(", ", t.Dimensions)} }}";
            w.Line($"new {Tensor}(\"{l.Name}.{t.Suffix}\", {dims}, {offset}, {t.Length}) {{ {init} }},");
            offset += t.Length;
        }
        w.Close(",");
    }
}
