using System.Collections.Generic;
using ConvNet.Generator.Model;
using ConvNet.Generator.Shapes;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Elementwise activations. Backward uses the saved output y: ReLU y &gt; 0, sigmoid y(1 - y), tanh 1 - y^2.
/// ReLU is written x &lt; 0 ? 0 : x so that NaN propagates instead of turning into 0.</summary>
internal sealed class ActivationEmitter(LayerKind kind) : LayerDescriptor
{
    public override LayerKind Kind => kind;
    public override string Attribute => kind + "Attribute";
    public override string Prefix => kind.ToString().ToLowerInvariant();
    public override Shape3? Output(ShapeChecks check, LayerDecl layer, IReadOnlyList<Shape3> inputs) => inputs[0];
    public override string Describe(LayerPlan l) => l.Kind == LayerKind.Relu ? "ReLU" : l.Kind.ToString();
    public override bool HeadKind => true;

    public override void Kernels(SourceWriter w, LayerPlan l)
    {
        Forward(w, l);
        w.Line();
        Backward(w, l);
    }

    private static void Forward(SourceWriter w, LayerPlan l)
    {
        string y = l.Kind switch
        {
            LayerKind.Relu => "x < 0f ? 0f : x",
            LayerKind.Sigmoid => "1f / (1f + global::System.MathF.Exp(-x))",
            _ => "global::System.MathF.Tanh(x)",
        };
        w.Line($"// {l.Name} forward: {l.Kind} over ({l.In.C},{l.In.H},{l.In.W}) = {l.InLength} values.");
        w.Open(ForwardSignature);
        if (l.Kind == LayerKind.Relu)
        {
            // Lengths checked once here, then the vector kernel runs unchecked.
            w.Line($"if (input.Length != {l.InLength} || output.Length != {l.InLength}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
            KernelHelpers.Dispatch(w, l.InLength, KernelHelpers.KernelsType + ".Relu", $"ref {KernelHelpers.Marshal}.GetReference(input), ref {KernelHelpers.Marshal}.GetReference(output), {l.InLength}");
            w.Close();
            return;
        }
        // Sigmoid and tanh stay scalar: MathF.Exp/Tanh are exact to the last bit, and these layers are rare in practice.
        w.Open($"for (int i = 0; i < {l.InLength}; i++)");
        w.Line("float x = input[i];");
        w.Line($"output[i] = {y};");
        w.Close().Close();
    }

    private static void Backward(SourceWriter w, LayerPlan l)
    {
        string dx = l.Kind switch
        {
            LayerKind.Relu => "y > 0f ? dOutput[i] : 0f",
            LayerKind.Sigmoid => "dOutput[i] * y * (1f - y)",
            _ => "dOutput[i] * (1f - y * y)",
        };
        w.Line($"// {l.Name} backward: dOutput {l.OutLength} -> dInput {l.InLength}, from the saved output.");
        w.Open(BackwardSignature);
        w.Line("if (dInput.IsEmpty) return;");
        if (l.Kind == LayerKind.Relu)
        {
            w.Line($"if (output.Length != {l.InLength} || dOutput.Length != {l.InLength} || dInput.Length != {l.InLength}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
            KernelHelpers.Dispatch(w, l.InLength, KernelHelpers.KernelsType + ".ReluBackward", $"ref {KernelHelpers.Marshal}.GetReference(output), ref {KernelHelpers.Marshal}.GetReference(dOutput), ref {KernelHelpers.Marshal}.GetReference(dInput), {l.InLength}");
            w.Close();
            return;
        }
        w.Open($"for (int i = 0; i < {l.InLength}; i++)");
        w.Line("float y = output[i];");
        w.Line($"dInput[i] = {dx};");
        w.Close().Close();
    }
}
