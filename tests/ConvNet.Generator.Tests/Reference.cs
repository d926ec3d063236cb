using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvNet.Tests;

/// <summary>A layer of the reference network. Written independently of the generator: its own shape arithmetic,
/// its own default names, plain loops over an explicitly zero-padded input, double precision throughout.
/// <see cref="From"/> names the layer whose output is its input (null: the previous layer), <see cref="Others"/> the
/// volumes a merge adds or stacks after it.</summary>
public sealed record RefLayer(LayerKind Kind, int A = 0, int Size = 0, int Stride = 0, int Pad = 0)
{
    public string? Name { get; init; }
    public string? From { get; init; }
    public string[] Others { get; init; } = [];
    /// <summary>Dropout's drop probability.</summary>
    public double P { get; init; }
    public double Epsilon { get; init; } = 1e-5;
    public double Momentum { get; init; } = 0.1;
    /// <summary>Leaky ReLU's slope for negative inputs.</summary>
    public double Slope { get; init; } = 0.01;

    public static RefLayer Conv(int filters, int size, int stride = 1, int pad = 0) => new(LayerKind.Conv, filters, size, stride, pad);
    public static RefLayer MaxPool(int size, int stride = 0) => new(LayerKind.MaxPool, 0, size, stride == 0 ? size : stride);
    public static RefLayer AvgPool(int size, int stride = 0) => new(LayerKind.AvgPool, 0, size, stride == 0 ? size : stride);
    public static RefLayer Fc(int outputs) => new(LayerKind.FullyConnected, outputs);
    public static RefLayer Add(string other) => new(LayerKind.Add) { Others = [other] };
    public static RefLayer Concat(params string[] others) => new(LayerKind.Concat) { Others = others };
    public static RefLayer BatchNorm(double epsilon = 1e-5, double momentum = 0.1) => new(LayerKind.BatchNorm) { Epsilon = epsilon, Momentum = momentum };
    public static RefLayer Dropout(double p) => new(LayerKind.Dropout) { P = p };
    public static RefLayer LeakyRelu(double slope = 0.01) => new(LayerKind.LeakyRelu) { Slope = slope };
    public static readonly RefLayer Relu = new(LayerKind.Relu), Sigmoid = new(LayerKind.Sigmoid), Tanh = new(LayerKind.Tanh),
        Gap = new(LayerKind.GlobalAvgPool);

    public RefLayer Named(string name) => this with { Name = name };
    public RefLayer Taking(string from) => this with { From = from };

    /// <summary>The attribute that declares this layer (batch norm's defaults left implicit, so they are read too).</summary>
    public string Attribute()
    {
        var args = new List<string>();
        string name;
        switch (Kind)
        {
            case LayerKind.Conv: name = "Conv"; args.AddRange([$"{A}", $"{Size}", $"Stride = {Stride}", $"Pad = {Pad}"]); break;
            case LayerKind.MaxPool or LayerKind.AvgPool: name = Kind.ToString(); args.AddRange([$"{Size}", $"Stride = {Stride}"]); break;
            case LayerKind.FullyConnected: name = "FullyConnected"; args.Add($"{A}"); break;
            case LayerKind.Add or LayerKind.Concat: name = Kind.ToString(); args.AddRange(Others.Select(Literal)); break;
            case LayerKind.Dropout: name = "Dropout"; args.Add(Real(P)); break;
            case LayerKind.LeakyRelu: name = "LeakyRelu"; if (Slope != 0.01) args.Add(Real(Slope)); break;
            case LayerKind.BatchNorm:
                name = "BatchNorm";
                if (Epsilon != 1e-5) args.Add($"Epsilon = {Real(Epsilon)}");
                if (Momentum != 0.1) args.Add($"Momentum = {Real(Momentum)}");
                break;
            default: name = Kind.ToString(); break;
        }
        if (Name is not null) args.Add($"Name = {Literal(Name)}");
        if (From is not null) args.Add($"From = {Literal(From)}");
        return args.Count == 0 ? $"[{name}]" : $"[{name}({string.Join(", ", args)})]";
    }

    private static string Literal(string s) => SymbolDisplay.FormatLiteral(s, quote: true);

    private static string Real(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public override string ToString() => Attribute();
}

/// <summary>One forward pass of the reference over a batch, and what its backward needs: the activations
/// (<c>Acts[n][v]</c>: sample n, value v = 0 for the input, i + 1 for layer i's output), the mode, the buffers after
/// the pass (running statistics updated in training), each batch norm layer's mean and inverse standard deviation per
/// channel, and the dropout masks it used.</summary>
public sealed class RefPass
{
    public required double[][][] Acts { get; init; }
    public required bool Training { get; init; }
    public required double[] Buffers { get; init; }
    public required (double[] Mean, double[] InvStd)?[] Stats { get; init; }
    public required Func<int, int, int, bool>? Keep { get; init; }

