using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ConvNet.Generator.Emit.Layers;
using Xunit;
using GeneratorKind = ConvNet.Generator.Model.LayerKind;

namespace ConvNet.Tests;

/// <summary>Every layer kind is complete: the generator's registry, the runtime's tensor table and ONNX mapping, and the
/// numeric and finite-difference tests all know it. A kind added to <see cref="LayerKind"/> fails here until each has it.</summary>
public class LayerKindTests
{
    /// <summary>Enumerates the runtime's kinds. A kind's tensor rule and ONNX mapping are checked on a generated network
    /// of a numeric case that has the kind: its tensors must cover exactly the parameters the reference gives the layer,
    /// and the network must export (an unmapped kind throws).</summary>
    [Fact]
    public void Every_kind_has_a_descriptor_tensors_an_onnx_node_a_numeric_case_and_a_finite_difference_case()
    {
        var finiteDifference = ((IEnumerable<object[]>)FiniteDifferenceTests.Kinds).Select(row => (string)row[0]).ToHashSet();
        var missing = new List<string>();
        foreach (var kind in Enum.GetValues<LayerKind>())
        {
            if (!Enum.TryParse(kind.ToString(), out GeneratorKind generatorKind))
            {
                missing.Add($"{kind}: no generator kind of that name");
                continue;
            }
            var descriptor = LayerDescriptors.Kinds.SingleOrDefault(d => d.Kind == generatorKind);
            if (descriptor is null) missing.Add($"{kind}: no descriptor");
            else if (typeof(INetwork).Assembly.GetType($"{typeof(INetwork).Namespace}.{descriptor.Attribute}") is null)
                missing.Add($"{kind}: its descriptor's attribute {descriptor.Attribute} is not a runtime type");

            var numeric = NumericTests.Cases.Where(c => c.Reference.Has(kind)).ToArray();
            if (numeric.Length == 0) missing.Add($"{kind}: no numeric case");
            if (!numeric.Any(c => finiteDifference.Contains(c.Name))) missing.Add($"{kind}: no finite-difference case");
            if (numeric.Length > 0) missing.AddRange(RuntimeProblems(kind, numeric[0]));
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    private static IEnumerable<string> RuntimeProblems(LayerKind kind, Case c)
    {
        var r = c.Reference;
        var net = NumericTests.Create(c);
        for (int i = 0; i < r.Layers.Length; i++)
        {
            if (r.Layers[i].Kind != kind) continue;
            var layer = net.Layers[i];
            int parameters = (i + 1 < r.Layers.Length ? r.ParamOffsets[i + 1] : r.ParameterCount) - r.ParamOffsets[i];
            if (layer.ParameterCount != parameters || layer.Tensors.Sum(t => t.Length) != parameters)
                yield return $"{kind}: {c.Name}'s {layer.Name} has {layer.ParameterCount} parameters in {layer.Tensors.Sum(t => t.Length)} tensor floats; the reference has {parameters}";
            int buffers = (i + 1 < r.Layers.Length ? r.BufferOffsets[i + 1] : r.BufferCount) - r.BufferOffsets[i];
            if (layer.BufferCount != buffers || layer.BufferTensors.Sum(t => t.Length) != buffers)
                yield return $"{kind}: {c.Name}'s {layer.Name} has {layer.BufferCount} buffers in {layer.BufferTensors.Sum(t => t.Length)} tensor floats; the reference has {buffers}";
        }
        string? export = null;
        try { OnnxExport.Save(net, new MemoryStream()); }
        catch (NotSupportedException e) { export = $"{kind}: {c.Name} does not export to ONNX: {e.Message}"; }
        if (export is not null) yield return export;
    }

    /// <summary>The registry as shipped: indexing it (what its type initialiser does) finds every kind once.</summary>
    [Fact]
    public void The_registry_has_one_descriptor_per_kind_and_per_attribute()
    {
        var all = LayerDescriptors.Kinds;
        Assert.Equal(Enum.GetValues<GeneratorKind>(), LayerDescriptors.Index(all).Select(d => d.Kind));
        Assert.Equal(all.Count, all.Select(d => d.Attribute).Distinct().Count());
    }

    /// <summary>A second descriptor of a kind used to replace the first silently.</summary>
    [Fact]
    public void The_registry_rejects_a_second_descriptor_of_a_kind()
    {
        var e = Assert.Throws<ArgumentException>(() => LayerDescriptors.Index([.. LayerDescriptors.Kinds, new DropoutEmitter()]));
        Assert.Contains("Dropout has two descriptors", e.Message);
    }

    /// <summary>A kind without a descriptor used to be found only when a network declared it.</summary>
    [Fact]
    public void The_registry_rejects_a_kind_without_a_descriptor()
    {
        var e = Assert.Throws<ArgumentException>(() => LayerDescriptors.Index(LayerDescriptors.Kinds.Where(d => d.Kind != GeneratorKind.Tanh).ToArray()));
        Assert.Contains("Tanh has no descriptor", e.Message);
    }

    /// <summary>An attribute claimed by two descriptors used to map to whichever came last.</summary>
    [Fact]
    public void The_registry_rejects_an_attribute_read_by_two_kinds()
    {
        // A descriptor that claims another kind's attribute: the parser would read [Relu] as whichever came last.
        var others = LayerDescriptors.Kinds.Where(d => d.Kind != GeneratorKind.Dropout);
        var e = Assert.Throws<ArgumentException>(() => LayerDescriptors.Index([.. others, new MisnamedDropout()]));
        Assert.Contains("ReluAttribute has two descriptors", e.Message);
    }

    private sealed class MisnamedDropout : LayerDescriptor<DropoutSpec>
    {
        private readonly DropoutEmitter _dropout = new();
        public override GeneratorKind Kind => GeneratorKind.Dropout;
        public override string Attribute => "ReluAttribute";
        public override string Prefix => _dropout.Prefix;
        protected override DropoutSpec Read(IAttributeArguments args) => new(args.Real(0));
        protected override Generator.Model.Shape3? Output(Generator.Shapes.ShapeChecks check, DropoutSpec dropout, IReadOnlyList<Generator.Model.Shape3> inputs) =>
            inputs[0];
        public override string Describe(Generator.Model.LayerPlan l) => _dropout.Describe(l);
        public override void Kernels(Generator.Emit.SourceWriter w, Generator.Model.LayerPlan l) => _dropout.Kernels(w, l);
    }

    /// <summary>A kind outside the enum used to get no tensors (so zero weights, missing from weight files and ONNX).</summary>
    [Fact]
    public void A_layer_of_an_unknown_kind_is_rejected_when_described()
    {
        var unknown = (LayerKind)Enum.GetValues<LayerKind>().Length;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new LayerInfo("x1", unknown, new Shape(2, 3, 3), new Shape(4, 1, 1), 0, 0, 0, 0, 40));
        Assert.Equal("kind", e.ParamName);
        Assert.Contains("x1", e.Message);
    }
}
