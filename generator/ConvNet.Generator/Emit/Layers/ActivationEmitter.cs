using ConvNet.Generator.Model;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Elementwise activations. Backward uses the saved output y: ReLU y &gt; 0, sigmoid y(1 - y), tanh 1 - y^2.
/// ReLU is written x &lt; 0 ? 0 : x so that NaN propagates instead of turning into 0.</summary>
internal static class ActivationEmitter
{
    public static void Forward(SourceWriter w, LayerPlan l)
    {
        string y = l.Kind switch
        {
            LayerKind.Relu => "x < 0f ? 0f : x",
            LayerKind.Sigmoid => "1f / (1f + global::System.MathF.Exp(-x))",
            _ => "global::System.MathF.Tanh(x)",
        };
        w.Line($"// {l.Name} forward: {l.Kind} over ({l.In.C},{l.In.H},{l.In.W}) = {l.InLength} values.");
        w.Open(LayerEmitter.ForwardSignature);
        w.Open($"for (int i = 0; i < {l.InLength}; i++)");
        w.Line("float x = input[i];");
        w.Line($"output[i] = {y};");
        w.Close().Close();
    }

    public static void Backward(SourceWriter w, LayerPlan l)
    {
        string dx = l.Kind switch
        {
            LayerKind.Relu => "y > 0f ? dOutput[i] : 0f",
            LayerKind.Sigmoid => "dOutput[i] * y * (1f - y)",
            _ => "dOutput[i] * (1f - y * y)",
        };
        w.Line($"// {l.Name} backward: dOutput {l.OutLength} -> dInput {l.InLength}, from the saved output.");
        w.Open(LayerEmitter.BackwardSignature);
        w.Line("if (dInput.IsEmpty) return;");
        w.Open($"for (int i = 0; i < {l.InLength}; i++)");
        w.Line("float y = output[i];");
        w.Line($"dInput[i] = {dx};");
        w.Close().Close();
    }
}
