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
    /// <summary>Elementwise sum of two volumes (<see cref="AddAttribute"/>).</summary>
    Add,
    /// <summary>Channel concatenation (<see cref="ConcatAttribute"/>).</summary>
    Concat,
    /// <summary>Batch normalisation (<see cref="BatchNormAttribute"/>).</summary>
    BatchNorm,
    /// <summary>Inverted dropout (<see cref="DropoutAttribute"/>).</summary>
    Dropout,
    /// <summary>Global average pooling (<see cref="GlobalAvgPoolAttribute"/>).</summary>
    GlobalAvgPool,
    /// <summary>Leaky ReLU (<see cref="LeakyReluAttribute"/>).</summary>
    LeakyRelu,
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
public sealed record ParameterTensor(string Name, IReadOnlyList<int> Dimensions, int Offset, int Length)
{
    /// <summary>True for a count kept as a float but stored in weight files as a 64-bit integer (a batch norm layer's
    /// <c>num_batches_tracked</c>, as in PyTorch).</summary>
    public bool IsCount { get; init; }

    /// <summary>How <see cref="Initializers.Initialize"/> fills the tensor; zeros unless set.</summary>
    public TensorInit Init { get; init; }
}

/// <summary>One layer of a compiled network, as the generator laid it out.</summary>
/// <remarks>Generated networks describe each layer whole: its <see cref="Tensors"/> and <see cref="BufferTensors"/>
/// (names, layouts, offsets, initialisers), its <see cref="Onnx"/> node, and what initialisation, training and
/// checkpoints need to know of it (<see cref="AutoInit"/>, <see cref="UsesBatchStatistics"/>, <see cref="IsStochastic"/>),
/// so the library's tools read these and never the kind. A layer made with only the constructor (a hand-written
/// <see cref="INetwork"/>) gets, for each of those it is not given, the built-in rule of its kind, computed from its
/// arguments (and <see cref="BufferOffset"/>, <see cref="Epsilon"/>, <see cref="Momentum"/>) when read: the tensors and
/// nodes generated networks of the same layers describe. Kinds after <see cref="LayerKind.GlobalAvgPool"/> have no
/// built-in rule: reading an undescribed one throws <see cref="NotSupportedException"/>.</remarks>
/// <param name="Name">Layer name (<c>conv1</c>, or the attribute's <c>Name</c>).</param>
/// <param name="Kind">Layer kind.</param>
/// <param name="Input">Input volume shape (of the first input, for a layer with several).</param>
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
    /// <summary>The names of the layers whose outputs this layer reads, in order (<c>"input"</c> for the network input).
    /// One name for most layers; two for Add; one per concatenated volume for Concat.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Offset of the layer's first buffer (running statistics) in <see cref="INetwork.Buffers"/>.</summary>
    public int BufferOffset { get; init; }

    /// <summary>Batch norm: the epsilon added to the variance; 0 for other kinds.</summary>
    public double Epsilon { get; init; }

    /// <summary>Batch norm: the momentum of the running statistics; 0 for other kinds.</summary>
    public double Momentum { get; init; }

    /// <summary>Dropout: the drop probability; 0 for other kinds.</summary>
    public double Probability { get; init; }

    /// <summary>Leaky ReLU: the slope for negative inputs; 0 for other kinds.</summary>
    public double Slope { get; init; }

    // Null: not described, so the built-in rule of the kind gives it (Described).
    private readonly IReadOnlyList<ParameterTensor>? _tensors, _bufferTensors;
    private readonly OnnxNode? _onnx;
    private readonly AutoInit? _autoInit;
    private readonly bool? _usesBatchStatistics, _isStochastic;

    /// <summary>The layer's parameter tensors in <see cref="INetwork.Parameters"/>: <c>weight</c> then <c>bias</c>, or none.
    /// Generated networks describe them; a layer made without them gets its kind's built-in rule (see <see cref="LayerInfo"/>).</summary>
    /// <exception cref="NotSupportedException">Not described, and <see cref="Kind"/> has no built-in rule.</exception>
    public IReadOnlyList<ParameterTensor> Tensors
    {
        get => _tensors ?? Described().Tensors;
        init => _tensors = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The layer's buffers in <see cref="INetwork.Buffers"/>: for batch norm <c>running_mean</c> [C],
    /// <c>running_var</c> [C] and the scalar count <c>num_batches_tracked</c>; none for other kinds.</summary>
    /// <exception cref="NotSupportedException">Not described, and <see cref="Kind"/> has no built-in rule.</exception>
    public IReadOnlyList<ParameterTensor> BufferTensors
    {
        get => _bufferTensors ?? Described().BufferTensors;
        init => _bufferTensors = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Floats of <see cref="INetwork.Buffers"/> the layer owns: the lengths of its <see cref="BufferTensors"/>.</summary>
    public int BufferCount
    {
        get
        {
            int count = 0;
            foreach (var tensor in BufferTensors) count += tensor.Length;
            return count;
        }
    }

    /// <summary>The node <see cref="OnnxExport"/> writes for the layer.</summary>
    /// <exception cref="NotSupportedException">Not described, and <see cref="Kind"/> has no built-in rule.</exception>
    public OnnxNode Onnx
    {
        get => _onnx ?? Described().Onnx;
        init => _onnx = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>What <see cref="InitScheme.Auto"/> gives the weights of the layer before this one.</summary>
    /// <exception cref="NotSupportedException">Not described, and <see cref="Kind"/> has no built-in rule.</exception>
    public AutoInit AutoInit
    {
        get => _autoInit ?? Described().AutoInit;
        init => _autoInit = value;
    }

    /// <summary>In training mode the layer normalises with statistics over the batch (batch norm), so a training batch
    /// needs more than one value per channel.</summary>
    /// <exception cref="NotSupportedException">Not described, and <see cref="Kind"/> has no built-in rule.</exception>
    public bool UsesBatchStatistics
    {
        get => _usesBatchStatistics ?? Described().UsesBatchStatistics;
        init => _usesBatchStatistics = value;
    }

    /// <summary>In training mode the layer draws from the network's generator (dropout's masks), whose state
    /// <see cref="IDropoutNetwork.DropoutState"/> exposes.</summary>
    /// <exception cref="NotSupportedException">Not described, and <see cref="Kind"/> has no built-in rule.</exception>
    public bool IsStochastic
    {
        get => _isStochastic ?? Described().IsStochastic;
        init => _isStochastic = value;
    }

    private sealed record Description(
        ParameterTensor[] Tensors, ParameterTensor[] BufferTensors, OnnxNode Onnx, AutoInit AutoInit,
        bool UsesBatchStatistics = false, bool IsStochastic = false);

    // The one place the runtime knows layer kinds: what a layer made without a description (by hand, for an INetwork of
    // one's own, or by an older generator) gets, computed from its arguments when read. Every kind up to
    // GlobalAvgPool is listed; later kinds are described by the generated code, and a layer of one without a
    // description fails here instead of getting no tensors (zero weights, left out of weight files and ONNX).
    private Description Described()
    {
        int c = Output.Channels;
        return Kind switch
        {
            LayerKind.Conv => new(Weighted([c, Input.Channels, Size, Size]), [], new("Conv", OnnxLayout.Volume,
                [OnnxAttribute.Ints("pads", Pad, Pad, Pad, Pad), OnnxAttribute.Ints("kernel_shape", Size, Size), OnnxAttribute.Ints("strides", Stride, Stride)]),
                AutoInit.Kaiming),
            LayerKind.MaxPool => new([], [], new("MaxPool", OnnxLayout.Volume, Window()), AutoInit.Kaiming),
            LayerKind.AvgPool => new([], [], new("AveragePool", OnnxLayout.Volume, Window()), AutoInit.Kaiming),
            LayerKind.FullyConnected => new(Weighted([c, Input.Length]), [], new("Gemm", OnnxLayout.Flat, [OnnxAttribute.Int("transB", 1)]), AutoInit.Kaiming),
            LayerKind.Relu => new([], [], new("Relu", OnnxLayout.Any, []), AutoInit.Kaiming),
            LayerKind.Sigmoid => new([], [], new("Sigmoid", OnnxLayout.Any, []), AutoInit.Xavier),
            LayerKind.Tanh => new([], [], new("Tanh", OnnxLayout.Any, []), AutoInit.Xavier),
            LayerKind.Add => new([], [], new("Add", OnnxLayout.Any, []), AutoInit.Kaiming),
            LayerKind.Concat => new([], [], new("Concat", OnnxLayout.Any, [OnnxAttribute.Int("axis", 1)]), AutoInit.Kaiming),
            // ONNX weighs the old running value by momentum, PyTorch (and ConvNet) the new statistic: 1 - m, as PyTorch's
            // exporter writes it. Inference ignores it; training tools read it.
            LayerKind.BatchNorm => new(
                [
                    new ParameterTensor(Name + ".weight", [c], ParameterOffset, c) { Init = TensorInit.Ones },
                    new ParameterTensor(Name + ".bias", [c], ParameterOffset + c, c) { Init = TensorInit.Zeros },
                ],
                [
                    new ParameterTensor(Name + ".running_mean", [c], BufferOffset, c) { Init = TensorInit.Zeros },
                    new ParameterTensor(Name + ".running_var", [c], BufferOffset + c, c) { Init = TensorInit.Ones },
                    new ParameterTensor(Name + ".num_batches_tracked", [], BufferOffset + 2 * c, 1) { IsCount = true, Init = TensorInit.Zeros },
                ],
                new("BatchNormalization", OnnxLayout.Any,
                    [OnnxAttribute.Float("epsilon", (float)Epsilon), OnnxAttribute.Float("momentum", (float)(1 - Momentum))]),
                AutoInit.LookThrough, UsesBatchStatistics: true),
            LayerKind.Dropout => new([], [], OnnxNode.Identity, AutoInit.LookThrough, IsStochastic: true),
            LayerKind.GlobalAvgPool => new([], [], new("GlobalAveragePool", OnnxLayout.Volume, []), AutoInit.Kaiming),
            _ => throw new NotSupportedException(
                $"Layer '{Name}': {Kind} has no built-in description; give the layer its Tensors, BufferTensors, Onnx, AutoInit, UsesBatchStatistics and IsStochastic."),
        };
    }

    private ParameterTensor[] Weighted(int[] weight)
    {
        int length = 1;
        foreach (int d in weight) length *= d;
        return
        [
            new ParameterTensor(Name + ".weight", weight, ParameterOffset, length) { Init = TensorInit.Weight },
            new ParameterTensor(Name + ".bias", [Output.Channels], ParameterOffset + length, Output.Channels) { Init = TensorInit.Bias },
        ];
    }

    private OnnxAttribute[] Window() => [OnnxAttribute.Ints("kernel_shape", Size, Size), OnnxAttribute.Ints("strides", Stride, Stride)];
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
    /// <summary>State that is saved and loaded with the parameters but never touched by optimizers: the batch norm
    /// layers' running statistics (<see cref="LayerInfo.BufferTensors"/>). Empty for a network without batch norm.</summary>
    float[] Buffers { get; }
    /// <summary>Training mode (true) or evaluation mode (false, the default). In training mode batch norm normalises with
    /// the statistics of the current Forward and updates its running statistics, and dropout drops; in evaluation mode
    /// batch norm uses the running statistics and dropout passes its input through. Backward follows the mode of the
    /// Forward it backpropagates through. A network without batch norm or dropout computes the same in both modes.</summary>
    bool Training { get; set; }
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
    /// <summary>Backpropagates from the output of layer <paramref name="layer"/> (index into <see cref="Layers"/>, as for
    /// <see cref="LayerOutput"/>) through the last single-sample Forward, as if the network ended there: for saliency
    /// maps, feature visualisation and layer-wise debugging. Same rules as <see cref="Backward(ReadOnlySpan{float}, Span{float})"/>:
    /// parameter gradients of the layers below are added into <see cref="Gradients"/> (those above get nothing), and
    /// dL/dinput is written unless <paramref name="inputGradient"/> is empty. The last layer gives exactly
    /// <see cref="Backward(ReadOnlySpan{float}, Span{float})"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such layer.</exception>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    /// <exception cref="InvalidOperationException">No Forward yet, or the layer's output never reaches the network's
    /// output (a dead branch, which backward skips).</exception>
    void Backward(int layer, ReadOnlySpan<float> layerOutputGradient, Span<float> inputGradient);
    /// <summary>The batch form of <see cref="Backward(int, ReadOnlySpan{float}, Span{float})"/>, through the last batch
    /// Forward (same batch size): <paramref name="layerOutputGradients"/> holds one gradient of layer
    /// <paramref name="layer"/>'s output per sample.</summary>
    void Backward(int layer, ReadOnlySpan<float> layerOutputGradients, Span<float> inputGradients, int batchSize);
    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();
    /// <summary>The output of layer <paramref name="layer"/> (index into <see cref="Layers"/>) from the last single-sample Forward.</summary>
    ReadOnlySpan<float> LayerOutput(int layer);
}

/// <summary>
/// A network with dropout layers, whose masks come from a generator inside the network: each training-mode Forward
/// draws its masks' seed from it. Generated networks with a <see cref="DropoutAttribute"/> implement it (explicitly, so
/// it adds no member to the class); <see cref="Checkpoint"/> saves and restores the generator's state through it.
/// </summary>
public interface IDropoutNetwork : INetwork
{
    /// <summary>
    /// The masks' generator's whole state. A network given the state another one of the same class had draws the
    /// same masks from then on; the constructor's seed sets the first state.
    /// </summary>
    ulong DropoutState { get; set; }
}
