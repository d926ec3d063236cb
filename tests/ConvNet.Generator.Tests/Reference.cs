using System;
using System.Collections.Generic;
using System.Linq;

namespace ConvNet.Tests;

/// <summary>A layer of the reference network. Written independently of the generator: its own shape arithmetic,
/// plain loops over an explicitly zero-padded input, double precision throughout.</summary>
public sealed record RefLayer(LayerKind Kind, int A = 0, int Size = 0, int Stride = 0, int Pad = 0)
{
    public static RefLayer Conv(int filters, int size, int stride = 1, int pad = 0) => new(LayerKind.Conv, filters, size, stride, pad);
    public static RefLayer MaxPool(int size, int stride = 0) => new(LayerKind.MaxPool, 0, size, stride == 0 ? size : stride);
    public static RefLayer AvgPool(int size, int stride = 0) => new(LayerKind.AvgPool, 0, size, stride == 0 ? size : stride);
    public static RefLayer Fc(int outputs) => new(LayerKind.FullyConnected, outputs);
    public static readonly RefLayer Relu = new(LayerKind.Relu), Sigmoid = new(LayerKind.Sigmoid), Tanh = new(LayerKind.Tanh);

    /// <summary>The attribute that declares this layer.</summary>
    public string Attribute() => Kind switch
    {
        LayerKind.Conv => $"[Conv({A}, {Size}, Stride = {Stride}, Pad = {Pad})]",
        LayerKind.MaxPool => $"[MaxPool({Size}, Stride = {Stride})]",
        LayerKind.AvgPool => $"[AvgPool({Size}, Stride = {Stride})]",
        LayerKind.FullyConnected => $"[FullyConnected({A})]",
        _ => $"[{Kind}]",
    };
}

public sealed class ReferenceNetwork
{
    public readonly (int C, int H, int W) Input;
    public readonly RefLayer[] Layers;
    public readonly (int C, int H, int W)[] Shapes; // Shapes[i] = input of layer i; Shapes[^1] = output
    public readonly int[] ParamOffsets;
    public readonly int ParameterCount;

