using System.Collections.Generic;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Fully connected: y = W x + b with W [out, in] (PyTorch nn.Linear), x the input flattened in C, H, W order.
/// Each weight is used once per sample, so one sample at a time would stream the whole of W from memory per sample. The
/// kernels therefore take many samples at once (rows <c>stride</c> floats apart, as in a batch's workspaces): forward as
/// dot products of 4 samples with 3 weight rows at a time (<c>DotsBatch</c>), backward as GEMMs over the samples, so W
/// and dW are read once per batch. One sample (count 1: the single-sample methods, and a worker with one sample) uses
/// each weight once whatever is done, so it is bound by memory bandwidth: forward as dot products of 4 weight rows with the
/// input, backward as one pass over W and dW together that skips dW's rows whose output gradient is 0
/// (<c>Kernels.OuterBackward</c>).</summary>
internal sealed class FullyConnectedEmitter : LayerDescriptor<FullyConnectedSpec<long>, FullyConnectedSpec<int>>
{
    private const string Span = "global::System.Span<float>";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";

    /// <summary>The batch kernels' names, called by the network's runners for its fully connected head.</summary>
    private const string ForwardBatch = "ForwardBatch", BackwardBatch = "BackwardBatch";

    /// <summary>Weight rows per dot-product call at batch 1 (<c>Kernels.Dots4</c>): one accumulator each, four loads of
    /// weights per load of the input.</summary>
    private const int OuterGroup = 4;

    public override LayerKind Kind => LayerKind.FullyConnected;
    public override string Attribute => "FullyConnectedAttribute";
    public override string Prefix => "fc";
    public override IReadOnlyList<string> Positional => ["outputs"];

    protected override FullyConnectedSpec<long> Read(IAttributeArguments args) => new(args.Int(0));

    protected override bool CheckArguments(ArgumentChecks check, FullyConnectedSpec<long> fc) => check.Positive("outputs", fc.Outputs);

    protected override Shape3? Output(ShapeChecks check, FullyConnectedSpec<long> fc, IReadOnlyList<Shape3> inputs) => new Shape3(fc.Outputs, 1, 1);

    protected override long? Weights(FullyConnectedSpec<long> fc, Shape3 input, Shape3 output) => ShapeInference.Mul(fc.Outputs, input.Length);

    protected override FullyConnectedSpec<int> Checked(FullyConnectedSpec<long> fc) => new((int)fc.Outputs);

    public override long Biases(Shape3 output) => output.C;

    public override long? Flops(Shape3 input, Shape3 output, long weights) => ShapeInference.Mul(2, weights);

    public override string Describe(LayerPlan l) => $"FC {l.Out.C}";

    /// <summary>PyTorch's nn.Linear weight [out, in]; ONNX Gemm reads it transposed.</summary>
    public override IReadOnlyList<TensorSpec> ParameterTensors(LayerPlan l) => TensorSpec.WeightAndBias(l.Out.C, l.In.Length);

    public override OnnxSpec Onnx(LayerPlan l) => new("Gemm", OnnxLayout.Flat, OnnxAttributeSpec.Int("transB", 1));

