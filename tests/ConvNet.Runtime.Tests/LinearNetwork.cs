using System;
using System.Collections.Generic;

namespace ConvNet.Runtime.Tests;

/// <summary>
/// A hand-written one-layer network (FC, <c>inputs</c> -> <c>classes</c>: softmax regression when trained with
/// cross-entropy), for testing the training loop and the inference helpers without the generator. Backward exists for
/// batches only; a single-sample Forward is a batch of one. Steady-state calls allocate nothing.
/// </summary>
internal sealed class LinearNetwork : INetwork
{
    private float[] _lastInputs = [];

    public LinearNetwork(int inputs, int classes)
    {
        InputShape = new Shape(inputs, 1, 1);
        Layers = [new LayerInfo("fc1", LayerKind.FullyConnected, InputShape, new Shape(classes, 1, 1), 0, 0, 0, 0, classes * (inputs + 1))];
        Parameters = new float[classes * (inputs + 1)];
        Gradients = new float[Parameters.Length];
    }

    public Shape InputShape { get; }
    public int InputLength => InputShape.Length;
    public int OutputLength => Layers[0].Output.Length;
    public IReadOnlyList<LayerInfo> Layers { get; init; }
    public float[] Parameters { get; }
    public float[] Gradients { get; }
    public float[] Buffers { get; } = [];
    public bool Training { get; set; }
    public int MaxDegreeOfParallelism { get; set; } = 1;

    private ReadOnlySpan<float> Weight => Parameters.AsSpan(0, OutputLength * InputLength);
    private ReadOnlySpan<float> Bias => Parameters.AsSpan(OutputLength * InputLength);

    public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        Guard.BatchLength(inputs.Length, batchSize, InputLength, nameof(inputs));
        Guard.BatchLength(outputs.Length, batchSize, OutputLength, nameof(outputs));
        if (_lastInputs.Length < inputs.Length) _lastInputs = new float[inputs.Length];
        inputs.CopyTo(_lastInputs);
        for (int n = 0; n < batchSize; n++)
            for (int o = 0; o < OutputLength; o++)
            {
                float acc = Bias[o];
                for (int i = 0; i < InputLength; i++) acc += Weight[o * InputLength + i] * inputs[n * InputLength + i];
                outputs[n * OutputLength + o] = acc;
            }
    }

    public void Backward(ReadOnlySpan<float> outputGradients, Span<float> inputGradients, int batchSize)
    {
        Guard.BatchLength(outputGradients.Length, batchSize, OutputLength, nameof(outputGradients));
        if (!inputGradients.IsEmpty) throw new NotSupportedException("The training loop never asks for input gradients.");
        var dWeight = Gradients.AsSpan(0, OutputLength * InputLength);
        var dBias = Gradients.AsSpan(OutputLength * InputLength);
        for (int n = 0; n < batchSize; n++)
            for (int o = 0; o < OutputLength; o++)
            {
                float d = outputGradients[n * OutputLength + o];
                dBias[o] += d;
                for (int i = 0; i < InputLength; i++) dWeight[o * InputLength + i] += d * _lastInputs[n * InputLength + i];
            }
    }

    public void Backward(int layer, ReadOnlySpan<float> layerOutputGradient, Span<float> inputGradient) => throw new NotSupportedException();
    public void Backward(int layer, ReadOnlySpan<float> layerOutputGradients, Span<float> inputGradients, int batchSize) => throw new NotSupportedException();
    public void ZeroGradients() => Array.Clear(Gradients);

    public void Forward(ReadOnlySpan<float> input, Span<float> output) => Forward(input, output, 1);
    public void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient) => throw new NotSupportedException();
    public ReadOnlySpan<float> LayerOutput(int layer) => throw new NotSupportedException();
}
