using System;
using System.Collections.Generic;

namespace ConvNet;

/// <summary>The kinds of layer a network can declare.</summary>
public enum LayerKind
{
    /// <summary>2-D convolution (<see cref="ConvAttribute"/>).</summary>
    Conv,
    /// <summary>Max pooling (<see cref="MaxPoolAttribute"/>).</summary>
    MaxPool,
    /// <summary>Average pooling (<see cref="AvgPoolAttribute"/>).</summary>
    AvgPool,
    /// <summary>Fully connected (<see cref="FullyConnectedAttribute"/>).</summary>
    FullyConnected,
    /// <summary>ReLU (<see cref="ReluAttribute"/>).</summary>
    Relu,
    /// <summary>Sigmoid (<see cref="SigmoidAttribute"/>).</summary>
    Sigmoid,
    /// <summary>Tanh (<see cref="TanhAttribute"/>).</summary>
    Tanh,
}

/// <summary>A volume's shape: channels (depth), height, width. Data is stored CHW, row-major.</summary>
public readonly record struct Shape(int Channels, int Height, int Width)
{
    /// <summary>Number of elements, C*H*W.</summary>
    public int Length => Channels * Height * Width;

    /// <summary>Formats as <c>CxHxW</c>, e.g. <c>3x32x32</c>.</summary>
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}

/// <summary>One named parameter tensor inside a network's flat <c>Parameters</c> buffer, in PyTorch layout.</summary>
/// <param name="Name">PyTorch-style name, e.g. <c>conv1.weight</c>.</param>
/// <param name="Dimensions">PyTorch shape, e.g. [F, C, K, K] for a conv weight, [out, in] for an FC weight.</param>
/// <param name="Offset">First element in the flat buffer.</param>
/// <param name="Length">Number of elements (the product of <paramref name="Dimensions"/>).</param>
public sealed record ParameterTensor(string Name, IReadOnlyList<int> Dimensions, int Offset, int Length);

/// <summary>One layer of a compiled network, as the generator laid it out.</summary>
/// <param name="Name">Layer name (<c>conv1</c>, or the attribute's <c>Name</c>).</param>
/// <param name="Kind">Layer kind.</param>
/// <param name="Input">Input volume shape.</param>
/// <param name="Output">Output volume shape (FC: outputs x 1 x 1).</param>
/// <param name="Size">Filter or window side; 0 for FC and activations.</param>
/// <param name="Stride">Stride; 0 for FC and activations.</param>
/// <param name="Pad">Zero padding on each side (conv only).</param>
/// <param name="ParameterOffset">Offset of the layer's first parameter in the flat buffer.</param>
/// <param name="ParameterCount">Weights plus biases; 0 for layers without parameters.</param>
public sealed record LayerInfo(
    string Name, LayerKind Kind, Shape Input, Shape Output, int Size, int Stride, int Pad,
    int ParameterOffset, int ParameterCount)
{
    /// <summary>The layer's parameter tensors: <c>weight</c> then <c>bias</c>, or none.</summary>
    public IReadOnlyList<ParameterTensor> Tensors { get; } = MakeTensors(Name, Kind, Input, Output, Size, ParameterOffset);

    private static ParameterTensor[] MakeTensors(string name, LayerKind kind, Shape input, Shape output, int size, int offset)
    {
        int[]? weight = kind switch
        {
            LayerKind.Conv => [output.Channels, input.Channels, size, size],
            LayerKind.FullyConnected => [output.Channels, input.Length],
            _ => null,
        };
        if (weight is null) return [];
        int weightLength = 1;
        foreach (int d in weight) weightLength *= d;
        return
        [
            new ParameterTensor(name + ".weight", weight, offset, weightLength),
            new ParameterTensor(name + ".bias", [output.Channels], offset + weightLength, output.Channels),
        ];
    }
}

/// <summary>
/// What every generated network class implements, so that tools (losses, optimizers, weight files,
/// export, training loops) can work with any network.
/// </summary>
/// <remarks>One instance is not thread-safe: it keeps the activations of its last Forward. Use one instance per thread.</remarks>
public interface INetwork
{
    /// <summary>Shape of one input sample (CHW).</summary>
    Shape InputShape { get; }
    /// <summary>Floats in one input sample.</summary>
    int InputLength { get; }
    /// <summary>Floats in one output (score) vector.</summary>
    int OutputLength { get; }
    /// <summary>The layers in order, with shapes and parameter offsets.</summary>
    IReadOnlyList<LayerInfo> Layers { get; }
    /// <summary>All parameters in one flat buffer: layers in declaration order, PyTorch layouts.</summary>
    float[] Parameters { get; }
    /// <summary>Gradients, same layout as <see cref="Parameters"/>; Backward adds into it.</summary>
    float[] Gradients { get; }
    /// <summary>Threads the batch methods may use. Default: <see cref="Environment.ProcessorCount"/>. A batch call uses
    /// <see cref="WorkerPool.Workers"/>(this, batch size) workers: never more than the batch size, the machine's cores
    /// or <see cref="WorkerPool.MaxThreads"/>, so a larger value (even <see cref="int.MaxValue"/>) means "all cores".</summary>
    int MaxDegreeOfParallelism { get; set; }

    /// <summary>Computes raw scores (no softmax) for one sample and keeps the activations for Backward.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    /// <summary>Backpropagates through the last single-sample Forward; adds parameter gradients into <see cref="Gradients"/>
    /// and writes dL/dinput unless <paramref name="inputGradient"/> is empty.</summary>
    void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient);
    /// <summary>Forward for <paramref name="batchSize"/> samples stored one after the other (NCHW), on up to
    /// <see cref="MaxDegreeOfParallelism"/> threads.</summary>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);
    /// <summary>Backward through the last batch Forward (same batch size); gradients are summed over the batch into
    /// <see cref="Gradients"/>, and dL/dinputs are written unless <paramref name="inputGradients"/> is empty.</summary>
    void Backward(ReadOnlySpan<float> outputGradients, Span<float> inputGradients, int batchSize);
    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();
    /// <summary>The output of layer <paramref name="layer"/> (index into <see cref="Layers"/>) from the last single-sample Forward.</summary>
    ReadOnlySpan<float> LayerOutput(int layer);
}
