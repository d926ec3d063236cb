using System;

namespace ConvNet;

// The generator reads these attributes from syntax and constant arguments only; it never loads this
// assembly. Their full names are mirrored as strings in the generator (KnownNames), and a test keeps
// the two in step.

/// <summary>Declares the input volume of a network: channels, height and width (CHW layout).</summary>
/// <remarks>Must be the first ConvNet attribute on the class, exactly once. The class must be <c>partial</c>.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InputAttribute(int channels, int height, int width) : Attribute
{
    /// <summary>Number of input channels (depth).</summary>
    public int Channels { get; } = channels;
    /// <summary>Input height in pixels.</summary>
    public int Height { get; } = height;
    /// <summary>Input width in pixels.</summary>
    public int Width { get; } = width;
}

/// <summary>Base of every layer attribute. Layers run in the order their attributes appear in source.</summary>
public abstract class LayerAttribute : Attribute
{
    /// <summary>
    /// The layer's name, used for parameter tensor names (<c>conv1.weight</c>), the layer table and the
    /// nested constants class. Default: the kind and a running index per kind (<c>conv1</c>, <c>pool2</c>, <c>fc3</c>, <c>relu1</c>).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// The name of an earlier layer whose output this layer takes as its input, or <c>"input"</c> for the network
    /// input. Default: the previous layer (the input, for the first layer). Lets a network branch: two layers with the
    /// same <c>From</c> read the same output, which is not copied.
    /// </summary>
    public string? From { get; set; }
}

/// <summary>2-D convolution with <paramref name="filters"/> square filters of side <paramref name="size"/>.</summary>
/// <remarks>On an input of C channels and side W (height and width alike), the output side is
/// (W - <see cref="Size"/> + 2 * <see cref="Pad"/>) / <see cref="Stride"/> + 1, which must be a whole number, and the
/// output has <see cref="Filters"/> channels. Parameters: <see cref="Filters"/> x C x <see cref="Size"/> x
/// <see cref="Size"/> weights (PyTorch's <c>[out, in, kH, kW]</c> layout), then <see cref="Filters"/> biases.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConvAttribute(int filters, int size) : LayerAttribute
{
    /// <summary>Number of filters (output channels).</summary>
    public int Filters { get; } = filters;
    /// <summary>Filter side length.</summary>
    public int Size { get; } = size;
    /// <summary>Step between filter positions. Default 1.</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Zero padding added on every side. Default 0.</summary>
    public int Pad { get; set; }
}

/// <summary>Max pooling over square windows of side <paramref name="size"/>, each depth slice independently.</summary>
/// <remarks>NaN in a window propagates to its output. Backward sends the gradient to the first maximum of the window in row-major order.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPoolAttribute(int size) : LayerAttribute
{
    private int? _stride;
    /// <summary>Window side length.</summary>
    public int Size { get; } = size;
    /// <summary>Step between windows. Default: the window size (non-overlapping windows).</summary>
    public int Stride { get => _stride ?? Size; set => _stride = value; }
}

/// <summary>Average pooling over square windows of side <paramref name="size"/>, each depth slice independently.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPoolAttribute(int size) : LayerAttribute
{
    private int? _stride;
    /// <summary>Window side length.</summary>
    public int Size { get; } = size;
    /// <summary>Step between windows. Default: the window size (non-overlapping windows).</summary>
    public int Stride { get => _stride ?? Size; set => _stride = value; }
}

/// <summary>Fully connected layer with <paramref name="outputs"/> outputs; flattens its input in C, H, W order.</summary>
/// <remarks>Parameters: weight [outputs, inputs] then bias [outputs] (PyTorch's <c>nn.Linear</c> layout).</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FullyConnectedAttribute(int outputs) : LayerAttribute
{
    /// <summary>Number of outputs.</summary>
    public int Outputs { get; } = outputs;
}

/// <summary>Rectified linear unit, max(0, x) elementwise. NaN propagates.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReluAttribute : LayerAttribute;

