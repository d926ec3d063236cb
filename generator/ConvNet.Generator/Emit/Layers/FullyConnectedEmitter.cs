using ConvNet.Generator.Model;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Fully connected: y = W x + b with W [out, in] (PyTorch nn.Linear), x the input flattened in C, H, W order.</summary>
internal static class FullyConnectedEmitter
{
    public static void Forward(SourceWriter w, LayerPlan l)
    {
        int n = l.InLength, m = l.OutLength;
        w.Line($"// {l.Name} forward: input ({l.In.C},{l.In.H},{l.In.W}) = {n} -> output {m}; weight [{m},{n}], bias [{m}].");
        w.Open(LayerEmitter.ForwardSignature);
        w.Line($"var weight = p.Slice({l.ParamOffset}, {l.WeightCount});");
        w.Line($"var bias = p.Slice({l.BiasOffset}, {m});");
        w.Open($"for (int o = 0; o < {m}; o++)");
        w.Line($"var row = weight.Slice(o * {n}, {n});");
        w.Line("float sum = bias[o];");
        w.Line($"for (int i = 0; i < {n}; i++) sum += row[i] * input[i];");
        w.Line("output[o] = sum;");
        w.Close().Close();
    }

    public static void Backward(SourceWriter w, LayerPlan l)
    {
        int n = l.InLength, m = l.OutLength;
        w.Line($"// {l.Name} backward: dOutput {m} -> dInput {n}, dWeight [{m},{n}] +=, dBias [{m}] +=.");
        w.Open(LayerEmitter.BackwardSignature);
        w.Line($"var weight = p.Slice({l.ParamOffset}, {l.WeightCount});");
        w.Line($"var dWeight = dp.Slice({l.ParamOffset}, {l.WeightCount});");
        w.Line($"var dBias = dp.Slice({l.BiasOffset}, {m});");
        w.Line("bool needInput = !dInput.IsEmpty;");
        w.Line("if (needInput) dInput.Clear();");
        w.Open($"for (int o = 0; o < {m}; o++)");
        w.Line("float g = dOutput[o];");
        w.Line("dBias[o] += g;");
        w.Line($"var row = weight.Slice(o * {n}, {n});");
        w.Line($"var dRow = dWeight.Slice(o * {n}, {n});");
        w.Line($"for (int i = 0; i < {n}; i++) dRow[i] += g * input[i];");
        w.Line($"if (needInput) for (int i = 0; i < {n}; i++) dInput[i] += g * row[i];");
        w.Close().Close();
    }
}
