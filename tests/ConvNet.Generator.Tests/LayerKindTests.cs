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
        public override OnnxSpec Onnx(Generator.Model.LayerPlan l) => _dropout.Onnx(l);
        public override void Kernels(Generator.Emit.SourceWriter w, Generator.Model.LayerPlan l, Generator.Planning.KernelPlan k) => _dropout.Kernels(w, l, k);
    }

    /// <summary>Enumerates the runtime's kinds: a generated layer of each (every one in the numeric cases) describes
    /// itself whole, and what it describes is what the runtime's built-in rule derives for the same layer made by hand
    /// (only the constructor and the kind's own properties), so weight files, ONNX export and initial weights do not
    /// depend on which of the two a network's layers carry.</summary>
    [Fact]
    public void Every_kind_describes_what_the_built_in_rule_derives()
    {
        var problems = new List<string>();
        foreach (var kind in Enum.GetValues<LayerKind>())
        {
            int seen = 0;
            foreach (var c in NumericTests.Cases.Where(c => c.Reference.Has(kind)))
            {
                foreach (var layer in NumericTests.Create(c).Layers.Where(l => l.Kind == kind))
                {
                    seen++;
                    var undescribed = Undescribed(layer);
                    if (undescribed.Count > 0)
                        problems.Add($"{kind}: {c.Name}'s {layer.Name} leaves {string.Join(", ", undescribed)} to the built-in rule");
                    var byHand = new LayerInfo(layer.Name, layer.Kind, layer.Input, layer.Output, layer.Size, layer.Stride, layer.Pad,
                        layer.ParameterOffset, layer.ParameterCount)
                    {
                        Inputs = layer.Inputs, BufferOffset = layer.BufferOffset, Epsilon = layer.Epsilon, Momentum = layer.Momentum,
                        Probability = layer.Probability,
                    };
                    Assert.Equal(AllProperties, Undescribed(byHand));
                    // Kinds added after the built-in rule was closed have none: generated code is all they have.
                    if (kind > LastBuiltIn)
                        Assert.Throws<NotSupportedException>(() => byHand.Tensors);
                    else if (Render(layer) != Render(byHand))
                        problems.Add($"{kind}: {c.Name}'s {layer.Name} describes\n  {Render(layer)}\nbut the built-in rule gives\n  {Render(byHand)}");
                }
            }
            if (seen == 0) problems.Add($"{kind}: no generated layer to compare");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>The last kind <see cref="LayerInfo"/>'s built-in rule knows.</summary>
    private const LayerKind LastBuiltIn = LayerKind.GlobalAvgPool;

    private static readonly string[] AllProperties =
        ["_autoInit", "_bufferTensors", "_isStochastic", "_onnx", "_tensors", "_usesBatchStatistics"];

    // The description's backing fields (null: the built-in rule answers), read by reflection: the public properties
    // cannot tell a described value from a derived one, which is what this test must see.
    private static List<string> Undescribed(LayerInfo layer) =>
        typeof(LayerInfo).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)
            .Where(f => AllProperties.Contains(f.Name) && f.GetValue(layer) is null).Select(f => f.Name).Order().ToList();

    private static string Render(LayerInfo l)
    {
        static string Tensors(IEnumerable<ParameterTensor> tensors) => string.Join(", ", tensors.Select(t =>
            $"{t.Name}[{string.Join("x", t.Dimensions)}]@{t.Offset}+{t.Length} {t.Init}{(t.IsCount ? " count" : "")}"));
        var attributes = l.Onnx.Attributes.Select(a =>
            $"{a.Name}:{a.Type}={string.Join(",", a.Integers)}/{BitConverter.SingleToInt32Bits(a.Real):x8}");
        return $"tensors {Tensors(l.Tensors)}; buffers {Tensors(l.BufferTensors)} ({l.BufferCount}); onnx {l.Onnx.OpType ?? "none"} " +
            $"{l.Onnx.Layout} {string.Join(" ", attributes)}; {l.AutoInit}, batch statistics {l.UsesBatchStatistics}, stochastic {l.IsStochastic}";
    }

    /// <summary>A kind outside the enum used to get no tensors (so zero weights, missing from weight files and ONNX): made
    /// by hand without a description, it has no built-in rule and throws when read; described, it is what it says.</summary>
    [Fact]
    public void A_layer_of_an_unknown_kind_is_rejected_unless_described()
    {
        var unknown = (LayerKind)Enum.GetValues<LayerKind>().Length;
        var layer = new LayerInfo("x1", unknown, new Shape(2, 3, 3), new Shape(4, 1, 1), 0, 0, 0, 0, 40);
        var e = Assert.Throws<NotSupportedException>(() => layer.Tensors);
        Assert.Contains("x1", e.Message);
        Assert.Throws<NotSupportedException>(() => layer.Onnx);
        Assert.Throws<NotSupportedException>(() => layer.IsStochastic);
        Assert.Throws<NotSupportedException>(() => OnnxExport.Save(new LinearNetwork(layer), new MemoryStream()));

        ParameterTensor[] tensors = [new("x1.weight", [4, 9], 0, 36) { Init = TensorInit.Weight }, new("x1.bias", [4], 36, 4) { Init = TensorInit.Bias }];
        var described = layer with
        {
            Tensors = tensors, BufferTensors = [], Onnx = new OnnxNode("Gemm", OnnxLayout.Flat, [OnnxAttribute.Int("transB", 1)]),
            AutoInit = AutoInit.Kaiming, UsesBatchStatistics = false, IsStochastic = false,
        };
        Assert.Same(tensors, described.Tensors);
        Assert.Equal(0, described.BufferCount);
        var net = new LinearNetwork(described);
        Initializers.Initialize(net, InitScheme.KaimingUniform, seed: 3);
        Assert.Contains(net.Parameters.Take(36), w => w != 0);
        Assert.All(net.Parameters.Skip(36), b => Assert.Equal(0f, b));
        OnnxExport.Save(net, new MemoryStream());
    }

    // One layer over a 2x3x3 input: enough of an INetwork for the initialiser and the exporter, which read only its table.
    private sealed class LinearNetwork(LayerInfo layer) : INetwork
    {
        public Shape InputShape => layer.Input;
        public int InputLength => layer.Input.Length;
        public int OutputLength => layer.Output.Length;
        public IReadOnlyList<LayerInfo> Layers { get; } = [layer];
        public float[] Parameters { get; } = new float[layer.ParameterCount];
        public float[] Gradients { get; } = new float[layer.ParameterCount];
        public float[] Buffers { get; } = [];
        public bool Training { get; set; }
        public int MaxDegreeOfParallelism { get; set; } = 1;
        public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
        public void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotSupportedException();
        public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => throw new NotSupportedException();
        public void Backward(ReadOnlySpan<float> outputGradients, Span<float> inputGradients, int batchSize) => throw new NotSupportedException();
        public void Backward(int layer, ReadOnlySpan<float> layerOutputGradient, Span<float> inputGradient) => throw new NotSupportedException();
        public void Backward(int layer, ReadOnlySpan<float> layerOutputGradients, Span<float> inputGradients, int batchSize) => throw new NotSupportedException();
        public void ZeroGradients() => Array.Clear(Gradients);
        public ReadOnlySpan<float> LayerOutput(int layer) => throw new NotSupportedException();
    }
}
