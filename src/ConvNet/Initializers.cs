using System;
using System.Collections.Generic;

namespace ConvNet;

/// <summary>Weight initialisation schemes. Biases start at zero except under <see cref="InitScheme.PyTorchDefault"/>.</summary>
public enum InitScheme
{
    /// <summary>He/Kaiming uniform for layers followed by ReLU (or by nothing), Xavier/Glorot uniform for layers
    /// followed by sigmoid or tanh. Biases zero. What generated constructors use.</summary>
    Auto,
    /// <summary>He/Kaiming uniform: U(-b, b) with b = sqrt(6 / fanIn). Keeps activation variance through ReLU.</summary>
    KaimingUniform,
    /// <summary>He/Kaiming normal: N(0, 2 / fanIn).</summary>
    KaimingNormal,
    /// <summary>Xavier/Glorot uniform: U(-b, b) with b = sqrt(6 / (fanIn + fanOut)).</summary>
    XavierUniform,
    /// <summary>PyTorch's default for <c>nn.Conv2d</c>/<c>nn.Linear</c>: weights and biases U(-1/sqrt(fanIn), 1/sqrt(fanIn)).</summary>
    PyTorchDefault,
}

/// <summary>Fills a network's parameters deterministically from a seed.</summary>
public static class Initializers
{
    /// <summary>
    /// Initialises every tensor of <paramref name="network"/>'s layers as its <see cref="ParameterTensor.Init"/> says,
    /// <see cref="LayerInfo.Tensors"/> in <see cref="INetwork.Parameters"/> and <see cref="LayerInfo.BufferTensors"/> in
    /// <see cref="INetwork.Buffers"/>: weights (and their biases) with <paramref name="scheme"/>, drawing from one
    /// <see cref="Rng"/> seeded with <paramref name="seed"/> in layer order, weights before biases; the others with
    /// their constant. fanIn is C*K*K for conv and the input length for FC; fanOut is F*K*K for conv and the output count
    /// for FC. Batch norm layers get weight 1 and bias 0, and their buffers running mean 0, running variance 1 and a
    /// count of 0, as in PyTorch; they draw nothing from the generator.
    /// </summary>
    public static void Initialize(INetwork network, InitScheme scheme = InitScheme.Auto, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        var rng = new Rng(unchecked((ulong)seed));
        var layers = network.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            IReadOnlyList<ParameterTensor> tensors = layer.Tensors;
            for (int k = 0; k < tensors.Count; k++)
            {
                ParameterTensor tensor = tensors[k];
                if (tensor.Init != TensorInit.Weight)
                {
                    Constant(network.Parameters, tensor);
                    continue;
                }
                bool biased = k + 1 < tensors.Count && tensors[k + 1].Init == TensorInit.Bias;
                var weight = network.Parameters.AsSpan(tensor.Offset, tensor.Length);
                var bias = biased ? network.Parameters.AsSpan(tensors[k + 1].Offset, tensors[k + 1].Length) : [];
                var (fanIn, fanOut) = Fans(tensor.Dimensions);
                Fill(weight, bias, scheme == InitScheme.Auto ? Auto(layers, i) : scheme, fanIn, fanOut, rng);
                if (biased) k++;
            }
            foreach (var tensor in layer.BufferTensors) Constant(network.Buffers, tensor);
        }
    }

    // PyTorch's rule, read off the weight's own shape [out, in, kernel...] rather than the kind: fan_in is in x kernel,
    // fan_out out x kernel (a conv's C·K·K and F·K·K, a fully connected layer's inputs and outputs).
    private static (int FanIn, int FanOut) Fans(IReadOnlyList<int> dims)
    {
        if (dims.Count < 2)
            throw new ArgumentException($"A weight needs dimensions [out, in, kernel...]; one has {dims.Count}.", nameof(dims));
        int receptive = 1;
        for (int d = 2; d < dims.Count; d++) receptive *= dims[d];
        return (dims[1] * receptive, dims[0] * receptive);
    }

    // The scheme suited to the nonlinearity after layer i, looking through the layers that sit between a layer and its
    // nonlinearity (batch norm, dropout); nothing after it counts as ReLU.
    private static InitScheme Auto(IReadOnlyList<LayerInfo> layers, int i)
    {
        int j = i + 1;
        while (j < layers.Count && layers[j].AutoInit == AutoInit.LookThrough) j++;
        return j < layers.Count && layers[j].AutoInit == AutoInit.Xavier ? InitScheme.XavierUniform : InitScheme.KaimingUniform;
    }

    // A weight's bias is filled with its weight; a bias without one is zeros, like every tensor not told otherwise.
    private static void Constant(float[] values, ParameterTensor tensor) =>
        values.AsSpan(tensor.Offset, tensor.Length).Fill(tensor.Init == TensorInit.Ones ? 1f : 0f);

    /// <summary>Fills one weight tensor and its bias with <paramref name="scheme"/> (which must not be <see cref="InitScheme.Auto"/>).</summary>
    public static void Fill(Span<float> weight, Span<float> bias, InitScheme scheme, int fanIn, int fanOut, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanOut);
        bias.Clear();
        switch (scheme)
        {
            case InitScheme.KaimingUniform:
                Uniform(weight, MathF.Sqrt(6f / fanIn), rng);
                break;
            case InitScheme.KaimingNormal:
                float std = MathF.Sqrt(2f / fanIn);
                for (int i = 0; i < weight.Length; i++) weight[i] = std * rng.NextGaussian();
                break;
            case InitScheme.XavierUniform:
                Uniform(weight, MathF.Sqrt(6f / (fanIn + fanOut)), rng);
                break;
            case InitScheme.PyTorchDefault:
                float bound = 1f / MathF.Sqrt(fanIn);
                Uniform(weight, bound, rng);
                Uniform(bias, bound, rng);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Auto is resolved per layer by Initialize; pass a concrete scheme.");
        }
    }

    private static void Uniform(Span<float> values, float bound, Rng rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = rng.NextUniform(-bound, bound);
    }
}
