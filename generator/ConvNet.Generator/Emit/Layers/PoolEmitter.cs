using System.Globalization;
using System.Collections.Generic;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Max and average pooling, each depth slice independently, no padding.
/// Max: NaN in a window propagates (MathF.Max returns NaN); backward sends the gradient to the first maximum of
/// the window in row-major order (the first NaN, if any), recomputed from the saved input.
/// <para>Forward computes a vector of adjacent outputs of one row at a time: with stride 1 a window element is a plain
/// load, with stride 2 the even or odd floats of two vectors (a deinterleave); other strides run the same kernel one
/// output at a time (the Scalar width). Rows narrower than a vector take a narrower width, and a row's last vector
/// overlaps its neighbour. Windows up to 4x4 are unrolled into straight-line code with constant offsets. Each output
/// sees the same operations in the same order as a plain loop's (max from the window's first element with MathF.Max
/// semantics; sum from 0f in row-major order, then divided by size*size), so results are the same bits on every width.</para>
/// <para>Backward of 2x2 windows with stride 2 is vectorised the same way; those windows tile the input exactly
/// (shapes must fit), so every dInput element is stored once, interleaved back from the even and odd halves. Other
/// shapes may overlap or leave gaps, and accumulate into a cleared dInput one window at a time.</para>
/// <para>Which pooling a kind is comes from the registry (<paramref name="max"/>), not from testing the kind, so a new
/// pooling kind cannot silently become one of these.</para></summary>
internal sealed class PoolEmitter(LayerKind kind, bool max) : LayerDescriptor<PoolSpec<long>, PoolSpec<int>>
{
    public override LayerKind Kind => kind;
    public override string Attribute => kind + "Attribute";
    public override string Prefix => "pool";
    public override IReadOnlyList<string> Positional => ["size"];

    // An unset stride follows the size; a bad size is then reported once, not twice.
    protected override PoolSpec<long> Read(IAttributeArguments args) =>
        new(args.Int(0), args.NamedInt("Stride") ?? (args.Int(0) >= 1 ? args.Int(0) : 1));

    protected override bool CheckArguments(ArgumentChecks check, PoolSpec<long> pool) =>
        check.Positive("size", pool.Size) & check.Positive("stride", pool.Stride);

    protected override Shape3? Output(ShapeChecks check, PoolSpec<long> pool, IReadOnlyList<Shape3> inputs) =>
        ShapeInference.WindowOutput(check, new Window(inputs[0].C, pool.Size, pool.Stride, 0, Padded: false), inputs[0]);

    protected override PoolSpec<int> Checked(PoolSpec<long> pool) => new((int)pool.Size, (int)pool.Stride);

    public override (int Size, int Stride, int Pad) LayerInfoWindow(LayerPlan l) => (Spec(l).Size, Spec(l).Stride, 0);

    public override string Describe(LayerPlan l) => $"{kind} {Spec(l).Size}x{Spec(l).Size} s{Spec(l).Stride}";

