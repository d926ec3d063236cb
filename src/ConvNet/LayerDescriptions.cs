using System;
using System.Collections.Generic;

namespace ConvNet;

/// <summary>How <see cref="Initializers.Initialize"/> fills a tensor of <see cref="LayerInfo.Tensors"/> or
/// <see cref="LayerInfo.BufferTensors"/>.</summary>
public enum TensorInit
{
    /// <summary>All zeros (a batch norm layer's bias, running mean and count).</summary>
    Zeros,
    /// <summary>All ones (a batch norm layer's weight and running variance).</summary>
    Ones,
    /// <summary>Drawn by the <see cref="InitScheme"/>, with fan-in and fan-out read off its dimensions as PyTorch does:
    /// [out, in, kernel...] gives fan-in in x kernel and fan-out out x kernel. A <see cref="Bias"/> tensor right after it
    /// is its bias.</summary>
    Weight,
    /// <summary>The bias of the <see cref="Weight"/> tensor before it: zeros, or drawn with it under
    /// <see cref="InitScheme.PyTorchDefault"/>. Zeros when no weight comes before it.</summary>
    Bias,
}

/// <summary>What <see cref="InitScheme.Auto"/> makes of a layer that comes right after a layer with weights.</summary>
public enum AutoInit
{
    /// <summary>The weights before it are He/Kaiming uniform (ReLU, and every layer that is not a saturating nonlinearity).</summary>
    Kaiming,
    /// <summary>The weights before it are Xavier/Glorot uniform (sigmoid, tanh).</summary>
    Xavier,
    /// <summary>The layer after it decides (batch norm, dropout: they sit between a layer and its nonlinearity without
    /// changing which initialisation suits it).</summary>
    LookThrough,
}

/// <summary>The form in which an ONNX node reads its inputs.</summary>
public enum OnnxLayout
{
    /// <summary>In the form they come in; merged values agree, and a [N, features] value joins volumes as [N, C, 1, 1].</summary>
    Any,
    /// <summary>As [N, features] (a Gemm): a volume is flattened first.</summary>
    Flat,
    /// <summary>As volumes [N, C, H, W]: a [N, features] value is reshaped to [N, C, 1, 1] first.</summary>
    Volume,
}

/// <summary>The value type of an <see cref="OnnxAttribute"/>.</summary>
public enum OnnxAttributeType
{
    /// <summary>One 64-bit integer (<see cref="OnnxAttribute.Integers"/> holds one value).</summary>
    Int,
    /// <summary>A list of 64-bit integers.</summary>
    Ints,
    /// <summary>One 32-bit float (<see cref="OnnxAttribute.Real"/>).</summary>
    Float,
}

/// <summary>One attribute of a layer's ONNX node, e.g. a convolution's <c>pads</c>.</summary>
public sealed record OnnxAttribute
{
    private OnnxAttribute(string name, OnnxAttributeType type, IReadOnlyList<long> integers, float real)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Type = type;
        Integers = integers;
        Real = real;
    }

    /// <summary>The ONNX attribute name, e.g. <c>kernel_shape</c>.</summary>
    public string Name { get; }
    /// <summary>Which of <see cref="Integers"/> and <see cref="Real"/> holds the value.</summary>
    public OnnxAttributeType Type { get; }
    /// <summary>The values of an <see cref="OnnxAttributeType.Int"/> (one) or <see cref="OnnxAttributeType.Ints"/> attribute; empty otherwise.</summary>
    public IReadOnlyList<long> Integers { get; }
    /// <summary>The value of an <see cref="OnnxAttributeType.Float"/> attribute; 0 otherwise.</summary>
    public float Real { get; }

    /// <summary>An attribute holding one integer.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeType.Int, [value], 0);

    /// <summary>An attribute holding a list of integers.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) =>
        new(name, OnnxAttributeType.Ints, (long[])(values ?? throw new ArgumentNullException(nameof(values))).Clone(), 0);

    /// <summary>An attribute holding one float.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, OnnxAttributeType.Float, [], value);
}

/// <summary>The ONNX node a layer becomes in <see cref="OnnxExport"/>: its operator, the form it reads its inputs in, and
/// its attributes. The node reads the layer's inputs, then its <see cref="LayerInfo.Tensors"/>, then its
/// <see cref="LayerInfo.BufferTensors"/> except counts (<see cref="ParameterTensor.IsCount"/>).</summary>
/// <param name="OpType">The ONNX operator (opset 13), e.g. <c>Conv</c>; null for a layer that is the identity in
/// evaluation mode (dropout), which gets no node: its consumers read its input.</param>
/// <param name="Layout">The form the node reads its inputs in.</param>
/// <param name="Attributes">The node's attributes, in the order they are written.</param>
public sealed record OnnxNode(string? OpType, OnnxLayout Layout, IReadOnlyList<OnnxAttribute> Attributes)
{
    /// <summary>No node: the layer is the identity in evaluation mode (dropout).</summary>
    public static OnnxNode Identity { get; } = new(null, OnnxLayout.Any, []);
}
