using System.Collections.Generic;
using System.Globalization;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Elementwise sum of two volumes of equal shape: the merge of a residual block. Backward hands the output's
/// gradient to both inputs unchanged, adding it in where another consumer of the same volume has already written.</summary>
internal sealed class AddEmitter : LayerDescriptor<MergeSpec>
{
    public override LayerKind Kind => LayerKind.Add;
    public override string Attribute => "AddAttribute";
    public override string Prefix => "add";
    public override IReadOnlyList<string> Positional => ["other"];
    public override bool AccumulatesInputGradients => true;

    protected override MergeSpec Read(IAttributeArguments args) => new(new EquatableArray<string>([args.String(0) ?? ""]));

    protected override Shape3? Output(ShapeChecks check, MergeSpec add, IReadOnlyList<Shape3> inputs)
    {
        Shape3 a = inputs[0], b = inputs[1];
        if (a == b) return a;
        // The usual fix projects the shortcut (the named volume), so that side is tried first.
        var (side, from, stride) = Stride(b, a) is { } s1 ? ("other", 1, s1) : Stride(a, b) is { } s0 ? ("input", 0, s0) : ("", -1, 0L);
        string advice = from < 0
            ? "the shapes must be equal: change the layers that make them, or take another layer"
            : $"a 1x1 Conv with {inputs[1 - from].C} filters{(stride == 1 ? "" : $" and Stride = {stride.ToString(CultureInfo.InvariantCulture)}")} on {check.InputName(from)} would give {inputs[1 - from]}";
        var problem = new Problem(ProblemIds.MergeMismatch, check.Layer, null,
            $"{check.What} cannot add {check.InputName(0)} ({a}) to {check.InputName(1)} ({b}); {advice}");
        if (from >= 0)
            problem = problem with
            {
                Fixes = System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty
                    .Add(FixKeys.ProjectFrom, check.InputName(from))
                    .Add(FixKeys.ProjectFilters, inputs[1 - from].C.ToString(CultureInfo.InvariantCulture))
                    .Add(FixKeys.ProjectStride, stride.ToString(CultureInfo.InvariantCulture))
                    .Add(FixKeys.ProjectedInput, side)
                    .Add(FixKeys.MergeInput, check.InputName(0))
                    .Add(FixKeys.MergeName, check.Name),
            };
        check.Add(problem);
        return null;
    }

    /// <summary>The stride of a 1x1 convolution that takes <paramref name="from"/>'s height and width to
    /// <paramref name="to"/>'s (the usual projection shortcut), or null. A 1x1 window with stride s reads every s-th
    /// pixel and the rest are the stride's gap, so any stride fits.</summary>
    private static long? Stride(Shape3 from, Shape3 to)
    {
        for (long s = 1; s <= System.Math.Max(from.H, from.W); s++)
            if ((from.H - 1) / s + 1 == to.H && (from.W - 1) / s + 1 == to.W) return s;
        return null;
    }

    public override string Describe(LayerPlan l) => $"Add({l.InputNames[1]})";

    public override OnnxSpec Onnx(LayerPlan l) => new("Add", OnnxLayout.Any);

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        int n = l.OutLength;
        w.Line($"// {l.Name} forward: output ({l.Out.C},{l.Out.H},{l.Out.W}) = {l.InputNames[0]} + {l.InputNames[1]}, elementwise over {n} values.");
        w.Open($"internal static void Forward({ReadOnlySpanType} a, {ReadOnlySpanType} b, {SpanType} output)");
        w.Line($"if (a.Length != {n} || b.Length != {n} || output.Length != {n}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        Dispatch(w, n, KernelsType + ".Sum2", $"ref {Marshal}.GetReference(a), ref {Marshal}.GetReference(b), ref {Marshal}.GetReference(output), {n}");
        w.Close();
        w.Line();
        w.Line($"// {l.Name} backward, once per input: dInput = dOutput ({n} values), or dInput += dOutput where another layer reading the same volume wrote it first.");
        w.Open($"internal static void Backward({ReadOnlySpanType} dOutput, {SpanType} dInput, bool accumulate)");
        w.Line("if (dInput.IsEmpty) return;");
        w.Line($"if (dOutput.Length != {n} || dInput.Length != {n}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"if (accumulate) {RuntimeType}.AddInto(dOutput, dInput);");
        w.Line("else dOutput.CopyTo(dInput);");
        w.Close();
    }

    public override void ForwardCall(SourceWriter w, LayerPlan l, LayerCall c) =>
        w.Line($"{l.Identifier}.Forward({c.Inputs[0]}, {c.Inputs[1]}, {c.Output});");

    public override void BackwardCall(SourceWriter w, LayerPlan l, LayerCall c)
    {
        for (int k = 0; k < 2; k++)
            w.Line($"{l.Identifier}.Backward({c.DOutput}, {c.DInputs[k]}, {Bool(c.Accumulate[k])});");
    }
}
