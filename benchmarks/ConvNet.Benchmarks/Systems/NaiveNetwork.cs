using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using ConvNet;

namespace ConvNet.Benchmarks;

/// <summary>
/// The baseline: the textbook loops any C# programmer would write first, interpreting a layer table at run time.
/// Scalar, no unrolling, bounds checks left in, padding tested per tap. Shares no code with the generator, so it is
/// also the independent check that the generated network computes what it should.
/// </summary>
internal sealed class NaiveNetwork
{
    private readonly IReadOnlyList<LayerInfo> _layers;
    private readonly float[] _p;

    /// <exception cref="NotSupportedException">The network has a layer kind the baseline does not implement, or is not a chain.</exception>
    public NaiveNetwork(INetwork source)
    {
        string previous = "input";
        foreach (var l in source.Layers)
        {
            if (l.Kind is not (LayerKind.Conv or LayerKind.MaxPool or LayerKind.AvgPool or LayerKind.FullyConnected
                or LayerKind.Relu or LayerKind.Sigmoid or LayerKind.Tanh) || l.Inputs.Count != 1 || l.Inputs[0] != previous)
                throw new NotSupportedException($"The naive baseline runs chains of conv, pool, FC and activation layers; '{l.Name}' is a {l.Kind} layer on {string.Join(", ", l.Inputs)}.");
            previous = l.Name;
        }
        _layers = source.Layers;
        _p = (float[])source.Parameters.Clone();
        foreach (var l in _layers) MaxActivation = Math.Max(MaxActivation, Math.Max(l.Input.Length, l.Output.Length));
    }

    /// <summary>Floats each of the two scratch buffers passed to <see cref="Forward"/> must hold.</summary>
    public int MaxActivation { get; }

    public void Forward(ReadOnlySpan<float> input, Span<float> output, float[] a, float[] b)
    {
        input.CopyTo(a);
        foreach (var l in _layers)
        {
            switch (l.Kind)
            {
                case LayerKind.Conv: Conv(l, a, b); break;
                case LayerKind.MaxPool: MaxPool(l, a, b); break;
                case LayerKind.AvgPool: AvgPool(l, a, b); break;
                case LayerKind.FullyConnected: FullyConnected(l, a, b); break;
                case LayerKind.Relu: for (int i = 0; i < l.Output.Length; i++) b[i] = Math.Max(a[i], 0f); break;
                case LayerKind.Sigmoid: for (int i = 0; i < l.Output.Length; i++) b[i] = 1f / (1f + MathF.Exp(-a[i])); break;
                case LayerKind.Tanh: for (int i = 0; i < l.Output.Length; i++) b[i] = MathF.Tanh(a[i]); break;
            }
            (a, b) = (b, a);
        }
        a.AsSpan(0, output.Length).CopyTo(output);
    }

    private void Conv(LayerInfo l, float[] input, float[] output)
    {
        int c = l.Input.Channels, h = l.Input.Height, w = l.Input.Width, k = l.Size;
        int weights = l.Tensors[0].Offset, biases = l.Tensors[1].Offset;
        for (int f = 0; f < l.Output.Channels; f++)
            for (int oy = 0; oy < l.Output.Height; oy++)
                for (int ox = 0; ox < l.Output.Width; ox++)
                {
                    float sum = _p[biases + f];
                    for (int ch = 0; ch < c; ch++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                            {
                                int iy = oy * l.Stride - l.Pad + ky, ix = ox * l.Stride - l.Pad + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                sum += _p[weights + ((f * c + ch) * k + ky) * k + kx] * input[(ch * h + iy) * w + ix];
                            }
                    output[(f * l.Output.Height + oy) * l.Output.Width + ox] = sum;
                }
    }

    private static void MaxPool(LayerInfo l, float[] input, float[] output)
    {
        int h = l.Input.Height, w = l.Input.Width;
        for (int ch = 0; ch < l.Output.Channels; ch++)
            for (int oy = 0; oy < l.Output.Height; oy++)
                for (int ox = 0; ox < l.Output.Width; ox++)
                {
                    float max = float.NegativeInfinity;
                    for (int ky = 0; ky < l.Size; ky++)
                        for (int kx = 0; kx < l.Size; kx++)
                            max = Math.Max(max, input[(ch * h + oy * l.Stride + ky) * w + ox * l.Stride + kx]);
                    output[(ch * l.Output.Height + oy) * l.Output.Width + ox] = max;
                }
    }

    private static void AvgPool(LayerInfo l, float[] input, float[] output)
    {
        int h = l.Input.Height, w = l.Input.Width;
        for (int ch = 0; ch < l.Output.Channels; ch++)
            for (int oy = 0; oy < l.Output.Height; oy++)
                for (int ox = 0; ox < l.Output.Width; ox++)
                {
                    float sum = 0f;
                    for (int ky = 0; ky < l.Size; ky++)
                        for (int kx = 0; kx < l.Size; kx++)
                            sum += input[(ch * h + oy * l.Stride + ky) * w + ox * l.Stride + kx];
                    output[(ch * l.Output.Height + oy) * l.Output.Width + ox] = sum / (l.Size * l.Size);
                }
    }

    private void FullyConnected(LayerInfo l, float[] input, float[] output)
    {
        int n = l.Input.Length, weights = l.Tensors[0].Offset, biases = l.Tensors[1].Offset;
        for (int o = 0; o < l.Output.Length; o++)
        {
            float sum = _p[biases + o];
            for (int i = 0; i < n; i++) sum += _p[weights + o * n + i] * input[i];
            output[o] = sum;
        }
    }
}

/// <summary>The baseline over a batch: samples split evenly over the threads, one pair of scratch buffers per thread.</summary>
internal sealed class NaiveInference : IInference
{
    private readonly NaiveNetwork _net;
    private readonly float[] _inputs, _scores;
    private readonly float[][] _scratch;
    private readonly int _batch, _threads, _inLength, _outLength;

    public NaiveInference(Workload w)
    {
        _net = new NaiveNetwork(w.Prototype);
        _inputs = w.Inputs;
        _batch = w.BatchSize;
        _threads = Math.Min(w.Threads, w.BatchSize);
        _inLength = w.Prototype.InputLength;
        _outLength = w.Prototype.OutputLength;
        _scores = new float[_batch * _outLength];
        _scratch = new float[2 * _threads][];
        for (int i = 0; i < _scratch.Length; i++) _scratch[i] = new float[_net.MaxActivation];
    }

    public void Run()
    {
        if (_threads == 1) Samples(0);
        else Parallel.For(0, _threads, new ParallelOptions { MaxDegreeOfParallelism = _threads }, Samples);
    }

    private void Samples(int t)
    {
        for (int n = t * _batch / _threads; n < (t + 1) * _batch / _threads; n++)
            _net.Forward(_inputs.AsSpan(n * _inLength, _inLength), _scores.AsSpan(n * _outLength, _outLength), _scratch[2 * t], _scratch[2 * t + 1]);
    }

    public float[] Scores() => (float[])_scores.Clone();

    public void Dispose() { }
}
