using System;
using System.Collections.Generic;

namespace ConvNet.Runtime.Tests;

/// <summary>
/// A hand-written INetwork with the parameter layout a generated network would have (conv 1x6x6 -> 2x4x4 with 3x3
/// filters, ReLU, FC 32 -> 3: 20 + 99 parameters), for testing weight I/O without the generator.
/// </summary>
internal sealed class TinyNetwork : INetwork
{
    public TinyNetwork()
    {
        var conv = new Shape(2, 4, 4);
        Layers =
        [
            new LayerInfo("conv1", LayerKind.Conv, new Shape(1, 6, 6), conv, 3, 1, 0, 0, 20),
            new LayerInfo("relu1", LayerKind.Relu, conv, conv, 0, 0, 0, 20, 0),
            new LayerInfo("fc2", LayerKind.FullyConnected, conv, new Shape(3, 1, 1), 0, 0, 0, 20, 99),
        ];
        Parameters = new float[119];
        Gradients = new float[119];
    }

    /// <summary>A network whose parameters are 0.5, 1.5, 2.5, ... so every tensor's content is recognisable.</summary>
    public static TinyNetwork WithRamp(float start = 0.5f)
    {
        var network = new TinyNetwork();
        for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] = start + i;
        return network;
    }

    public Shape InputShape => new(1, 6, 6);
    public int InputLength => 36;
    public int OutputLength => 3;
    public IReadOnlyList<LayerInfo> Layers { get; }
    public float[] Parameters { get; }
    public float[] Gradients { get; }
    public float[] Buffers { get; } = [];
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
