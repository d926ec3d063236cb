using System.Collections.Generic;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Global average pooling, CxHxW -> Cx1x1: each channel's mean. Backward spreads dy / (H*W) over the channel.</summary>
internal sealed class GlobalAvgPoolEmitter : LayerDescriptor<NoSpec>
{
    public override LayerKind Kind => LayerKind.GlobalAvgPool;
    public override string Attribute => "GlobalAvgPoolAttribute";
    public override string Prefix => "gap";
    protected override NoSpec Read(IAttributeArguments args) => NoSpec.Value;
    protected override Shape3? Output(ShapeChecks check, NoSpec none, IReadOnlyList<Shape3> inputs) => new Shape3(inputs[0].C, 1, 1);
    public override string Describe(LayerPlan l) => "GlobalAvgPool";
    public override OnnxSpec Onnx(LayerPlan l) => new("GlobalAveragePool", OnnxLayout.Volume);

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        int c = (int)l.In.C, hw = (int)(l.In.H * l.In.W);
        string check = $"throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\")";
        w.Line($"// {l.Name} forward: input ({c},{l.In.H},{l.In.W}) -> output ({c},1,1), the mean of each channel's {hw} values.");
        w.Open(ForwardSignature);
        w.Line($"if (input.Length != {l.InLength} || output.Length != {c}) {check};");
        w.Open($"for (int c = 0; c < {c}; c++)");
        Dispatch(w, hw, "output[c] = " + KernelsType + ".Sum", $"ref {Marshal}.GetReference(input.Slice(c * {hw}, {hw})), {hw}");
        w.Line($"output[c] /= {hw};");
        w.Close();
        w.Close();
        w.Line();
        w.Line($"// {l.Name} backward: dOutput ({c},1,1) -> dInput ({c},{l.In.H},{l.In.W}) = dOutput[c] / {hw} over channel c.");
        w.Open(BackwardSignature);
        w.Line("if (dInput.IsEmpty) return;");
        w.Line($"if (dOutput.Length != {c} || dInput.Length != {l.InLength}) {check};");
        w.Line($"for (int c = 0; c < {c}; c++) dInput.Slice(c * {hw}, {hw}).Fill(dOutput[c] / {hw});");
        w.Close();
    }
}
