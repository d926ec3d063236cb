using System.Collections.Generic;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Convolution, forward and backward, as GEMMs over an im2col matrix. Weight [F, C, K, K] then bias [F]; CHW activations.
/// <para>col[(c*K + ky)*K + kx][oy*OW + ox] = input[c, oy*S + ky - P, ox*S + kx - P] (zero in the padding), so with
/// CKK = C*K*K and HW = OH*OW: output[F, HW] = weight[F, CKK] · col[CKK, HW] + bias, dWeight += dOutput · colᵀ,
/// and dCol = weightᵀ · dOutput scattered back (col2im) into dInput.</para>
/// <para>Why im2col rather than a direct convolution: the public weight layout is already the GEMM's A matrix (row f is
/// contiguous over CKK), so no packing is needed and stale packed weights cannot happen; output rows of HW pixels are
/// contiguous, so vectors run over pixels across output-row boundaries and small widths (8, 10, 14) still fill whole
/// vectors; and padding is resolved once while building col, so the GEMM has no borders at all. The copy costs CKK*HW
/// floats against F times as many multiply-adds.</para></summary>
internal sealed class ConvEmitter : LayerDescriptor<ConvSpec<long>, ConvSpec<int>>
{
    public override LayerKind Kind => LayerKind.Conv;
    public override string Attribute => "ConvAttribute";
    public override string Prefix => "conv";
    public override IReadOnlyList<string> Positional => ["filters", "size"];

    protected override ConvSpec<long> Read(IAttributeArguments args) =>
        new(args.Int(0), args.Int(1), args.NamedInt("Stride") ?? 1, args.NamedInt("Pad") ?? 0);

    protected override bool CheckArguments(ArgumentChecks check, ConvSpec<long> conv) =>
        check.Positive("filters", conv.Filters) & check.Positive("size", conv.Size) & check.Positive("stride", conv.Stride) & check.NonNegative("pad", conv.Pad);

    protected override Shape3? Output(ShapeChecks check, ConvSpec<long> conv, IReadOnlyList<Shape3> inputs) =>
        ShapeInference.WindowOutput(check, new Window(conv.Filters, conv.Size, conv.Stride, conv.Pad, Padded: true), inputs[0]);

    protected override long? Weights(ConvSpec<long> conv, Shape3 input, Shape3 output) =>
        ShapeInference.Mul(ShapeInference.Mul(conv.Filters, input.C), ShapeInference.Mul(conv.Size, conv.Size));

    protected override ConvSpec<int> Checked(ConvSpec<long> conv) => new((int)conv.Filters, (int)conv.Size, (int)conv.Stride, (int)conv.Pad);

    public override (int Size, int Stride, int Pad) LayerInfoWindow(LayerPlan l) => (Spec(l).Size, Spec(l).Stride, Spec(l).Pad);

    public override long Biases(Shape3 output) => output.C;

    public override long? Flops(Shape3 input, Shape3 output, long weights) =>
        ShapeInference.Mul(ShapeInference.Mul(2, weights), ShapeInference.Mul(output.H, output.W));

    public override string Describe(LayerPlan l) => $"Conv {l.Out.C}@{Spec(l).Size}x{Spec(l).Size} s{Spec(l).Stride} p{Spec(l).Pad}";

    public override IReadOnlyList<TensorSpec> ParameterTensors(LayerPlan l) => TensorSpec.WeightAndBias(l.Out.C, l.In.C, Spec(l).Size, Spec(l).Size);

