using ConvNet.Generator.Model;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Convolution, forward and backward. Weight [F, C, K, K] then bias [F]; CHW activations.
/// Padding is never materialised: each output row and column clips the filter window to the input instead.</summary>
internal static class ConvEmitter
{
    public static void Forward(SourceWriter w, LayerPlan l)
    {
        long c = l.In.C, h = l.In.H, wi = l.In.W, f = l.Out.C, oh = l.Out.H, ow = l.Out.W;
        int k = l.Size, s = l.Stride, pad = l.Pad;
        w.Line($"// {l.Name} forward: input ({c},{h},{wi}) -> output ({f},{oh},{ow}); weight [{f},{c},{k},{k}], bias [{f}]; stride {s}, pad {pad}.");
        w.Open(LayerEmitter.ForwardSignature);
        w.Line($"var weight = p.Slice({l.ParamOffset}, {l.WeightCount});");
        w.Line($"var bias = p.Slice({l.BiasOffset}, {f});");
        w.Open($"for (int f = 0; f < {f}; f++)");
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        Window(w, "y", "oy", s, pad, k, h);
        w.Open($"for (int ox = 0; ox < {ow}; ox++)");
        Window(w, "x", "ox", s, pad, k, wi);
        w.Line("float sum = bias[f];");
        w.Open($"for (int c = 0; c < {c}; c++)");
        w.Open("for (int ky = kyLo; ky < kyHi; ky++)");
        w.Open("for (int kx = kxLo; kx < kxHi; kx++)");
        w.Line($"sum += weight[((f * {c} + c) * {k} + ky) * {k} + kx] * input[(c * {h} + iy0 + ky) * {wi} + ix0 + kx];");
        w.Close().Close().Close();
        w.Line($"output[(f * {oh} + oy) * {ow} + ox] = sum;");
        w.Close().Close().Close().Close();
    }

    public static void Backward(SourceWriter w, LayerPlan l)
    {
        long c = l.In.C, h = l.In.H, wi = l.In.W, f = l.Out.C, oh = l.Out.H, ow = l.Out.W;
        int k = l.Size, s = l.Stride, pad = l.Pad;
        w.Line($"// {l.Name} backward: dOutput ({f},{oh},{ow}) -> dInput ({c},{h},{wi}), dWeight [{f},{c},{k},{k}] +=, dBias [{f}] +=.");
        w.Open(LayerEmitter.BackwardSignature);
        w.Line($"var weight = p.Slice({l.ParamOffset}, {l.WeightCount});");
        w.Line($"var dWeight = dp.Slice({l.ParamOffset}, {l.WeightCount});");
        w.Line($"var dBias = dp.Slice({l.BiasOffset}, {f});");
        w.Line("bool needInput = !dInput.IsEmpty;");
        w.Line("if (needInput) dInput.Clear();");
        w.Open($"for (int f = 0; f < {f}; f++)");
        w.Line("float biasSum = 0f;");
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        Window(w, "y", "oy", s, pad, k, h);
        w.Open($"for (int ox = 0; ox < {ow}; ox++)");
        Window(w, "x", "ox", s, pad, k, wi);
        w.Line($"float g = dOutput[(f * {oh} + oy) * {ow} + ox];");
        w.Line("biasSum += g;");
        w.Open($"for (int c = 0; c < {c}; c++)");
        w.Open("for (int ky = kyLo; ky < kyHi; ky++)");
        w.Open("for (int kx = kxLo; kx < kxHi; kx++)");
        w.Line($"int wIdx = ((f * {c} + c) * {k} + ky) * {k} + kx;");
        w.Line($"int iIdx = (c * {h} + iy0 + ky) * {wi} + ix0 + kx;");
        w.Line("dWeight[wIdx] += g * input[iIdx];");
        w.Line("if (needInput) dInput[iIdx] += g * weight[wIdx];");
        w.Close().Close().Close().Close().Close();
        w.Line("dBias[f] += biasSum;");
        w.Close().Close();
    }

    /// <summary>First input row/column of the window, and the part of the window [lo, hi) that lies inside the input.</summary>
    private static void Window(SourceWriter w, string axis, string o, int stride, int pad, int k, long side)
    {
        w.Line($"int i{axis}0 = {o} * {stride} - {pad};");
        if (pad == 0)
        {
            // Without padding every window lies inside the input (the shape check guarantees it).
            w.Line($"const int k{axis}Lo = 0, k{axis}Hi = {k};");
            return;
        }
        w.Line($"int k{axis}Lo = i{axis}0 < 0 ? -i{axis}0 : 0;");
        w.Line($"int k{axis}Hi = {side} - i{axis}0 < {k} ? {side} - i{axis}0 : {k};");
    }
}
