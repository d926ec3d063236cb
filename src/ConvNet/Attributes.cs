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
}

/// <summary>2-D convolution with <paramref name="filters"/> square filters of side <paramref name="size"/>.</summary>
/// <remarks>Output side = (W - F + 2P) / S + 1, which must be a whole number. Parameters: F*F*C*K weights + K biases.</remarks>
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