    public override OnnxSpec Onnx(LayerPlan l) => new(max ? "MaxPool" : "AveragePool", OnnxLayout.Volume,
        OnnxAttributeSpec.Ints("kernel_shape", Spec(l).Size, Spec(l).Size), OnnxAttributeSpec.Ints("strides", Spec(l).Stride, Spec(l).Stride));

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        Forward(w, l);
        w.Line();
        Backward(w, l);
    }

    private void Forward(SourceWriter w, LayerPlan l)
    {
        string shapes = $"input ({l.In.C},{l.In.H},{l.In.W}) -> output ({l.Out.C},{l.Out.H},{l.Out.W})";
        Header(w, l, "forward", shapes);
        w.Open(ForwardSignature);
        w.Line($"if (input.Length != {l.InLength} || output.Length != {l.OutLength}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        string args = $"ref {Marshal}.GetReference(input), ref {Marshal}.GetReference(output)";
        // A vector of stride-2 outputs reads 2 * Count floats from its first window's start, which stays inside the
        // row only if the window is at least 2 wide.
        if (Spec(l).Stride == 1 || (Spec(l).Stride == 2 && Spec(l).Size >= 2)) Dispatch(w, (int)l.Out.W, "ForwardCore", args);
        else w.Line($"ForwardCore<float, {VectorsType}.Scalar>({args});");
        w.Close();
        w.Line();
        w.Line($"// {shapes}: V.Count adjacent outputs of one row per step.");
        OpenKernel(w, $"private static void ForwardCore{Generic}(ref float x, ref float y) {Constraint}");
        Rows(w, l, "x", "row", "y", "dst");
        VectorColumns(w, l);
        if (!Unrolled(l))
        {
            w.Line(max ? "TV m = V.Broadcast(float.NegativeInfinity);" : "TV sum = V.Broadcast(0f);");
            WindowLoops(w, l);
            w.Line(max ? $"m = V.Max(m, {LoopElement(l)});" : $"sum = V.Add(sum, {LoopElement(l)});");
            w.Close().Close();
            w.Line($"V.Store({(max ? "m" : Mean(l, "sum"))}, ref dst, ox);");
        }
        else if (max)
        {
            // MathF.Max(-inf, v) == v for every v (NaN included), so starting from the first element is the same bits.
            w.Line($"TV m = {Element(l, 0, 0)};");
            foreach (var (ky, kx) in Window(l))
                if (ky != 0 || kx != 0) w.Line($"m = V.Max(m, {Element(l, ky, kx)});");
            w.Line("V.Store(m, ref dst, ox);");
        }
        else
        {
            w.Line("TV sum = V.Broadcast(0f);");
            foreach (var (ky, kx) in Window(l)) w.Line($"sum = V.Add(sum, {Element(l, ky, kx)});");
            w.Line($"V.Store({Mean(l, "sum")}, ref dst, ox);");
        }
        w.Close().Close().Close().Close();
    }

    private void Backward(SourceWriter w, LayerPlan l)
    {
        string shapes = $"dOutput ({l.Out.C},{l.Out.H},{l.Out.W}) -> dInput ({l.In.C},{l.In.H},{l.In.W})";
        Header(w, l, "backward", shapes);
        w.Open(BackwardSignature);
        w.Line("if (dInput.IsEmpty) return;");
        w.Line($"if (input.Length != {l.InLength} || dOutput.Length != {l.OutLength} || dInput.Length != {l.InLength}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        if (Spec(l).Size == 2 && Spec(l).Stride == 2)
        {
            Dispatch(w, (int)l.Out.W, "BackwardCore", $"ref {Marshal}.GetReference(input), ref {Marshal}.GetReference(dOutput), ref {Marshal}.GetReference(dInput)");
            w.Close();
            w.Line();
            BackwardTiled(w, l, shapes);
        }
        else
        {
            BackwardScalar(w, l);
            w.Close();
        }
    }

    /// <summary>2x2 windows, stride 2: each input element belongs to exactly one window, so its gradient is stored, not
    /// accumulated. Stored values are what the scalar loop's += into a cleared dInput gives: 0f + gradient (a -0
    /// gradient lands as +0), and +0 where the window's maximum is elsewhere.</summary>
    private void BackwardTiled(SourceWriter w, LayerPlan l, string shapes)
    {
        long width = l.In.W;
        w.Line($"// {shapes}: V.Count adjacent windows of one row pair per step.");
        OpenKernel(w, $"private static void BackwardCore{Generic}(ref float x, ref float g, ref float dx) {Constraint}");
        Rows(w, l, "x", "row", "g", "gRow");
        w.Line($"ref float dRow = ref {Unsafe}.Add(ref dx, rowOffset);");
        VectorColumns(w, l);
        w.Line($"ref float dWin = ref {Unsafe}.Add(ref dRow, ox * 2);");
        if (max)
        {
            w.Line($"TV x00 = {Element(l, 0, 0)}, x01 = {Element(l, 0, 1)}, x10 = {Element(l, 1, 0)}, x11 = {Element(l, 1, 1)};");
            w.Line("TV m = V.Max(V.Max(V.Max(x00, x01), x10), x11);");
            w.Line("TV go = V.Add(V.Broadcast(0f), V.Load(ref gRow, ox));");
            w.Line("TV d00 = V.Claim(x00, m, ref go), d01 = V.Claim(x01, m, ref go), d10 = V.Claim(x10, m, ref go);");
            w.Line("V.StoreInterleaved(d00, d01, ref dWin, 0);");
            // Some element equals the maximum, so whatever the first three left unclaimed is the last one's.
            w.Line($"V.StoreInterleaved(d10, go, ref dWin, {width});");
        }
        else
        {
            w.Line($"TV share = V.Add(V.Broadcast(0f), {Mean(l, "V.Load(ref gRow, ox)")});");
            w.Line("V.StoreInterleaved(share, share, ref dWin, 0);");
            w.Line($"V.StoreInterleaved(share, share, ref dWin, {width});");
        }
        w.Close().Close().Close().Close();
    }

    /// <summary>Windows may overlap (stride &lt; size), and rows or columns between windows (stride &gt; size) get no
    /// gradient, so gradients accumulate into a cleared dInput, one window at a time.</summary>
    private void BackwardScalar(SourceWriter w, LayerPlan l)
    {
        w.Line("dInput.Clear();");
        w.Line($"ref float x = ref {Marshal}.GetReference(input);");
        w.Line($"ref float g = ref {Marshal}.GetReference(dOutput);");
        w.Line($"ref float dx = ref {Marshal}.GetReference(dInput);");
        Rows(w, l, "x", "row", "g", "gRow");
        w.Open($"for (int ox = 0; ox < {l.Out.W}; ox++)");
        w.Line($"nint at = ox * {Spec(l).Stride};");
        w.Line($"float go = {Unsafe}.Add(ref gRow, ox);");
        w.Line($"ref float win = ref {Unsafe}.Add(ref row, at);");
        w.Line($"ref float dWin = ref {Unsafe}.Add(ref dx, rowOffset + at);");
        if (!Unrolled(l))
        {
            if (max) w.Line("nint best = 0; float bestValue = win;");
            else w.Line($"float share = go / {Spec(l).Size * Spec(l).Size}f;");
            WindowLoops(w, l);
            if (max) w.Line($"float v = {Unsafe}.Add(ref win, o); if (v > bestValue || (float.IsNaN(v) && !float.IsNaN(bestValue))) {{ best = o; bestValue = v; }}");
            else w.Line($"{Unsafe}.Add(ref dWin, o) += share;");
            w.Close().Close();
            if (max) w.Line($"{Unsafe}.Add(ref dWin, best) += go;");
        }
        else if (max)
        {
            w.Line("nint best = 0;");
            w.Line("float bestValue = win;");
            foreach (var (ky, kx) in Window(l))
            {
                if (ky == 0 && kx == 0) continue;
                w.Line($"{{ float v = {Unsafe}.Add(ref win, {Offset(l, ky, kx)}); if (v > bestValue || (float.IsNaN(v) && !float.IsNaN(bestValue))) {{ best = {Offset(l, ky, kx)}; bestValue = v; }} }}");
            }
            w.Line($"{Unsafe}.Add(ref dWin, best) += go;");
        }
        else
        {
            w.Line($"float share = go / {Spec(l).Size * Spec(l).Size}f;");
            foreach (var (ky, kx) in Window(l)) w.Line($"{Unsafe}.Add(ref dWin, {Offset(l, ky, kx)}) += share;");
        }
        w.Close().Close().Close();
    }

    private void Header(SourceWriter w, LayerPlan l, string pass, string shapes) =>
        w.Line($"// {l.Name} {pass}: {shapes}; {(max ? "max" : "average")} over {Spec(l).Size}x{Spec(l).Size} windows, stride {Spec(l).Stride}.");

    /// <summary>Opens the channel and output-row loops; <c>rowOffset</c> is the window row's first input element.</summary>
    private static void Rows(SourceWriter w, LayerPlan l, string input, string inputRow, string output, string outputRow)
    {
        w.Open($"for (int c = 0; c < {l.Out.C}; c++)");
        w.Open($"for (int oy = 0; oy < {l.Out.H}; oy++)");
        w.Line($"nint rowOffset = (c * {l.In.H} + oy * {Spec(l).Stride}) * {l.In.W};");
        w.Line($"ref float {inputRow} = ref {Unsafe}.Add(ref {input}, rowOffset);");
        w.Line($"ref float {outputRow} = ref {Unsafe}.Add(ref {output}, (c * {l.Out.H} + oy) * {l.Out.W});");
    }

    /// <summary>Opens the loop over vectors of output columns <c>ox</c>; the last one overlaps its neighbour (stores are
    /// idempotent) instead of running a scalar tail. <c>win</c> is the first window's top-left input element.</summary>
    private static void VectorColumns(SourceWriter w, LayerPlan l)
    {
        w.Open($"for (nint i = 0; i < {l.Out.W}; i += V.Count)");
        w.Line($"nint ox = global::System.Math.Min(i, {l.Out.W} - V.Count);");
        w.Line($"ref float win = ref {Unsafe}.Add(ref row, ox * {Spec(l).Stride});");
    }

    private static System.Collections.Generic.IEnumerable<(int Ky, int Kx)> Window(LayerPlan l)
    {
        for (int ky = 0; ky < Spec(l).Size; ky++)
            for (int kx = 0; kx < Spec(l).Size; kx++) yield return (ky, kx);
    }

    private static string Offset(LayerPlan l, int ky, int kx) => (ky * l.In.W + kx).ToString(CultureInfo.InvariantCulture);

    /// <summary>Window element (ky, kx) of V.Count adjacent windows. With stride 2, column kx &gt; 0 is read as the odd
    /// floats from kx - 1: the even floats from kx would read one float past the row for the last window column.</summary>
    private static string Element(LayerPlan l, int ky, int kx) =>
        Spec(l).Stride != 2 ? $"V.Load(ref win, {Offset(l, ky, kx)})"
        : kx == 0 ? $"V.LoadEvens(ref win, {Offset(l, ky, 0)})"
        : $"V.LoadOdds(ref win, {Offset(l, ky, kx - 1)})";

    /// <summary><see cref="Element(LayerPlan, int, int)"/> inside <see cref="WindowLoops"/>.</summary>
    private static string LoopElement(LayerPlan l) =>
        Spec(l).Stride != 2 ? "V.Load(ref win, o)" : "(kx == 0 ? V.LoadEvens(ref win, o) : V.LoadOdds(ref win, o - 1))";

    private static string Mean(LayerPlan l, string sum) => $"V.Divide({sum}, V.Broadcast({Spec(l).Size * Spec(l).Size}f))";

    /// <summary>Windows up to 4x4 are unrolled; bigger ones loop, to keep the method small for the JIT.</summary>
    private static bool Unrolled(LayerPlan l) => Spec(l).Size * Spec(l).Size <= 16;

    private static void WindowLoops(SourceWriter w, LayerPlan l)
    {
        w.Open($"for (int ky = 0; ky < {Spec(l).Size}; ky++)");
        w.Open($"for (int kx = 0; kx < {Spec(l).Size}; kx++)");
        w.Line($"nint o = ky * {l.In.W} + kx;");
    }
}

/// <summary>[MaxPool(size, Stride = size)] and [AvgPool(...)]: <typeparamref name="T"/> is long as written, int in the plan.</summary>
internal sealed record PoolSpec<T>(T Size, T Stride) : LayerSpec where T : struct;
