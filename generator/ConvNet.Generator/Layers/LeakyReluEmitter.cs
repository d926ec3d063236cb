using System.Collections.Generic;
using System.Globalization;
using ConvNet.Generator.Emit;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;

namespace ConvNet.Generator.Layers;

/// <summary>Leaky ReLU, y = x &gt; 0 ? x : slope * x, as PyTorch computes it. Its slope is an argument, so it is not an
/// <see cref="ActivationEmitter"/> line, but its kernels are the same scalar loops.
/// <para>Backward reads the input, not the output: with a slope of 0 or below, the output's sign does not tell which
/// side of 0 the input was on. At x = 0 the gradient is slope * dy, PyTorch's convention (its test is x &gt; 0).
/// A NaN input gives NaN (NaN &gt; 0 is false, and slope * NaN is NaN).</para></summary>
internal sealed class LeakyReluEmitter : LayerDescriptor<LeakyReluSpec>
{
    public override LayerKind Kind => LayerKind.LeakyRelu;
    public override string Attribute => "LeakyReluAttribute";
    public override string Prefix => "leakyrelu";
    public override IReadOnlyList<string> Positional => ["slope"];
    public override bool HeadKind => true;
    public override bool KeepsShape => true;
    public override string LayerInfoProperties(LayerPlan l) => $", Slope = {DoubleLiteral(Spec(l).Slope)}";
    public override OnnxSpec Onnx(LayerPlan l) => new("LeakyRelu", OnnxLayout.Any, OnnxAttributeSpec.Float("alpha", Spec(l).Slope));

    protected override LeakyReluSpec Read(IAttributeArguments args) => new(args.Real(0));

    protected override bool CheckArguments(ArgumentChecks check, LeakyReluSpec leaky) =>
        check.Check(!double.IsNaN(leaky.Slope) && !double.IsInfinity(leaky.Slope), "slope",
            $"Slope must be a finite number, got {leaky.Slope.ToString("R", CultureInfo.InvariantCulture)}");

    protected override Shape3? Output(ShapeChecks check, LeakyReluSpec leaky, IReadOnlyList<Shape3> inputs) => inputs[0];
    public override string Describe(LayerPlan l) => $"LeakyReLU {Spec(l).Slope.ToString("0.####", CultureInfo.InvariantCulture)}";

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        string slope = ((float)Spec(l).Slope).ToString("R", CultureInfo.InvariantCulture) + "f";
        w.Line($"// {l.Name} forward: LeakyRelu (slope {slope}) over ({l.In.C},{l.In.H},{l.In.W}) = {l.InLength} values.");
        w.Open(ForwardSignature);
        ActivationEmitter.ScalarLoop(w, l, "x", "input", $"output[i] = x > 0f ? x : {slope} * x;");
        w.Line();
        w.Line($"// {l.Name} backward: dOutput {l.OutLength} -> dInput {l.InLength}, from the saved input.");
        w.Open(BackwardSignature);
        w.Line("if (dInput.IsEmpty) return;");
        ActivationEmitter.ScalarLoop(w, l, "x", "input", $"dInput[i] = x > 0f ? dOutput[i] : {slope} * dOutput[i];");
    }
}

/// <summary>[LeakyRelu(slope)]: the slope for negative inputs.</summary>
internal sealed record LeakyReluSpec(double Slope) : LayerSpec;
