using System;
using System.Collections.Generic;

namespace ConvNet.Runtime.Tests;

/// <summary>
/// A hand-written INetwork with the parameter layout a generated network would have (conv 1x6x6 -> 2x4x4 with 3x3
/// filters, ReLU, FC 32 -> 3: 20 + 99 parameters), for testing weight I/O without the generator.
/// </summary>
internal sealed class TinyNetwork : INetwork
{
    private static readonly Shape s_conv = new(2, 4, 4);
    private static readonly Shape s_scores = new(3, 1, 1);

    public TinyNetwork() : this(
    [
        new LayerInfo("conv1", LayerKind.Conv, new Shape(1, 6, 6), s_conv, 3, 1, 0, 0, 20),
        new LayerInfo("relu1", LayerKind.Relu, s_conv, s_conv, 0, 0, 0, 20, 0),
        new LayerInfo("fc2", LayerKind.FullyConnected, s_conv, s_scores, 0, 0, 0, 20, 99),
    ], parameters: 119, buffers: 0)
    {
    }

    internal TinyNetwork(LayerInfo[] layers, int parameters, int buffers)
    {
        Layers = layers;
        Parameters = new float[parameters];
        Gradients = new float[parameters];
        Buffers = new float[buffers];
    }

    /// <summary>The same with batch norm after the conv (bn1: 2 channels) and after the FC (bn2: BatchNorm1d on 3):
    /// parameters conv1 [0, 20), bn1 [20, 24), fc2 [24, 123), bn2 [123, 129); buffers bn1 [0, 5), bn2 [5, 12), each
    /// running_mean, running_var, num_batches_tracked.</summary>
    public static TinyNetwork WithBatchNorm() => new(
    [
        new LayerInfo("conv1", LayerKind.Conv, new Shape(1, 6, 6), s_conv, 3, 1, 0, 0, 20),
        new LayerInfo("bn1", LayerKind.BatchNorm, s_conv, s_conv, 0, 0, 0, 20, 4) { BufferOffset = 0, Epsilon = 1e-5, Momentum = 0.1 },
        new LayerInfo("relu1", LayerKind.Relu, s_conv, s_conv, 0, 0, 0, 24, 0),
        new LayerInfo("fc2", LayerKind.FullyConnected, s_conv, s_scores, 0, 0, 0, 24, 99),
        new LayerInfo("bn2", LayerKind.BatchNorm, s_scores, s_scores, 0, 0, 0, 123, 6) { BufferOffset = 5, Epsilon = 1e-5, Momentum = 0.1 },
    ], parameters: 129, buffers: 12);

    /// <summary>A network whose parameters are 0.5, 1.5, 2.5, ... so every tensor's content is recognisable.</summary>
    public static TinyNetwork WithRamp(float start = 0.5f) => Ramp(new TinyNetwork(), start);

    /// <summary><see cref="WithBatchNorm"/> with parameters <paramref name="start"/> + i, running statistics
    /// -100.25 - i, and batch counts 7 and 2^40 (beyond int, still exact in float).</summary>
    public static TinyNetwork WithBatchNormRamp(float start = 0.5f)
    {
        var network = Ramp(WithBatchNorm(), start);
        for (int i = 0; i < network.Buffers.Length; i++) network.Buffers[i] = -100.25f - i;
        network.Buffers[4] = 7;
        network.Buffers[11] = 1L << 40;
        return network;
    }

    private static TinyNetwork Ramp(TinyNetwork network, float start)
    {
        for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] = start + i;
        return network;
    }

    public Shape InputShape => new(1, 6, 6);
    public int InputLength => 36;
    public int OutputLength => 3;
    public IReadOnlyList<LayerInfo> Layers { get; }
    public float[] Parameters { get; }
    public float[] Gradients { get; }
    public float[] Buffers { get; }
    public bool Training { get; set; }
    public int MaxDegreeOfParallelism { get; set; } = 1;

    public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
    public void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotSupportedException();
    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => throw new NotSupportedException();
    public void Backward(ReadOnlySpan<float> outputGradients, Span<float> inputGradients, int batchSize) => throw new NotSupportedException();
    public void Backward(int layer, ReadOnlySpan<float> layerOutputGradient, Span<float> inputGradient) => throw new NotSupportedException();
    public void Backward(int layer, ReadOnlySpan<float> layerOutputGradients, Span<float> inputGradients, int batchSize) => throw new NotSupportedException();
    public void ZeroGradients() => Array.Clear(Gradients);
    public ReadOnlySpan<float> LayerOutput(int layer) => throw new NotSupportedException();
}