    public override bool HeadKind => true;
    public override bool Batched => true;
    public override bool Dense => true;

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        Forward(w, l);
        w.Line();
        Backward(w, l);
    }

    /// <summary>In the head: one call over all <c>count</c> samples of the workspace <c>a</c>, rows ActivationLength apart.</summary>
    public override bool BatchForwardCall(SourceWriter w, LayerPlan l)
    {
        w.Line($"{l.Identifier}.{ForwardBatch}(p, a.Slice({l.InOffset}), a.Slice({l.OutOffset}), ActivationLength, count);");
        return true;
    }

    public override bool BatchBackwardCall(SourceWriter w, LayerPlan l, string dInput)
    {
        w.Line($"{l.Identifier}.{BackwardBatch}(p, a.Slice({l.InOffset}), d.Slice({l.OutOffset}), dp, {dInput}, ActivationLength, count);");
        return true;
    }

    private static void Forward(SourceWriter w, LayerPlan l)
    {
        int n = l.InLength, m = l.OutLength;
        w.Line($"// {l.Name} forward: input ({l.In.C},{l.In.H},{l.In.W}) = {n} -> output {m}; weight [{m},{n}], bias [{m}]. One sample: the batch kernel with one row.");
        w.Open(ForwardSignature);
        w.Line($"if (input.Length != {n} || output.Length != {m}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"{ForwardBatch}(p, input, output, 0, 1);");
        w.Close();
        w.Line();
        w.Line($"// {l.Name} forward over count samples, row s of inputs/outputs at s * stride: outputs[s, {m}] = bias + weight[{m},{n}] · inputs[s, {n}].");
        w.Open($"internal static void {ForwardBatch}(global::System.ReadOnlySpan<float> p, {ReadOnlySpan} inputs, {Span} outputs, int stride, int count)");
        CheckBatch(w, l, "inputs", n, "outputs", m);
        Dispatch(w, n, "ForwardCore", "p, inputs, outputs, stride, count");
        w.Close();
        w.Line();
        OpenKernel(w, $"private static void ForwardCore{Generic}({ReadOnlySpan} p, {ReadOnlySpan} inputs, {Span} outputs, int stride, int count) {Constraint}");
        w.Line($"for (int s = 0; s < count; s++) p.Slice({l.BiasOffset}, {m}).CopyTo(outputs.Slice(s * stride, {m}));");
        w.Line($"ref float weight = ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.ParamOffset});");
        w.Open("if (count == 1)");
        w.Line($"// One sample uses each weight once: {OuterGroup} weight rows at a time against the input, {OuterGroup} streams from memory in flight.");
        w.Line($"ref float x = ref {Marshal}.GetReference(inputs);");
        w.Line($"ref float y = ref {Marshal}.GetReference(outputs);");
        if (m >= OuterGroup)
            w.Line($"for (int o = 0; o < {m - m % OuterGroup}; o += {OuterGroup}) {KernelsType}.Dots{OuterGroup}{Generic}(ref {Unsafe}.Add(ref weight, o * {n}), {n}, ref x, 0, 1, {n}, ref {Unsafe}.Add(ref y, o), 1);");
        if (m % OuterGroup != 0)
            w.Line($"{KernelsType}.Dots{m % OuterGroup}{Generic}(ref {Unsafe}.Add(ref weight, {(m - m % OuterGroup) * n}), {n}, ref x, 0, 1, {n}, ref {Unsafe}.Add(ref y, {m - m % OuterGroup}), 1);");
        w.Line("return;");
        w.Close();
        w.Line($"{KernelsType}.DotsBatch{Generic}(ref {Marshal}.GetReference(inputs), stride, count, ref weight, {n}, {m}, {n}, ref {Marshal}.GetReference(outputs), stride);");
        w.Close();
    }

    private static void Backward(SourceWriter w, LayerPlan l)
    {
        int n = l.InLength, m = l.OutLength;
        w.Line($"// {l.Name} backward: dOutput {m} -> dInput {n}, dWeight [{m},{n}] +=, dBias [{m}] +=. One sample: the batch kernel with one row.");
        w.Open(BackwardSignature);
        w.Line($"if (input.Length != {n} || dOutput.Length != {m} || (!dInput.IsEmpty && dInput.Length != {n})) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"{BackwardBatch}(p, input, dOutput, dp, dInput, 0, 1);");
        w.Close();
        w.Line();
        w.Line($"// {l.Name} backward over count samples (rows s * stride apart): dBias[{m}] += sum of dOutputs[s], dWeight[{m},{n}] += dOutputsᵀ · inputs");
        w.Line($"// (a GEMM over the samples, accumulating), and unless dInputs is empty, dInputs[s, {n}] = dOutputs[s, {m}] · weight[{m},{n}].");
        w.Open($"internal static void {BackwardBatch}({ReadOnlySpan} p, {ReadOnlySpan} inputs, {ReadOnlySpan} dOutputs, {Span} dp, {Span} dInputs, int stride, int count)");
        w.Line($"if (dp.Length < {l.BiasOffset + m}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        CheckBatch(w, l, "inputs", n, "dOutputs", m);
        w.Line($"if (!dInputs.IsEmpty && (long)(count - 1) * stride + {n} > dInputs.Length) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        Dispatch(w, n, "BackwardCore", "p, inputs, dOutputs, dp, dInputs, stride, count");
        w.Close();
        w.Line();
        OpenKernel(w, $"private static void BackwardCore{Generic}({ReadOnlySpan} p, {ReadOnlySpan} inputs, {ReadOnlySpan} dOutputs, {Span} dp, {Span} dInputs, int stride, int count) {Constraint}");
        w.Line($"ref float g = ref {Marshal}.GetReference(dOutputs);");
        w.Line($"ref float dBias = ref {Unsafe}.Add(ref {Marshal}.GetReference(dp), {l.BiasOffset});");
        w.Line($"for (int s = 0; s < count; s++) {KernelsType}.Add{Generic}(ref {Unsafe}.Add(ref g, s * stride), ref dBias, {m});");
        w.Open("if (count == 1)");
        w.Line("// One sample: W and dW each streamed once, together, and dW's rows for zero gradients not at all (see OuterBackward).");
        w.Line($"if (!dInputs.IsEmpty) dInputs.Slice(0, {n}).Clear();");
        w.Line($"{KernelsType}.OuterBackward{Generic}(ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.ParamOffset}), ref {Unsafe}.Add(ref {Marshal}.GetReference(dp), {l.ParamOffset}), ref {Marshal}.GetReference(inputs), ref g, ref {Marshal}.GetReference(dInputs), {m}, {n}, !dInputs.IsEmpty);");
        w.Line("return;");
        w.Close();
        w.Line($"ref float zeros = ref {Marshal}.GetArrayDataReference({KernelsType}.Zeros);");
        w.Line("// dWeight row r, column j += sum over samples s of g[s, r] * inputs[s, j]: A = gᵀ (row step 1, k step stride), B = inputs.");
        w.Line($"{KernelsType}.Gemm{Generic}(ref g, 1, stride, ref {Marshal}.GetReference(inputs), stride, count, ref zeros, 0, ref {Unsafe}.Add(ref {Marshal}.GetReference(dp), {l.ParamOffset}), {n}, {m}, {n}, true);");
        w.Line("if (dInputs.IsEmpty) return;");
        w.Line($"{KernelsType}.Gemm{Generic}(ref g, stride, 1, ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.ParamOffset}), {n}, {m}, ref zeros, 0, ref {Marshal}.GetReference(dInputs), stride, count, {n}, false);");
        w.Close();
    }

    /// <summary>Bounds of the batch kernels: count rows, stride apart, of each span; after this every ref stays inside.</summary>
    private static void CheckBatch(SourceWriter w, LayerPlan l, string a, int aLength, string b, int bLength)
    {
        w.Line("if (count == 0) return;");
        w.Line($"if (p.Length < {l.BiasOffset + l.OutLength} || count < 0 || stride < 0 || (long)(count - 1) * stride + {aLength} > {a}.Length || (long)(count - 1) * stride + {bLength} > {b}.Length)");
        w.Line($"    throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
    }
}

/// <summary>[FullyConnected(outputs)]: <typeparamref name="T"/> is long as written, int in the plan.</summary>
internal sealed record FullyConnectedSpec<T>(T Outputs) : LayerSpec where T : struct;
