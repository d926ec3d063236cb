using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Channel concatenation: the merge of an inception module. In CHW each input's channels are one contiguous
/// run of the output, so forward is one copy per input and backward one copy (or add) of the matching run back.</summary>
internal sealed class ConcatEmitter : LayerDescriptor<MergeSpec>
{
    public override LayerKind Kind => LayerKind.Concat;
    public override string Attribute => "ConcatAttribute";
    public override string Prefix => "concat";
    public override IReadOnlyList<string> Positional => ["others"];
    public override bool AccumulatesInputGradients => true;
    public override bool ParamsArray => true;

    protected override MergeSpec Read(IAttributeArguments args) => new(args.Strings(0));

    protected override bool CheckArguments(ArgumentChecks check, MergeSpec concat) =>
        check.Check(concat.Others.Count > 0, "others", $"Concat needs the names of the layers whose outputs follow its input, e.g. [Concat(\"branch2\", \"branch3\")]");

    protected override Shape3? Output(ShapeChecks check, MergeSpec concat, IReadOnlyList<Shape3> inputs)
    {
        long channels = 0;
        bool fits = true;
        foreach (var s in inputs)
        {
            fits &= s.H == inputs[0].H && s.W == inputs[0].W;
            channels += s.C;
        }
        if (fits) return new Shape3(channels, inputs[0].H, inputs[0].W);
        var list = new StringBuilder();
        for (int k = 0; k < inputs.Count; k++)
        {
            if (k > 0) list.Append(", ");
            list.Append($"{check.InputName(k)} {inputs[k].H}x{inputs[k].W}");
        }
        check.Add(new Problem(ProblemIds.MergeMismatch, check.Layer, null,
            $"{check.What} stacks channels, so every input needs the same height and width, got (height x width) {list}; resize the odd ones with a strided Conv or a pooling layer, or pad them"));
        return null;
    }

    public override OnnxSpec Onnx(LayerPlan l) => new("Concat", OnnxLayout.Any, OnnxAttributeSpec.Int("axis", 1));

    public override string Describe(LayerPlan l)
    {
        var names = new List<string>();
        for (int k = 1; k < l.InputNames.Count; k++) names.Add(l.InputNames[k]);
        return $"Concat({string.Join(", ", names)})";
    }

    /// <summary>Where each input's channels start in the output, in one pass (a merge may take up to
    /// <see cref="ShapeInference.MaxInputs"/> inputs).</summary>
    private static string[] Offsets(LayerPlan l)
    {
        var offsets = new string[l.Inputs.Count];
        long offset = 0;
        for (int k = 0; k < offsets.Length; k++)
        {
            offsets[k] = offset.ToString(CultureInfo.InvariantCulture);
            offset += l.InShapes[k].Length;
        }
        return offsets;
    }

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        w.Line($"// {l.Name} forward, once per input: channels [first, first + C) of the output ({l.Out.C},{l.Out.H},{l.Out.W}) are the input's C channels, one contiguous run.");
        w.Open($"internal static void Forward({ReadOnlySpanType} input, {SpanType} output)");
        w.Line($"if (input.Length != output.Length || input.Length % {l.Out.H * l.Out.W} != 0) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line("input.CopyTo(output);");
        w.Close();
        w.Line();
        w.Line($"// {l.Name} backward, once per input: dInput = its run of dOutput, or += where another layer reading the same volume wrote it first.");
        w.Open($"internal static void Backward({ReadOnlySpanType} dOutput, {SpanType} dInput, bool accumulate)");
        w.Line("if (dInput.IsEmpty) return;");
        w.Line($"if (dOutput.Length != dInput.Length) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"if (accumulate) {RuntimeType}.AddInto(dOutput, dInput);");
        w.Line("else dOutput.CopyTo(dInput);");
        w.Close();
    }

    public override void ForwardCall(SourceWriter w, LayerPlan l, LayerCall c)
    {
        var offsets = Offsets(l);
        for (int k = 0; k < l.Inputs.Count; k++)
            w.Line($"{l.Identifier}.Forward({c.Inputs[k]}, {c.Output}.Slice({offsets[k]}, {l.InShapes[k].Length}));");
    }

    public override void BackwardCall(SourceWriter w, LayerPlan l, LayerCall c)
    {
        var offsets = Offsets(l);
        for (int k = 0; k < l.Inputs.Count; k++)
            w.Line($"{l.Identifier}.Backward({c.DOutput}.Slice({offsets[k]}, {l.InShapes[k].Length}), {c.DInputs[k]}, {Bool(c.Accumulate[k])});");
    }
}