    /// <summary>The output of sample <paramref name="n"/>.</summary>
    public double[] Output(int n = 0) => Acts[n][^1];
}

public sealed class ReferenceNetwork
{
    /// <summary>What From, Add and Concat call the network input.</summary>
    public const string InputName = "input";

    public readonly (int C, int H, int W) Input;
    public readonly RefLayer[] Layers;
    /// <summary>Each layer's name: its own, or the kind's prefix and a running index per prefix.</summary>
    public readonly string[] Names;
    /// <summary>The values each layer reads: its input, then the volumes a merge names (0: the network input, i + 1: layer i).</summary>
    public readonly int[][] Inputs;
    /// <summary>Shapes[v] = shape of value v: [0] the input, [i + 1] the output of layer i; Shapes[^1] = the output.</summary>
    public readonly (int C, int H, int W)[] Shapes;
    public readonly int[] ParamOffsets, BufferOffsets;
    public readonly int ParameterCount, BufferCount;

    public ReferenceNetwork((int C, int H, int W) input, params RefLayer[] layers)
    {
        Input = input;
        Layers = layers;
        Names = new string[layers.Length];
        Inputs = new int[layers.Length][];
        Shapes = new (int, int, int)[layers.Length + 1];
        ParamOffsets = new int[layers.Length];
        BufferOffsets = new int[layers.Length];
        Shapes[0] = input;
        var counts = new Dictionary<string, int>();
        int offset = 0, buffers = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            var l = layers[i];
            string prefix = Prefix(l.Kind);
            counts[prefix] = counts.GetValueOrDefault(prefix) + 1;
            Names[i] = l.Name ?? prefix + counts[prefix];
            if (Names[i] == InputName || Array.IndexOf(Names, Names[i], 0, i) >= 0) throw new ArgumentException($"reference: name {Names[i]} taken");
            Inputs[i] = [Resolve(l.From, i), .. l.Others.Select(o => Resolve(o, i))];
            var ins = Inputs[i].Select(v => Shapes[v]).ToArray();
            var (c, h, w) = ins[0];
            ParamOffsets[i] = offset;
            BufferOffsets[i] = buffers;
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
                case LayerKind.Add:
                    if (ins[1] != ins[0]) throw new ArgumentException($"reference: cannot add {ins[1]} to {ins[0]}");
                    Shapes[i + 1] = ins[0];
                    break;
                case LayerKind.Concat:
                    if (ins.Any(s => (s.H, s.W) != (h, w))) throw new ArgumentException("reference: concat sides differ");
                    Shapes[i + 1] = (ins.Sum(s => s.C), h, w);
                    break;
                case LayerKind.BatchNorm:
                    Shapes[i + 1] = (c, h, w);
                    offset += 2 * c;
                    buffers += 2 * c + 1;
                    break;
                case LayerKind.GlobalAvgPool:
                    Shapes[i + 1] = (c, 1, 1);
                    break;
                case LayerKind.Relu or LayerKind.Sigmoid or LayerKind.Tanh or LayerKind.Dropout or LayerKind.LeakyRelu:
                    Shapes[i + 1] = (c, h, w);
                    break;
                default:
                    throw new ArgumentException($"reference: no shape rule for {l.Kind}");
            }
        }
        ParameterCount = offset;
        BufferCount = buffers;
    }

    /// <summary>Default names as docs/layers.md states them: conv1, pool1 (max and average pooling count together), fc1,
    /// relu1, add1, concat1, bn1, dropout1, gap1.</summary>
    private static string Prefix(LayerKind kind) => kind switch
    {
        LayerKind.Conv => "conv",
        LayerKind.MaxPool or LayerKind.AvgPool => "pool",
        LayerKind.FullyConnected => "fc",
        LayerKind.BatchNorm => "bn",
        LayerKind.GlobalAvgPool => "gap",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private int Resolve(string? name, int layer)
    {
        if (name is null) return layer;
        if (name == InputName) return 0;
        int j = Array.IndexOf(Names, name, 0, layer);
        return j >= 0 ? j + 1 : throw new ArgumentException($"reference: layer {layer} takes unknown or later layer '{name}'");
    }

    /// <summary>Output side (W - F + 2P) / S + 1, rounded down, where the remainder is only padding or the gap a stride
    /// larger than the window leaves (PyTorch's size); a remainder that would crop real pixels does not fit.</summary>
    private static int Side(int x, RefLayer l)
    {
        int span = x + 2 * l.Pad - l.Size;
        if (span < 0 || span % l.Stride > l.Pad + Math.Max(0, l.Stride - l.Size))
            throw new ArgumentException($"reference: layer {l} does not fit side {x}");
        return span / l.Stride + 1;
    }

    public static int Length((int C, int H, int W) s) => s.C * s.H * s.W;

    public int OutputLength => Length(Shapes[^1]);

    public bool Has(LayerKind kind) => Layers.Any(l => l.Kind == kind);

    /// <summary>The fewest values per channel a batch norm layer sees in a single-sample Forward (H x W), or int.MaxValue
    /// without batch norm. At 1 a training Forward cannot normalise.</summary>
    public int BatchNormPlane => Layers.Select((l, i) => l.Kind == LayerKind.BatchNorm ? Shapes[i + 1].H * Shapes[i + 1].W : int.MaxValue).DefaultIfEmpty(int.MaxValue).Min();

    /// <summary>Buffers as a new network starts: running mean 0, running variance 1, no batches tracked.</summary>
    public double[] InitialBuffers()
    {
        var b = new double[BufferCount];
        for (int i = 0; i < Layers.Length; i++)
            if (Layers[i].Kind == LayerKind.BatchNorm)
                Array.Fill(b, 1.0, BufferOffsets[i] + Shapes[i + 1].C, Shapes[i + 1].C);
        return b;
    }

    public static double[] D(ReadOnlySpan<float> values)
    {
        var d = new double[values.Length];
        for (int i = 0; i < d.Length; i++) d[i] = values[i];
        return d;
    }

    /// <summary>One sample in evaluation mode from the initial buffers: activations [0] = input, [i + 1] = layer i's output.</summary>
    public double[][] Forward(float[] parameters, float[] input) => ForwardDouble(D(parameters), D(input));

    /// <summary><see cref="Forward(float[], float[])"/> with double parameters and input, for finite differences.</summary>
    public double[][] ForwardDouble(double[] parameters, double[] input) => Run(parameters, InitialBuffers(), [input]).Acts[0];

    /// <summary>One sample in evaluation mode: dInput and the parameter gradient for the pass that gave <paramref name="acts"/>.</summary>
    public (double[] DInput, double[] DParams) Backward(float[] parameters, double[][] acts, double[] dOutput)
    {
        var p = D(parameters);
        var (dInputs, dParams) = Backward(p, Run(p, InitialBuffers(), [acts[0]]), [dOutput]);
        return (dInputs[0], dParams);
    }

    /// <summary>A forward pass over <paramref name="inputs"/> (one array per sample). <paramref name="buffers"/> is not
    /// changed; the pass's copy is. In training, batch norm uses the statistics of the whole batch and dropout layer i
    /// keeps element e of sample n where <paramref name="keep"/>(i, n, e).</summary>
    public RefPass Run(double[] p, double[] buffers, double[][] inputs, bool training = false, Func<int, int, int, bool>? keep = null)
    {
        int batch = inputs.Length;
        var acts = new double[batch][][];
        for (int n = 0; n < batch; n++)
        {
            if (inputs[n].Length != Length(Input)) throw new ArgumentException("reference: input length");
            acts[n] = new double[Layers.Length + 1][];
            acts[n][0] = inputs[n];
        }
        var b = (double[])buffers.Clone();
        var stats = new (double[], double[])?[Layers.Length];
        for (int i = 0; i < Layers.Length; i++)
        {
            if (Layers[i].Kind == LayerKind.BatchNorm)
            {
                stats[i] = BatchNormStatistics(i, acts, b, training);
                var (mean, invStd) = stats[i]!.Value;
                var (c, h, w) = Shapes[i + 1];
                int off = ParamOffsets[i];
                for (int n = 0; n < batch; n++)
                {
                    var x = acts[n][Inputs[i][0]];
                    var y = acts[n][i + 1] = new double[x.Length];
                    for (int ci = 0; ci < c; ci++)
                        for (int k = ci * h * w; k < (ci + 1) * h * w; k++)
                            y[k] = (x[k] - mean[ci]) * invStd[ci] * p[off + ci] + p[off + c + ci];
                }
                continue;
            }
            if (Layers[i].Kind == LayerKind.Dropout && training && keep is null) throw new ArgumentException("reference: training dropout needs masks");
            for (int n = 0; n < batch; n++)
                acts[n][i + 1] = LayerForward(i, n, p, Inputs[i].Select(v => acts[n][v]).ToArray(), training, keep);
        }
        return new RefPass { Acts = acts, Training = training, Buffers = b, Stats = stats, Keep = keep };
    }

    /// <summary>Per channel, mean and 1 / sqrt(var + eps): in training over every sample's H x W values (biased
    /// variance), updating the running statistics with the unbiased variance and counting the batch; else the running ones.</summary>
    private (double[] Mean, double[] InvStd) BatchNormStatistics(int i, double[][][] acts, double[] buffers, bool training)
    {
        var l = Layers[i];
        var (c, h, w) = Shapes[i + 1];
        int rm = BufferOffsets[i], rv = rm + c, count = acts.Length * h * w;
        var mean = new double[c];
        var invStd = new double[c];
        if (training && count == 1) throw new InvalidOperationException("reference: one value per channel");
        for (int ci = 0; ci < c; ci++)
        {
            if (!training)
            {
                mean[ci] = buffers[rm + ci];
                invStd[ci] = 1 / Math.Sqrt(buffers[rv + ci] + l.Epsilon);
                continue;
            }
            var values = acts.SelectMany(a => a[Inputs[i][0]].Skip(ci * h * w).Take(h * w)).ToArray();
            double m = values.Average();
            double squares = values.Sum(x => (x - m) * (x - m));
            mean[ci] = m;
            invStd[ci] = 1 / Math.Sqrt(squares / count + l.Epsilon);
            buffers[rm + ci] = (1 - l.Momentum) * buffers[rm + ci] + l.Momentum * m;
            buffers[rv + ci] = (1 - l.Momentum) * buffers[rv + ci] + l.Momentum * squares / (count - 1);
        }
        if (training) buffers[rv + c] += 1;
        return (mean, invStd);
    }

    private double[] LayerForward(int i, int sample, double[] p, double[][] xs, bool training, Func<int, int, int, bool>? keep)
    {
        var l = Layers[i];
        var x = xs[0];
        var (c, h, w) = Shapes[Inputs[i][0]];
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
                        sum += p[off + ((f * c + ci) * l.Size + ky) * l.Size + kx] * Padded(x, h, w, ci, oy * l.Stride + ky - l.Pad, ox * l.Stride + kx - l.Pad);
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
            case LayerKind.LeakyRelu:
                // The slope as the layer holds it, a float.
                for (int k = 0; k < x.Length; k++) y[k] = x[k] > 0 ? x[k] : (float)l.Slope * x[k];
                break;
            case LayerKind.Add:
                for (int k = 0; k < x.Length; k++) y[k] = x[k] + xs[1][k];
                break;
            case LayerKind.Concat:
                int at = 0;
                foreach (var part in xs)
                {
                    part.CopyTo(y, at);
                    at += part.Length;
                }
                break;
            case LayerKind.Dropout:
                for (int k = 0; k < x.Length; k++) y[k] = !training ? x[k] : keep!(i, sample, k) ? x[k] / (1 - l.P) : 0;
                break;
            case LayerKind.GlobalAvgPool:
                for (int ci = 0; ci < c; ci++) y[ci] = x.Skip(ci * h * w).Take(h * w).Average();
                break;
            default:
                throw new ArgumentException($"reference: no forward for {l.Kind}");
        }
        return y;
    }

    private static double Padded(double[] x, int h, int w, int ci, int iy, int ix) =>
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

    /// <summary>Backpropagates <paramref name="dOutputs"/> (one per sample) through <paramref name="pass"/>, in its mode;
    /// a value read by several layers gets the sum of their gradients. Returns dInput per sample and the parameter
    /// gradient summed over the batch (PyTorch layout).</summary>
    public (double[][] DInputs, double[] DParams) Backward(double[] p, RefPass pass, double[][] dOutputs)
    {
        int batch = pass.Acts.Length;
        var dp = new double[ParameterCount];
        var deltas = new double[batch][][];
        for (int n = 0; n < batch; n++)
        {
            deltas[n] = Shapes.Select(s => new double[Length(s)]).ToArray();
            dOutputs[n].CopyTo(deltas[n][^1], 0);
        }
        for (int i = Layers.Length - 1; i >= 0; i--)
        {
            if (Layers[i].Kind == LayerKind.BatchNorm)
            {
                BatchNormBackward(i, p, pass, deltas, dp);
                continue;
            }
            for (int n = 0; n < batch; n++)
                LayerBackward(i, n, p, pass, deltas[n], dp);
        }
        return (deltas.Select(d => d[0]).ToArray(), dp);
    }

    /// <summary>dWeight = sum(dy * xhat), dBias = sum(dy) over the batch; dx = w * invstd * dy in evaluation, and in training
    /// w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)), the means over every value of the channel in the batch.</summary>
    private void BatchNormBackward(int i, double[] p, RefPass pass, double[][][] deltas, double[] dp)
    {
        var (c, h, w) = Shapes[i + 1];
        var (mean, invStd) = pass.Stats[i]!.Value;
        int off = ParamOffsets[i], v = Inputs[i][0], count = pass.Acts.Length * h * w;
        for (int ci = 0; ci < c; ci++)
        {
            double dySum = 0, dyXhat = 0;
            for (int n = 0; n < pass.Acts.Length; n++)
                for (int k = ci * h * w; k < (ci + 1) * h * w; k++)
                {
                    double g = deltas[n][i + 1][k];
                    dySum += g;
                    dyXhat += g * (pass.Acts[n][v][k] - mean[ci]) * invStd[ci];
                }
            dp[off + ci] += dyXhat;
            dp[off + c + ci] += dySum;
            double scale = p[off + ci] * invStd[ci];
            for (int n = 0; n < pass.Acts.Length; n++)
                for (int k = ci * h * w; k < (ci + 1) * h * w; k++)
                {
                    double g = deltas[n][i + 1][k];
                    if (pass.Training)
                        g -= dySum / count + (pass.Acts[n][v][k] - mean[ci]) * invStd[ci] * dyXhat / count;
                    deltas[n][v][k] += scale * g;
                }
        }
    }

    private void LayerBackward(int i, int sample, double[] p, RefPass pass, double[][] deltas, double[] dp)
    {
        var l = Layers[i];
        var acts = pass.Acts[sample];
        int v = Inputs[i][0];
        var x = acts[v];
        var y = acts[i + 1];
        var dy = deltas[i + 1];
        var dx = deltas[v];
        var (c, h, w) = Shapes[v];
        var (oc, oh, ow) = Shapes[i + 1];
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
                for (int k = 0; k < x.Length; k++) dx[k] += x[k] > 0 ? dy[k] : 0;
                break;
            case LayerKind.Sigmoid:
                for (int k = 0; k < x.Length; k++) dx[k] += dy[k] * y[k] * (1 - y[k]);
                break;
            case LayerKind.Tanh:
                for (int k = 0; k < x.Length; k++) dx[k] += dy[k] * (1 - y[k] * y[k]);
                break;
            case LayerKind.LeakyRelu:
                for (int k = 0; k < x.Length; k++) dx[k] += x[k] > 0 ? dy[k] : (float)l.Slope * dy[k];
                break;
            case LayerKind.Add:
                foreach (int input in Inputs[i])
                    for (int k = 0; k < dy.Length; k++) deltas[input][k] += dy[k];
                break;
            case LayerKind.Concat:
                int at = 0;
                foreach (int input in Inputs[i])
                {
                    var d = deltas[input];
                    for (int k = 0; k < d.Length; k++) d[k] += dy[at + k];
                    at += d.Length;
                }
                break;
            case LayerKind.Dropout:
                for (int k = 0; k < x.Length; k++) dx[k] += !pass.Training ? dy[k] : pass.Keep!(i, sample, k) ? dy[k] / (1 - l.P) : 0;
                break;
            case LayerKind.GlobalAvgPool:
                for (int ci = 0; ci < c; ci++)
                    for (int k = ci * h * w; k < (ci + 1) * h * w; k++) dx[k] += dy[ci] / (h * w);
                break;
            default:
                throw new ArgumentException($"reference: no backward for {l.Kind}");
        }
    }

    /// <summary>Layers whose output no layer reads, other than the last (the network's output): dead branches.</summary>
    public bool HasDeadBranch => Enumerable.Range(1, Math.Max(0, Layers.Length - 1)).Any(v => !Inputs.Any(ins => ins.Contains(v)));

    /// <summary>The source of a network class declaring these layers; a dead branch's warning (CNN016) is silenced, as a
    /// user who means it would.</summary>
    public string Source(string className, string? ns = "Numerics")
    {
        string silence = HasDeadBranch ? "#pragma warning disable CNN016\n" : "";
        return (ns is null ? "" : $"namespace {ns} {{\n") + "using ConvNet;\n" + silence +
            $"[Input({Input.C}, {Input.H}, {Input.W})]\n" + string.Concat(Layers.Select(l => l.Attribute() + "\n")) +
            $"public partial class {className} {{ }}\n" + (silence.Length > 0 ? "#pragma warning restore CNN016\n" : "") + (ns is null ? "" : "}\n");
    }
}
