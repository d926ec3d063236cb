using ConvNet.Generator.Model;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Max and average pooling, each depth slice independently, no padding.
/// Max: NaN in a window propagates (MathF.Max returns NaN); backward sends the gradient to the first maximum of
/// the window in row-major order (the first NaN, if any), recomputed from the saved input.</summary>
internal static class PoolEmitter
{
    public static void Forward(SourceWriter w, LayerPlan l)
    {
        bool max = l.Kind == LayerKind.MaxPool;
        Header(w, l, "forward", $"input ({l.In.C},{l.In.H},{l.In.W}) -> output ({l.Out.C},{l.Out.H},{l.Out.W})");
        w.Open(LayerEmitter.ForwardSignature);
        Loops(w, l);
        w.Line(max ? "float m = float.NegativeInfinity;" : "float sum = 0f;");
        WindowLoops(w, l);
        w.Line(max ? "m = global::System.MathF.Max(m, input[ii]);" : "sum += input[ii];");
        w.Close().Close();
        w.Line($"output[(c * {l.Out.H} + oy) * {l.Out.W} + ox] = {(max ? "m" : $"sum / {l.Size * l.Size}f")};");
        w.Close().Close().Close().Close();
    }

    public static void Backward(SourceWriter w, LayerPlan l)
    {
        bool max = l.Kind == LayerKind.MaxPool;
        Header(w, l, "backward", $"dOutput ({l.Out.C},{l.Out.H},{l.Out.W}) -> dInput ({l.In.C},{l.In.H},{l.In.W})");
        w.Open(LayerEmitter.BackwardSignature);
        // Windows may overlap (stride < size), so gradients accumulate into a cleared dInput.
        w.Line("if (dInput.IsEmpty) return;");
        w.Line("dInput.Clear();");
        Loops(w, l);
        w.Line($"float g = dOutput[(c * {l.Out.H} + oy) * {l.Out.W} + ox];");
        if (max)
        {
            w.Line($"int best = (c * {l.In.H} + oy * {l.Stride}) * {l.In.W} + ox * {l.Stride};");
            w.Line("float bestValue = input[best];");
            WindowLoops(w, l);
            w.Line("float v = input[ii];");
            w.Line("if (v > bestValue || (float.IsNaN(v) && !float.IsNaN(bestValue))) { best = ii; bestValue = v; }");
            w.Close().Close();
            w.Line("dInput[best] += g;");
        }
        else
        {
            w.Line($"float share = g / {l.Size * l.Size}f;");
            WindowLoops(w, l);
            w.Line("dInput[ii] += share;");
            w.Close().Close();
        }
        w.Close().Close().Close().Close();
    }

    private static void Header(SourceWriter w, LayerPlan l, string pass, string shapes) =>
        w.Line($"// {l.Name} {pass}: {shapes}; {(l.Kind == LayerKind.MaxPool ? "max" : "average")} over {l.Size}x{l.Size} windows, stride {l.Stride}.");

    private static void Loops(SourceWriter w, LayerPlan l)
    {
        w.Open($"for (int c = 0; c < {l.Out.C}; c++)");
        w.Open($"for (int oy = 0; oy < {l.Out.H}; oy++)");
        w.Open($"for (int ox = 0; ox < {l.Out.W}; ox++)");
    }

    private static void WindowLoops(SourceWriter w, LayerPlan l)
    {
        w.Open($"for (int ky = 0; ky < {l.Size}; ky++)");
        w.Open($"for (int kx = 0; kx < {l.Size}; kx++)");
        w.Line($"int ii = (c * {l.In.H} + oy * {l.Stride} + ky) * {l.In.W} + ox * {l.Stride} + kx;");
    }
}
