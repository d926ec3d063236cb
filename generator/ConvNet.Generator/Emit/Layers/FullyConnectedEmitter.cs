using ConvNet.Generator.Model;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Fully connected: y = W x + b with W [out, in] (PyTorch nn.Linear), x the input flattened in C, H, W order.
/// Every weight is used once per sample, so these kernels stream W: forward as dot products of 4 rows at a time with x
/// (x stays in L1, 4 independent accumulators), backward as one axpy per row into dWeight and a 1-row GEMM for dInput.</summary>
internal static class FullyConnectedEmitter
{
    public static void Forward(SourceWriter w, LayerPlan l)
    {
        int n = l.InLength, m = l.OutLength;
        w.Line($"// {l.Name} forward: input ({l.In.C},{l.In.H},{l.In.W}) = {n} -> output {m}; weight [{m},{n}], bias [{m}].");
        w.Line($"// output = bias, then += dot products of {TileRows} weight rows at a time with the input.");
        w.Open(LayerEmitter.ForwardSignature);
        Dispatch(w, n, "ForwardCore", "p, input, output");
        w.Close();
        w.Line();
        w.Open($"private static void ForwardCore{Generic}(global::System.ReadOnlySpan<float> p, global::System.ReadOnlySpan<float> input, global::System.Span<float> output) {Constraint}");
        w.Line($"if (p.Length < {l.BiasOffset + m} || input.Length != {n} || output.Length != {m}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"p.Slice({l.BiasOffset}, {m}).CopyTo(output);");
        w.Line($"ref float weight = ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.ParamOffset});");
        w.Line($"ref float x = ref {Marshal}.GetReference(input);");
        w.Line($"ref float o = ref {Marshal}.GetReference(output);");
        int main = m - m % TileRows;
        if (main > 0)
            w.Line($"for (int r = 0; r < {main}; r += {TileRows}) Kernels.Dots{TileRows}{Generic}(ref {Unsafe}.Add(ref weight, r * {n}), {n}, ref x, 0, 1, {n}, ref {Unsafe}.Add(ref o, r), 1);");
        if (main < m)
            w.Line($"Kernels.Dots{m - main}{Generic}(ref {Unsafe}.Add(ref weight, {main * n}), {n}, ref x, 0, 1, {n}, ref {Unsafe}.Add(ref o, {main}), 1);");
        w.Close();
    }

    public static void Backward(SourceWriter w, LayerPlan l)
    {
        int n = l.InLength, m = l.OutLength;
        w.Line($"// {l.Name} backward: dOutput {m} -> dInput {n}, dWeight [{m},{n}] +=, dBias [{m}] +=.");
        w.Line("// dWeight row o += dOutput[o] * input; dInput = weightᵀ · dOutput as a one-row GEMM (one pass over the weight).");
        w.Open(LayerEmitter.BackwardSignature);
        Dispatch(w, n, "BackwardCore", "p, input, dOutput, dp, dInput");
        w.Close();
        w.Line();
        w.Open($"private static void BackwardCore{Generic}(global::System.ReadOnlySpan<float> p, global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<float> dOutput, global::System.Span<float> dp, global::System.Span<float> dInput) {Constraint}");
        w.Line("bool needInput = !dInput.IsEmpty;");
        w.Line($"if (p.Length < {l.BiasOffset + m} || dp.Length < {l.BiasOffset + m} || input.Length != {n} || dOutput.Length != {m} || (needInput && dInput.Length != {n})) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"ref float x = ref {Marshal}.GetReference(input);");
        w.Line($"ref float g = ref {Marshal}.GetReference(dOutput);");
        w.Line($"ref float dWeight = ref {Unsafe}.Add(ref {Marshal}.GetReference(dp), {l.ParamOffset});");
        w.Line($"ref float dBias = ref {Unsafe}.Add(ref {Marshal}.GetReference(dp), {l.BiasOffset});");
        w.Open($"for (int o = 0; o < {m}; o++)");
        w.Line($"float go = {Unsafe}.Add(ref g, o);");
        w.Line($"{Unsafe}.Add(ref dBias, o) += go;");
        w.Line($"Kernels.AddScaled{Generic}(ref x, go, ref {Unsafe}.Add(ref dWeight, o * {n}), {n});");
        w.Close();
        w.Line("if (!needInput) return;");
        w.Line($"Kernels.Gemm1{Generic}(ref g, 0, 1, ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.ParamOffset}), {n}, {m}, ref {Marshal}.GetArrayDataReference(Kernels.Zeros), ref {Marshal}.GetReference(dInput), 0, {n});");
        w.Close();
    }
}