    public override OnnxSpec Onnx(LayerPlan l)
    {
        var (size, stride, pad) = (Spec(l).Size, Spec(l).Stride, Spec(l).Pad);
        return new("Conv", OnnxLayout.Volume,
            OnnxAttributeSpec.Ints("pads", pad, pad, pad, pad), OnnxAttributeSpec.Ints("kernel_shape", size, size), OnnxAttributeSpec.Ints("strides", stride, stride));
    }

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        Forward(w, l, k);
        w.Line();
        Backward(w, l, k);
    }

    /// <summary>Winograd where <see cref="ConvWinograd.Applies"/> (its input gradient where
    /// <see cref="ConvWinograd.AppliesBackward"/>), else a taps forward where <see cref="Taps"/>, else im2col; dWeight
    /// as <see cref="WeightGradientAsGemm"/> says. Scratch: the col matrix (reused for dCol in backward), plus a fresh
    /// dWeight product where it is added in, or more for the taps forward's padded input and wide output or the
    /// Winograd passes. Prepared: a Winograd layer's transformed filters, then a copy of the weights they came from.</summary>
    public override KernelPlan Choose(LayerPlan l)
    {
        bool winograd = ConvWinograd.Applies(l), winogradBackward = ConvWinograd.AppliesBackward(l);
        var forward = winograd ? Algorithm.Winograd : Taps(l) ? Algorithm.GemmTaps : Algorithm.Im2Col;
        var weightGradient = !WeightGradientAsGemm(l) ? WeightGradient.Dots : AccumulatesInPlace(l) ? WeightGradient.Gemm : WeightGradient.GemmThenAdd;
        int scratch = System.Math.Max(
            System.Math.Max(
                Ckk(l) * Hw(l) + (weightGradient == WeightGradient.GemmThenAdd ? (int)l.Out.C * Ckk(l) : 0),
                forward == Algorithm.GemmTaps ? PaddedLength(l) + (int)l.Out.C * WideLength(l) : 0),
            winograd ? ConvWinograd.Scratch(l, winogradBackward) : 0);
        int prepared = winograd ? ConvWinograd.TransformedLength(l) + (int)l.ParamCount - (int)l.Out.C : 0;
        return new KernelPlan(forward, winogradBackward ? Algorithm.Winograd : Algorithm.Im2Col, weightGradient, scratch, prepared);
    }

    /// <summary>Transforms the filters again only when the weights differ, bit for bit, from those of the last transform:
    /// inference calls then skip it (64x8x8 -> 128: 58 us of transform against a 47 us layer), while an optimizer step
    /// or a load is seen at the next call. The zeroed start is consistent: zero weights transform to zeros.</summary>
    public override void PrepareCall(SourceWriter w, LayerPlan l, int offset)
    {
        int transformed = ConvWinograd.TransformedLength(l), weights = (int)l.ParamCount - (int)l.Out.C;
        string current = $"p.Slice({l.ParamOffset}, {weights})", seen = $"prepared.Slice({offset + transformed}, {weights})";
        w.Open($"if (!global::System.MemoryExtensions.SequenceEqual({Marshal}.Cast<float, int>({current}), {Marshal}.Cast<float, int>(({ReadOnlySpanType}){seen})))");
        w.Line($"{current}.CopyTo({seen});");
        w.Line($"{l.Identifier}.TransformWeights(p, prepared.Slice({offset}, {transformed}));");
        w.Close();
    }

    public override void ForwardCall(SourceWriter w, LayerPlan l, LayerCall c)
    {
        if (c.Kernels.Forward != Algorithm.Winograd) { base.ForwardCall(w, l, c); return; }
        w.Line($"{l.Identifier}.Forward(p, {Prepared(l, c)}, {c.Inputs[0]}, {c.Output}, scratch);");
    }

    public override void BackwardCall(SourceWriter w, LayerPlan l, LayerCall c)
    {
        if (c.Kernels.InputGradient != Algorithm.Winograd) { base.BackwardCall(w, l, c); return; }
        w.Line($"{l.Identifier}.Backward(p, {Prepared(l, c)}, {c.Inputs[0]}, {c.Output}, {c.DOutput}, dp, {c.DInputs[0]}, scratch);");
    }

    private static string Prepared(LayerPlan l, LayerCall c) =>
        $"new {ReadOnlySpanType}(_prepared, {c.PreparedOffset}, {ConvWinograd.TransformedLength(l)})";

    /// <summary>A stride-1 layer whose padded rows are not much wider than its output rows (an image's first layer,
    /// 3x32x32 with pad 1) skips im2col in forward. Its col rows would be shifted copies of the padded input, so the
    /// GEMM reads that directly (<c>Kernels.GemmTaps</c>): output pixels are computed on rows as wide as the padded input
    /// (WP = W + 2P instead of OW), where the window (c, ky, kx) is the constant offset c*HP*WP + ky*WP + kx, and the
    /// extra K - 1 columns per row are dropped afterwards; the sum runs in the im2col GEMM's order, so the bits are the
    /// same. Worth it while the wasted columns are few (a quarter at most): im2col writes and reads back CKK floats per
    /// pixel, and the padded input is CKK times smaller (3x32x32 -> 32: 20.2 -> 14.9 us). Winograd layers, chosen first, do neither.</summary>
    private static bool Taps(LayerPlan l) =>
        Spec(l).Stride == 1 && Spec(l).Size > 1 && 4 * (PaddedWidth(l) - l.Out.W) <= l.Out.W;

    private static int PaddedWidth(LayerPlan l) => (int)l.In.W + 2 * Spec(l).Pad;
    private static int PaddedHeight(LayerPlan l) => (int)l.In.H + 2 * Spec(l).Pad;
    private static int PaddedPlane(LayerPlan l) => PaddedHeight(l) * PaddedWidth(l);
    // The last window's last pixel reads K - 1 floats past the padded input.
    private static int PaddedLength(LayerPlan l) => (int)l.In.C * PaddedPlane(l) + Spec(l).Size - 1;
    private static int WideLength(LayerPlan l) => (int)l.Out.H * PaddedWidth(l);

    /// <summary>Whether the dWeight GEMM adds straight into dWeight. An accumulating GEMM cannot overlap its last vector, so
    /// columns past the last whole vector go through narrower widths; past the last whole Vector128 they would be scalar
    /// (CKK 150: 2 columns x F rows x HW pixels of scalar FMAs), and a fresh product added in afterwards is cheaper.</summary>
    private static bool AccumulatesInPlace(LayerPlan l) => Ckk(l) % 4 == 0;

    /// <summary>dWeight as a GEMM over a transposed col (vectors over CKK, one FMA chain per output over all pixels)
    /// instead of dot products over pixels, which end in a horizontal sum per weight: for small images (HW of 64 or
    /// 100) those sums cost more than the multiply-adds. Needs CKK of at least one Vector512, the GEMM's vector dimension.
    /// Where HW is much longer than CKK (a first layer: CKK 25 against HW 784) the dot products stay: their sums are
    /// few, and a narrow GEMM would waste most of its overlapping last vector.</summary>
    private static bool WeightGradientAsGemm(LayerPlan l) => Ckk(l) >= 16 && Hw(l) <= 2 * Ckk(l);
    private static int Ckk(LayerPlan l) => (int)l.In.C * Spec(l).Size * Spec(l).Size;
    private static int Hw(LayerPlan l) => (int)(l.Out.H * l.Out.W);

    private static void Forward(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        if (k.Forward == Algorithm.GemmTaps) { TapsForward(w, l); return; }
        if (k.Forward == Algorithm.Winograd) { ConvWinograd.ForwardKernels(w, l); return; }
        long f = l.Out.C;
        int ckk = Ckk(l), hw = Hw(l);
        w.Line($"// {l.Name} forward: input ({l.In.C},{l.In.H},{l.In.W}) -> output ({f},{l.Out.H},{l.Out.W}); weight [{f},{l.In.C},{Spec(l).Size},{Spec(l).Size}], bias [{f}]; stride {Spec(l).Stride}, pad {Spec(l).Pad}.");
        w.Line($"// output[{f}, {hw}] = weight[{f}, {ckk}] · col[{ckk}, {hw}] + bias, in {TileRows}-filter x {TileVectors}-vector register tiles over pixels.");
        OpenForwardCore(w, hw);
        w.Line("// The only bounds checks: every ref below stays inside these lengths.");
        w.Line($"if (p.Length < {l.BiasOffset + f} || input.Length != {l.InLength} || output.Length != {l.OutLength} || scratch.Length < {ckk * hw}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"ref float col = ref {Marshal}.GetReference(scratch);");
        w.Line($"Im2Col{Generic}(ref {Marshal}.GetReference(input), ref col);");
        w.Line($"ref float weight = ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.ParamOffset});");
        w.Line($"ref float bias = ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.BiasOffset});");
        w.Line($"ref float o = ref {Marshal}.GetReference(output);");
        w.Line($"{KernelsType}.Gemm{Generic}(ref weight, {ckk}, 1, ref col, {hw}, {ckk}, ref bias, 1, ref o, {hw}, {f}, {hw}, false);");
        w.Close();
    }

    /// <summary>Forward, which picks the vector width, then the opening of the ForwardCore it calls (both forward variants).</summary>
    private static void OpenForwardCore(SourceWriter w, int hw)
    {
        w.Open(ForwardSignature);
        Dispatch(w, hw, "ForwardCore", "p, input, output, scratch");
        w.Close();
        w.Line();
        OpenKernel(w, $"private static void ForwardCore{Generic}(global::System.ReadOnlySpan<float> p, global::System.ReadOnlySpan<float> input, global::System.Span<float> output, global::System.Span<float> scratch) {Constraint}");
    }

    /// <summary>See <see cref="Taps"/>.</summary>
    private static void TapsForward(SourceWriter w, LayerPlan l)
    {
        long f = l.Out.C, oh = l.Out.H, ow = l.Out.W, c = l.In.C;
        int k = Spec(l).Size, pad = Spec(l).Pad, wp = PaddedWidth(l), hp = PaddedHeight(l), wide = WideLength(l), padded = PaddedLength(l), hw = Hw(l), ckk = Ckk(l);
        w.Line($"// Offsets of the windows (c, ky, kx) in the padded input, c*{hp * wp} + ky*{wp} + kx: the rows of GemmTaps' B.");
        w.Line($"private static readonly nint[] s_taps = WindowOffsets();");
        w.Line();
        w.Open("private static nint[] WindowOffsets()");
        w.Line($"var taps = new nint[{ckk}];");
        w.Line($"for (int c = 0; c < {c}; c++) for (int ky = 0; ky < {k}; ky++) for (int kx = 0; kx < {k}; kx++) taps[(c * {k} + ky) * {k} + kx] = c * {hp * wp} + ky * {wp} + kx;");
        w.Line("return taps;");
        w.Close();
        w.Line();
        w.Line($"// {l.Name} forward: input ({c},{l.In.H},{l.In.W}) -> output ({f},{oh},{ow}); weight [{f},{c},{k},{k}], bias [{f}]; stride 1, pad {pad}.");
        w.Line($"// x = the input zero-padded to ({c},{hp},{wp}); wide[{f}, {oh}*{wp}] = bias + weight[{f}, {ckk}] · B, B[(c*{k} + ky)*{k} + kx, j] = x[taps + j]");
        w.Line($"// (no im2col); output rows are the first {ow} of each {wp}-wide row.");
        OpenForwardCore(w, hw);
        w.Line($"if (p.Length < {l.BiasOffset + f} || input.Length != {l.InLength} || output.Length != {l.OutLength} || scratch.Length < {padded + f * wide}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"ref float x = ref {Marshal}.GetReference(scratch);");
        w.Line($"ref float wideOut = ref {Unsafe}.Add(ref x, {padded});");
        w.Line($"{KernelsType}.Zero(ref x, {padded});");
        w.Line($"ref float src = ref {Marshal}.GetReference(input);");
        w.Line($"for (int c = 0; c < {c}; c++) for (int y = 0; y < {l.In.H}; y++) {KernelsType}.Copy{Generic}(ref {Unsafe}.Add(ref src, (c * {l.In.H} + y) * {l.In.W}), ref {Unsafe}.Add(ref x, c * {hp * wp} + (y + {pad}) * {wp} + {pad}), {l.In.W});");
        w.Line($"ref float weight = ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.ParamOffset});");
        w.Line($"ref float bias = ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.BiasOffset});");
        w.Line($"{KernelsType}.GemmTaps{Generic}(ref weight, {ckk}, 1, ref x, ref {Marshal}.GetArrayDataReference(s_taps), {ckk}, ref bias, 1, ref wideOut, {wide}, {f}, {wide});");
        w.Line($"ref float o = ref {Marshal}.GetReference(output);");
        w.Line($"for (int r = 0; r < {f * oh}; r++) {KernelsType}.Copy{Generic}(ref {Unsafe}.Add(ref wideOut, r * {wp}), ref {Unsafe}.Add(ref o, r * {ow}), {ow});");
        w.Close();
    }

    private static void Backward(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        long f = l.Out.C;
        int ckk = Ckk(l), hw = Hw(l);
        w.Line($"// {l.Name} backward: dOutput ({f},{l.Out.H},{l.Out.W}) -> dInput ({l.In.C},{l.In.H},{l.In.W}), dWeight [{f},{l.In.C},{Spec(l).Size},{Spec(l).Size}] +=, dBias [{f}] +=.");
        w.Line($"// dWeight[{f}, {ckk}] += dOutput[{f}, {hw}] · colᵀ (dot products over pixels); dCol[{ckk}, {hw}] = weightᵀ · dOutput, then col2im adds it into dInput.");
        bool winograd = k.InputGradient == Algorithm.Winograd;
        if (winograd)
        {
            w.Open($"internal static void Backward({ReadOnlySpanType} p, {ReadOnlySpanType} u, {ReadOnlySpanType} input, {ReadOnlySpanType} output, {ReadOnlySpanType} dOutput, {SpanType} dp, {SpanType} dInput, {SpanType} scratch)");
            Dispatch(w, hw, "BackwardCore", "p, u, input, dOutput, dp, dInput, scratch");
        }
        else
        {
            w.Open(BackwardSignature);
            Dispatch(w, hw, "BackwardCore", "p, input, dOutput, dp, dInput, scratch");
        }
        w.Close();
        w.Line();
        OpenKernel(w, $"private static void BackwardCore{Generic}({ReadOnlySpanType} p, {(winograd ? $"{ReadOnlySpanType} u, " : "")}{ReadOnlySpanType} input, {ReadOnlySpanType} dOutput, {SpanType} dp, {SpanType} dInput, {SpanType} scratch) {Constraint}");
        w.Line("bool needInput = !dInput.IsEmpty;");
        string uCheck = winograd ? $" || u.Length != {ConvWinograd.TransformedLength(l)}" : "";
        w.Line($"if (p.Length < {l.BiasOffset + f} || dp.Length < {l.BiasOffset + f}{uCheck} || input.Length != {l.InLength} || dOutput.Length != {l.OutLength} || (needInput && dInput.Length != {l.InLength}) || scratch.Length < {k.Scratch}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"ref float col = ref {Marshal}.GetReference(scratch);");
        w.Line($"ref float dOut = ref {Marshal}.GetReference(dOutput);");
        w.Line($"ref float dWeight = ref {Unsafe}.Add(ref {Marshal}.GetReference(dp), {l.ParamOffset});");
        w.Line($"ref float dBias = ref {Unsafe}.Add(ref {Marshal}.GetReference(dp), {l.BiasOffset});");
        w.Line($"for (int f = 0; f < {f}; f++) {Unsafe}.Add(ref dBias, f) += {KernelsType}.Sum{Generic}(ref {Unsafe}.Add(ref dOut, f * {hw}), {hw});");
        if (k.WeightGradient != WeightGradient.Dots)
        {
            w.Line($"Im2ColT{Generic}(ref {Marshal}.GetReference(input), ref col);");
            string zeros = $"ref {Marshal}.GetArrayDataReference({KernelsType}.Zeros), 0";
            if (k.WeightGradient == WeightGradient.Gemm)
            {
                w.Line($"// dWeight[{f}, {ckk}] += dOutput[{f}, {hw}] · colT[{hw}, {ckk}], accumulated in place.");
                w.Line($"{KernelsType}.Gemm{Generic}(ref dOut, {hw}, 1, ref col, {ckk}, {hw}, {zeros}, ref dWeight, {ckk}, {f}, {ckk}, true);");
            }
            else
            {
                w.Line($"// dWeight[{f}, {ckk}] += dOutput[{f}, {hw}] · colT[{hw}, {ckk}]: the GEMM writes a fresh product after colT in scratch, then it is added in.");
                w.Line($"ref float product = ref {Unsafe}.Add(ref col, {ckk * hw});");
                w.Line($"{KernelsType}.Gemm{Generic}(ref dOut, {hw}, 1, ref col, {ckk}, {hw}, {zeros}, ref product, {ckk}, {f}, {ckk}, false);");
                w.Line($"{KernelsType}.Add{Generic}(ref product, ref dWeight, {f * ckk});");
            }
        }
        else
        {
            w.Line($"Im2Col{Generic}(ref {Marshal}.GetReference(input), ref col);");
            RowBlocks(w, (int)f, (mr, r) =>
                $"{KernelsType}.Dots{mr}{Generic}(ref {Unsafe}.Add(ref dOut, {r} * {hw}), {hw}, ref col, {hw}, {ckk}, {hw}, ref {Unsafe}.Add(ref dWeight, {r} * {ckk}), {ckk});");
        }
        w.Line("if (!needInput) return;");
        if (winograd)
        {
            w.Line("// col is no longer needed: the Winograd pass takes its place.");
            ConvWinograd.BackwardInputGradient(w, l);
            w.Close();
            w.Line();
            // The forward is Winograd too, so the backward's dWeight pass is the only user of its im2col.
            if (k.WeightGradient != WeightGradient.Dots) Im2ColT(w, l);
            else Im2Col(w, l);
            w.Line();
            ConvWinograd.BackwardKernels(w, l);
            return;
        }
        w.Line("// col is no longer needed: dCol takes its place. Row r of dCol reads column r of the weight (stride CKK), one filter per step.");
        w.Line($"ref float weight = ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.ParamOffset});");
        w.Line($"ref float zeros = ref {Marshal}.GetArrayDataReference({KernelsType}.Zeros);");
        w.Line($"{KernelsType}.Gemm{Generic}(ref weight, 1, {ckk}, ref dOut, {hw}, {f}, ref zeros, 0, ref col, {hw}, {ckk}, {hw}, false);");
        w.Line($"ref float dIn = ref {Marshal}.GetReference(dInput);");
        w.Line($"{KernelsType}.Zero(ref dIn, {l.InLength});");
        w.Line($"Col2Im{Generic}(ref col, ref dIn);");
        w.Close();
        w.Line();
        // Im2Col serves the direct forward and the dot-product dWeight; a taps forward with a GEMM dWeight uses neither.
        if (k.WeightGradient == WeightGradient.Dots || k.Forward == Algorithm.Im2Col) { Im2Col(w, l); w.Line(); }
        if (k.WeightGradient != WeightGradient.Dots) { Im2ColT(w, l); w.Line(); }
        Col2Im(w, l);
    }

    private static void Im2ColT(SourceWriter w, LayerPlan l)
    {
        int k = Spec(l).Size, s = Spec(l).Stride, pad = Spec(l).Pad, ckk = Ckk(l);
        long h = l.In.H, wi = l.In.W, oh = l.Out.H, ow = l.Out.W;
        // Output columns [lo, hi) have their whole window inside the input row: ox*S - P >= 0 and ox*S - P + K <= W.
        long lo = System.Math.Min(ow, (pad + s - 1) / s);
        long hi = System.Math.Max(lo, wi - k + pad < 0 ? 0 : System.Math.Min(ow, (wi - k + pad) / s + 1));
        w.Line($"// colT[oy*{ow} + ox][(c*{k} + ky)*{k} + kx] = input[c, oy*{s} + ky - {pad}, ox*{s} + kx - {pad}], zero in the padding: Im2Col transposed.");
        w.Line($"// Each colT row (an output pixel's window) is {l.In.C}*{k} runs of {k} contiguous input floats: one run per (c, ky) and pixel is");
        w.Line("// a short copy (vectors from K = 4), not K scalar stores with stride CKK. Pixels innermost: constant strides S and CKK.");
        OpenKernel(w, $"private static void Im2ColT{Generic}(ref float input, ref float colT) {Constraint}");
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        w.Open($"for (int c = 0; c < {l.In.C}; c++)");
        w.Open($"for (int ky = 0; ky < {k}; ky++)");
        w.Line($"ref float dst = ref {Unsafe}.Add(ref colT, oy * {ow * ckk} + (c * {k} + ky) * {k});");
        w.Line($"int iy = oy * {s} + ky - {pad};");
        if (pad > 0) w.Line($"if ((uint)iy >= {h}u) {{ for (int ox = 0; ox < {ow}; ox++) for (int kx = 0; kx < {k}; kx++) {Unsafe}.Add(ref dst, ox * {ckk} + kx) = 0f; continue; }}");
        w.Line($"ref float src = ref {Unsafe}.Add(ref input, (c * {h} + iy) * {wi});");
        if (lo < hi)
            w.Line($"for (int ox = {lo}; ox < {hi}; ox++) {KernelsType}.Copy{Generic}(ref {Unsafe}.Add(ref src, ox * {s} - {pad}), ref {Unsafe}.Add(ref dst, ox * {ckk}), {k});");
        string border = $"for (int kx = 0; kx < {k}; kx++) {Unsafe}.Add(ref dst, ox * {ckk} + kx) = (uint)(ox * {s} - {pad} + kx) < {wi}u ? {Unsafe}.Add(ref src, ox * {s} - {pad} + kx) : 0f;";
        if (lo > 0) w.Line($"for (int ox = 0; ox < {lo}; ox++) {border}");
        if (hi < ow) w.Line($"for (int ox = {hi}; ox < {ow}; ox++) {border}");
        w.Close().Close().Close().Close();
    }

    /// <summary>A loop over blocks of <see cref="KernelHelpers.TileRows"/> rows, then one call for the remaining rows.</summary>
    private static void RowBlocks(SourceWriter w, int rows, System.Func<int, string, string> call)
    {
        int main = rows - rows % TileRows;
        if (main > 0) w.Line($"for (int r = 0; r < {main}; r += {TileRows}) {call(TileRows, "r")}");
        if (main < rows) w.Line(call(rows - main, main.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>The column range [lo, hi) of output pixels whose input column ox*S + kx - P lies inside the input.</summary>
    private static void ColumnRange(SourceWriter w, LayerPlan l)
    {
        int s = Spec(l).Stride, pad = Spec(l).Pad;
        long wi = l.In.W, ow = l.Out.W;
        if (pad == 0)
        {
            w.Line($"const int lo = 0, hi = {ow};");
            return;
        }
        // lo = ceil((P - kx) / S) clipped at 0; hi = floor((W - 1 + P - kx) / S) + 1 clipped at OW.
        w.Line($"int lo = kx >= {pad} ? 0 : ({pad} - kx + {s - 1}) / {s};");
        // C# division truncates toward zero, so a negative numerator (the window's last column starts past the input) is cut off first.
        w.Line($"int hi = kx > {wi - 1 + pad} ? 0 : ({wi - 1 + pad} - kx) / {s} + 1;");
        w.Line($"if (hi > {ow}) hi = {ow};");
    }

    private static void Im2Col(SourceWriter w, LayerPlan l)
    {
        int k = Spec(l).Size, s = Spec(l).Stride, pad = Spec(l).Pad;
        long c = l.In.C, h = l.In.H, wi = l.In.W, oh = l.Out.H, ow = l.Out.W;
        int hw = Hw(l);
        w.Line($"// col[(c*{k} + ky)*{k} + kx][oy*{ow} + ox] = input[c, oy*{s} + ky - {pad}, ox*{s} + kx - {pad}], zero in the padding.");
        w.Line("// Each col row segment is one output row: a clipped copy of an input row, zeros at the padded ends.");
        OpenKernel(w, $"private static void Im2Col{Generic}(ref float input, ref float col) {Constraint}");
        w.Open($"for (int c = 0; c < {c}; c++)");
        w.Open($"for (int ky = 0; ky < {k}; ky++)");
        w.Open($"for (int kx = 0; kx < {k}; kx++)");
        ColumnRange(w, l);
        w.Line($"ref float row = ref {Unsafe}.Add(ref col, ((c * {k} + ky) * {k} + kx) * {hw});");
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        w.Line($"ref float dst = ref {Unsafe}.Add(ref row, oy * {ow});");
        w.Line($"int iy = oy * {s} + ky - {pad};");
        if (pad > 0) w.Line($"if ((uint)iy >= {h}u || hi <= lo) {{ {KernelsType}.Zero(ref dst, {ow}); continue; }}");
        w.Line($"ref float src = ref {Unsafe}.Add(ref input, (c * {h} + iy) * {wi} + lo * {s} + kx - {pad});");
        if (s == 1) w.Line($"{KernelsType}.Copy{Generic}(ref src, ref {Unsafe}.Add(ref dst, lo), hi - lo);");
        else w.Line($"for (int ox = lo; ox < hi; ox++) {Unsafe}.Add(ref dst, ox) = {Unsafe}.Add(ref src, (ox - lo) * {s});");
        if (pad > 0)
        {
            // At most P values each, mostly none: inline stores rather than a call per row.
            w.Line($"for (int ox = 0; ox < lo; ox++) {Unsafe}.Add(ref dst, ox) = 0f;");
            w.Line($"for (int ox = hi; ox < {ow}; ox++) {Unsafe}.Add(ref dst, ox) = 0f;");
        }
        w.Close().Close().Close().Close().Close();
    }

    private static void Col2Im(SourceWriter w, LayerPlan l)
    {
        int k = Spec(l).Size, s = Spec(l).Stride, pad = Spec(l).Pad;
        long c = l.In.C, h = l.In.H, wi = l.In.W, oh = l.Out.H, ow = l.Out.W;
        int hw = Hw(l);
        w.Line($"// dInput[c, oy*{s} + ky - {pad}, ox*{s} + kx - {pad}] += dCol[(c*{k} + ky)*{k} + kx][oy*{ow} + ox], skipping the padding; the inverse of Im2Col.");
        OpenKernel(w, $"private static void Col2Im{Generic}(ref float dCol, ref float dInput) {Constraint}");
        w.Open($"for (int c = 0; c < {c}; c++)");
        w.Open($"for (int ky = 0; ky < {k}; ky++)");
        w.Open($"for (int kx = 0; kx < {k}; kx++)");
        ColumnRange(w, l);
        if (pad > 0) w.Line("if (hi <= lo) continue;");
        w.Line($"ref float row = ref {Unsafe}.Add(ref dCol, ((c * {k} + ky) * {k} + kx) * {hw});");
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        w.Line($"int iy = oy * {s} + ky - {pad};");
        if (pad > 0) w.Line($"if ((uint)iy >= {h}u) continue;");
        w.Line($"ref float src = ref {Unsafe}.Add(ref row, oy * {ow} + lo);");
        w.Line($"ref float dst = ref {Unsafe}.Add(ref dInput, (c * {h} + iy) * {wi} + lo * {s} + kx - {pad});");
        if (s == 1) w.Line($"{KernelsType}.Add{Generic}(ref src, ref dst, hi - lo);");
        else w.Line($"for (int ox = 0; ox < hi - lo; ox++) {Unsafe}.Add(ref dst, ox * {s}) += {Unsafe}.Add(ref src, ox);");
        w.Close().Close().Close().Close().Close();
    }
}

/// <summary>[Conv(filters, size, Stride = 1, Pad = 0)]: <typeparamref name="T"/> is long as written, int in the plan.</summary>
internal sealed record ConvSpec<T>(T Filters, T Size, T Stride, T Pad) : LayerSpec where T : struct;