/// <summary>Logistic sigmoid, 1 / (1 + e^-x) elementwise.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : LayerAttribute;

/// <summary>Hyperbolic tangent elementwise.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : LayerAttribute;

/// <summary>Leaky rectified linear unit, x &gt;= 0 ? x : slope * x elementwise (PyTorch's <c>nn.LeakyReLU</c>).</summary>
/// <remarks>Default names <c>leakyrelu1</c>, <c>leakyrelu2</c>, ... No parameters. The slope must be finite.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LeakyReluAttribute(double slope = 0.01) : LayerAttribute
{
    /// <summary>The slope for negative inputs.</summary>
    public double Slope { get; } = slope;
}

/// <summary>Elementwise sum of this layer's input (the previous layer, or <see cref="LayerAttribute.From"/>) and the
/// output of the layer named <paramref name="other"/>: the merge of a residual block. Both shapes must be equal.</summary>
/// <remarks>Default names <c>add1</c>, <c>add2</c>, ... No parameters. Backward passes the gradient to both inputs.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AddAttribute(string other) : LayerAttribute
{
    /// <summary>The name of the earlier layer whose output is added (or <c>"input"</c>).</summary>
    public string Other { get; } = other;
}

/// <summary>Channel concatenation of this layer's input, then the outputs of the layers named in
/// <paramref name="others"/>, in that order: the merge of an inception module. Heights and widths must be equal.</summary>
/// <remarks>Default names <c>concat1</c>, <c>concat2</c>, ... No parameters.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConcatAttribute(params string[] others) : LayerAttribute
{
    /// <summary>The names of the earlier layers whose outputs follow this layer's input, in order.</summary>
    public string[] Others { get; } = others;
}

/// <summary>Batch normalisation per channel of a CxHxW volume (after an FC layer, on Cx1x1, it is PyTorch's
/// <c>BatchNorm1d</c>), with PyTorch's semantics: y = (x - mean) / sqrt(var + Epsilon) * weight + bias.</summary>
/// <remarks>
/// In training mode (<see cref="INetwork.Training"/>) mean and biased variance come from the current call: over N, H
/// and W of a batch Forward, over H and W of a single-sample Forward; the running statistics are updated with
/// <c>running = (1 - Momentum) * running + Momentum * batch</c> (unbiased variance). In evaluation mode the running
/// statistics are used. Parameters <c>bnN.weight</c> [C] (init 1) and <c>bnN.bias</c> [C] (init 0) in
/// <see cref="INetwork.Parameters"/>; <c>bnN.running_mean</c> [C] (init 0), <c>bnN.running_var</c> [C] (init 1) and
/// <c>bnN.num_batches_tracked</c> (a count) in <see cref="INetwork.Buffers"/>. Default names <c>bn1</c>, <c>bn2</c>, ...
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>Added to the variance before its square root. Must be positive. Default 1e-5.</summary>
    public double Epsilon { get; set; } = 1e-5;
    /// <summary>Weight of the current statistics in the running statistics' update, in [0, 1]. Default 0.1.</summary>
    public double Momentum { get; set; } = 0.1;
}

/// <summary>Inverted dropout with drop probability <paramref name="p"/> in [0, 1): in training mode each value is
/// zeroed with probability p and the kept ones are scaled by 1 / (1 - p); in evaluation mode it passes its input
/// through.</summary>
/// <remarks>The masks come from a generator owned by the network instance, seeded by its constructor's seed, so a run
/// is reproducible, and do not depend on the thread count. Default names <c>dropout1</c>, <c>dropout2</c>, ...</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute(double p) : LayerAttribute
{
    /// <summary>The probability of zeroing each value, in [0, 1).</summary>
    public double P { get; } = p;
}

/// <summary>Global average pooling: CxHxW -> Cx1x1, the mean of each channel.</summary>
/// <remarks>Default names <c>gap1</c>, <c>gap2</c>, ... No parameters.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAvgPoolAttribute : LayerAttribute;