    public ReferenceNetwork((int C, int H, int W) input, params RefLayer[] layers)
    {
        Input = input;
        Layers = layers;
        Shapes = new (int, int, int)[layers.Length + 1];
        ParamOffsets = new int[layers.Length];
        Shapes[0] = input;
        int offset = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            var (c, h, w) = Shapes[i];
            var l = layers[i];
            ParamOffsets[i] = offset;
            switch (l.Kind)
            {
                case LayerKind.Conv:
                    Shapes[i + 1] = (l.A, Side(h, l), Side(w, l));
                    offset += l.A * c * l.Size * l.Size + l.A;
                    break;
                case LayerKind.MaxPool or LayerKind.AvgPool:
                    Shapes[i + 1] = (c, Side(h, l), Side(w, l));
                    break;
                case LayerKind.FullyConnected:
                    Shapes[i + 1] = (l.A, 1, 1);
                    offset += l.A * c * h * w + l.A;
                    break;
                default:
                    Shapes[i + 1] = (c, h, w);
                    break;
            }
        }
        ParameterCount = offset;
    }

    private static int Side(int x, RefLayer l)
    {
        int span = x + 2 * l.Pad - l.Size;
        if (span < 0 || span % l.Stride != 0) throw new ArgumentException($"reference: layer {l} does not fit side {x}");
        return span / l.Stride + 1;
    }

    public static int Length((int C, int H, int W) s) => s.C * s.H * s.W;

    public int OutputLength => Length(Shapes[^1]);

    /// <summary>Activations: [0] = input, [i + 1] = output of layer i.</summary>
    public double[][] Forward(float[] parameters, float[] input) =>
        ForwardDouble(parameters.Select(v => (double)v).ToArray(), input.Select(v => (double)v).ToArray());

    /// <summary>All in double, parameters included, for finite differences.</summary>
    public double[][] ForwardDouble(double[] parameters, double[] input)
    {
        var acts = new double[Layers.Length + 1][];
        acts[0] = input;
        for (int i = 0; i < Layers.Length; i++) acts[i + 1] = LayerForward(i, parameters, acts[i]);
        return acts;
    }

    private double[] LayerForward(int i, double[] p, double[] x)
    {
        var l = Layers[i];
        var (c, h, w) = Shapes[i];
        var (oc, oh, ow) = Shapes[i + 1];
        var y = new double[Length(Shapes[i + 1])];
        int off = ParamOffsets[i];
        switch (l.Kind)
        {
            case LayerKind.Conv:
                for (int f = 0; f < oc; f++)
                for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    double sum = p[off + oc * c * l.Size * l.Size + f];
                    for (int ci = 0; ci < c; ci++)
                    for (int ky = 0; ky < l.Size; ky++)
                    for (int kx = 0; kx < l.Size; kx++)
                        sum += p[off + ((f * c + ci) * l.Size + ky) * l.Size + kx] * Padded(x, c, h, w, ci, oy * l.Stride + ky - l.Pad, ox * l.Stride + kx - l.Pad);
                    y[(f * oh + oy) * ow + ox] = sum;
                }
                break;
            case LayerKind.MaxPool or LayerKind.AvgPool:
                for (int ci = 0; ci < c; ci++)
                for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    var window = Window(x, h, w, ci, oy, ox, l).Select(t => t.Value).ToList();
                    y[(ci * oh + oy) * ow + ox] = l.Kind == LayerKind.MaxPool ? window.Max() : window.Average();
                }
                break;
            case LayerKind.FullyConnected:
                int n = x.Length;
                for (int o = 0; o < oc; o++)
                {
                    double sum = p[off + oc * n + o];
                    for (int k = 0; k < n; k++) sum += p[off + o * n + k] * x[k];
                    y[o] = sum;
                }
                break;
            case LayerKind.Relu:
                for (int k = 0; k < x.Length; k++) y[k] = Math.Max(0, x[k]);
                break;
            case LayerKind.Sigmoid:
                for (int k = 0; k < x.Length; k++) y[k] = 1 / (1 + Math.Exp(-x[k]));
                break;
            case LayerKind.Tanh:
                for (int k = 0; k < x.Length; k++) y[k] = Math.Tanh(x[k]);
                break;
        }
        return y;
    }

    private static double Padded(double[] x, int c, int h, int w, int ci, int iy, int ix) =>
        iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : x[(ci * h + iy) * w + ix];

    /// <summary>The window of a pooling output, row-major, with each element's index into the input.</summary>
    internal static IEnumerable<(int Index, double Value)> Window(double[] x, int h, int w, int ci, int oy, int ox, RefLayer l)
    {
        for (int ky = 0; ky < l.Size; ky++)
        for (int kx = 0; kx < l.Size; kx++)
        {
            int index = (ci * h + oy * l.Stride + ky) * w + ox * l.Stride + kx;
            yield return (index, x[index]);
        }
    }

    /// <summary>Backpropagates <paramref name="dOutput"/>; returns dInput and the parameter gradient (PyTorch layout).</summary>
    public (double[] DInput, double[] DParams) Backward(float[] parameters, double[][] acts, double[] dOutput)
    {
        var p = parameters.Select(v => (double)v).ToArray();
        var dp = new double[ParameterCount];
        var d = dOutput;
        for (int i = Layers.Length - 1; i >= 0; i--) d = LayerBackward(i, p, acts[i], acts[i + 1], d, dp);
        return (d, dp);
    }

    private double[] LayerBackward(int i, double[] p, double[] x, double[] y, double[] dy, double[] dp)
    {
        var l = Layers[i];
        var (c, h, w) = Shapes[i];
        var (oc, oh, ow) = Shapes[i + 1];
        var dx = new double[x.Length];
        int off = ParamOffsets[i];
        switch (l.Kind)
        {
            case LayerKind.Conv:
                for (int f = 0; f < oc; f++)
                for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    double g = dy[(f * oh + oy) * ow + ox];
                    dp[off + oc * c * l.Size * l.Size + f] += g;
                    for (int ci = 0; ci < c; ci++)
                    for (int ky = 0; ky < l.Size; ky++)
                    for (int kx = 0; kx < l.Size; kx++)
                    {
                        int iy = oy * l.Stride + ky - l.Pad, ix = ox * l.Stride + kx - l.Pad;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                        int wi = ((f * c + ci) * l.Size + ky) * l.Size + kx;
                        dp[off + wi] += g * x[(ci * h + iy) * w + ix];
                        dx[(ci * h + iy) * w + ix] += g * p[off + wi];
                    }
                }
                break;
            case LayerKind.MaxPool or LayerKind.AvgPool:
                for (int ci = 0; ci < c; ci++)
                for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    double g = dy[(ci * oh + oy) * ow + ox];
                    var window = Window(x, h, w, ci, oy, ox, l).ToList();
                    if (l.Kind == LayerKind.AvgPool)
                        foreach (var (index, _) in window) dx[index] += g / window.Count;
                    else
                        dx[window.First(t => t.Value == window.Max(u => u.Value)).Index] += g; // first maximum, row-major
                }
                break;
            case LayerKind.FullyConnected:
                int n = x.Length;
                for (int o = 0; o < oc; o++)
                {
                    dp[off + oc * n + o] += dy[o];
                    for (int k = 0; k < n; k++)
                    {
                        dp[off + o * n + k] += dy[o] * x[k];
                        dx[k] += dy[o] * p[off + o * n + k];
                    }
                }
                break;
            case LayerKind.Relu:
                for (int k = 0; k < x.Length; k++) dx[k] = x[k] > 0 ? dy[k] : 0;
                break;
            case LayerKind.Sigmoid:
                for (int k = 0; k < x.Length; k++) dx[k] = dy[k] * y[k] * (1 - y[k]);
                break;
            case LayerKind.Tanh:
                for (int k = 0; k < x.Length; k++) dx[k] = dy[k] * (1 - y[k] * y[k]);
                break;
        }
        return dx;
    }

    /// <summary>The source of a network class declaring these layers.</summary>
    public string Source(string className, string? ns = "Numerics") =>
        (ns is null ? "" : $"namespace {ns} {{\n") + "using ConvNet;\n" +
        $"[Input({Input.C}, {Input.H}, {Input.W})]\n" + string.Concat(Layers.Select(l => l.Attribute() + "\n")) +
        $"public partial class {className} {{ }}\n" + (ns is null ? "" : "}\n");
}
