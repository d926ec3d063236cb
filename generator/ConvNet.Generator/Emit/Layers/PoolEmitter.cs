using System.Globalization;
using ConvNet.Generator.Model;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Max and average pooling, each depth slice independently, no padding.
/// Max: NaN in a window propagates (MathF.Max returns NaN); backward sends the gradient to the first maximum of
/// the window in row-major order (the first NaN, if any), recomputed from the saved input.
/// <para>Span lengths are checked once, then the kernels read through refs without bounds checks, and the window is
/// unrolled into straight-line code (offsets are constants), so a 2x2 window is four loads and three max/adds. The
/// order of operations is the same as a plain loop's (max from the window's first element; sum from 0f), so results
/// are the same bits.</para></summary>
internal static class PoolEmitter
{
    public static void Forward(SourceWriter w, LayerPlan l)
    {
        bool max = l.Kind == LayerKind.MaxPool;
        Header(w, l, "forward", $"input ({l.In.C},{l.In.H},{l.In.W}) -> output ({l.Out.C},{l.Out.H},{l.Out.W})");
        w.Open(LayerEmitter.ForwardSignature);
        w.Line($"if (input.Length != {l.InLength} || output.Length != {l.OutLength}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"ref float x = ref {Marshal}.GetReference(input);");
        w.Line($"ref float y = ref {Marshal}.GetReference(output);");
        Loops(w, l);
        w.Line($"ref float win = ref {Unsafe}.Add(ref row, ox * {l.Stride});");
        if (!Unrolled(l))
        {
            w.Line(max ? "float m = float.NegativeInfinity;" : "float sum = 0f;");
            WindowLoops(w, l);
            w.Line(max ? $"m = global::System.MathF.Max(m, {Element(l, "o")});" : $"sum += {Element(l, "o")};");
            w.Close().Close();
            w.Line($"{Unsafe}.Add(ref dst, ox) = {(max ? "m" : $"sum / {l.Size * l.Size}f")};");
        }
        else if (max)
        {
            // MathF.Max(-inf, v) == v for every v (NaN included), so starting from the first element is the same bits.
            w.Line($"float m = {Element(l, 0, 0)};");
            foreach (var (ky, kx) in Window(l))
                if (ky != 0 || kx != 0) w.Line($"m = global::System.MathF.Max(m, {Element(l, ky, kx)});");
            w.Line($"{Unsafe}.Add(ref dst, ox) = m;");
        }
        else
        {
            w.Line("float sum = 0f;");
            foreach (var (ky, kx) in Window(l)) w.Line($"sum += {Element(l, ky, kx)};");
            w.Line($"{Unsafe}.Add(ref dst, ox) = sum / {l.Size * l.Size}f;");
        }
        w.Close().Close().Close().Close();
    }

    public static void Backward(SourceWriter w, LayerPlan l)
    {
        bool max = l.Kind == LayerKind.MaxPool;
        Header(w, l, "backward", $"dOutput ({l.Out.C},{l.Out.H},{l.Out.W}) -> dInput ({l.In.C},{l.In.H},{l.In.W})");
        w.Open(LayerEmitter.BackwardSignature);
        w.Line("if (dInput.IsEmpty) return;");
        w.Line($"if (input.Length != {l.InLength} || dOutput.Length != {l.OutLength} || dInput.Length != {l.InLength}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        // Windows may overlap (stride < size), and rows or columns past the last window get no gradient, so
        // gradients accumulate into a cleared dInput.
        w.Line("dInput.Clear();");
        w.Line($"ref float x = ref {Marshal}.GetReference(input);");
        w.Line($"ref float g = ref {Marshal}.GetReference(dOutput);");
        w.Line($"ref float dx = ref {Marshal}.GetReference(dInput);");
        Loops(w, l, input: "x", output: "g", outputName: "gRow");
        w.Line($"nint at = ox * {l.Stride};");
        w.Line($"float go = {Unsafe}.Add(ref gRow, ox);");
        w.Line($"ref float win = ref {Unsafe}.Add(ref row, at);");
        w.Line($"ref float dWin = ref {Unsafe}.Add(ref dx, rowOffset + at);");
        if (!Unrolled(l))
        {
            if (max) w.Line($"nint best = 0; float bestValue = {Element(l, "0")};");
            else w.Line($"float share = go / {l.Size * l.Size}f;");
            WindowLoops(w, l);
            if (max) w.Line($"float v = {Element(l, "o")}; if (v > bestValue || (float.IsNaN(v) && !float.IsNaN(bestValue))) {{ best = o; bestValue = v; }}");
            else w.Line($"{Unsafe}.Add(ref dWin, o) += share;");
            w.Close().Close();
            if (max) w.Line($"{Unsafe}.Add(ref dWin, best) += go;");
        }
        else if (max)
        {
            w.Line("nint best = 0;");
            w.Line($"float bestValue = {Element(l, 0, 0)};");
            foreach (var (ky, kx) in Window(l))
            {
                if (ky == 0 && kx == 0) continue;
                w.Line($"{{ float v = {Element(l, ky, kx)}; if (v > bestValue || (float.IsNaN(v) && !float.IsNaN(bestValue))) {{ best = {Offset(l, ky, kx)}; bestValue = v; }} }}");
            }
            w.Line($"{Unsafe}.Add(ref dWin, best) += go;");
        }
        else
        {
            w.Line($"float share = go / {l.Size * l.Size}f;");
            foreach (var (ky, kx) in Window(l)) w.Line($"{Unsafe}.Add(ref dWin, {Offset(l, ky, kx)}) += share;");
        }
        w.Close().Close().Close().Close();
    }

    private static void Header(SourceWriter w, LayerPlan l, string pass, string shapes) =>
        w.Line($"// {l.Name} {pass}: {shapes}; {(l.Kind == LayerKind.MaxPool ? "max" : "average")} over {l.Size}x{l.Size} windows, stride {l.Stride}, unrolled.");

    private static void Loops(SourceWriter w, LayerPlan l, string input = "x", string output = "y", string outputName = "dst")
    {
        w.Open($"for (int c = 0; c < {l.Out.C}; c++)");
        w.Open($"for (int oy = 0; oy < {l.Out.H}; oy++)");
        w.Line($"nint rowOffset = (c * {l.In.H} + oy * {l.Stride}) * {l.In.W};");
        w.Line($"ref float row = ref {Unsafe}.Add(ref {input}, rowOffset);");
        w.Line($"ref float {outputName} = ref {Unsafe}.Add(ref {output}, (c * {l.Out.H} + oy) * {l.Out.W});");
        w.Open($"for (int ox = 0; ox < {l.Out.W}; ox++)");
    }

    private static System.Collections.Generic.IEnumerable<(int Ky, int Kx)> Window(LayerPlan l)
    {
        for (int ky = 0; ky < l.Size; ky++)
            for (int kx = 0; kx < l.Size; kx++) yield return (ky, kx);
    }

    private static string Offset(LayerPlan l, int ky, int kx) => (ky * l.In.W + kx).ToString(CultureInfo.InvariantCulture);

    private static string Element(LayerPlan l, int ky, int kx) => Element(l, Offset(l, ky, kx));

    private static string Element(LayerPlan l, string offset) => $"{Unsafe}.Add(ref win, {offset})";

    /// <summary>Windows up to 4x4 are unrolled; bigger ones loop, to keep the method small for the JIT.</summary>
    private static bool Unrolled(LayerPlan l) => l.Size * l.Size <= 16;

    private static void WindowLoops(SourceWriter w, LayerPlan l)
    {
        w.Open($"for (int ky = 0; ky < {l.Size}; ky++)");
        w.Open($"for (int kx = 0; kx < {l.Size}; kx++)");
        w.Line($"nint o = ky * {l.In.W} + kx;");
    }
}
