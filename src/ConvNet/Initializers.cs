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
    /// Initialises every conv and FC layer of <paramref name="network"/> with <paramref name="scheme"/>, drawing from
    /// one <see cref="Rng"/> seeded with <paramref name="seed"/> in layer order, weights before biases.
    /// fanIn is C*K*K for conv and the input length for FC; fanOut is F*K*K for conv and the output count for FC.
    /// Batch norm layers get weight 1 and bias 0, and their buffers (<see cref="INetwork.Buffers"/>) running mean 0,
    /// running variance 1 and a count of 0, as in PyTorch; they draw nothing from the generator.
    /// </summary>
    public static void Initialize(INetwork network, InitScheme scheme = InitScheme.Auto, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        var rng = new Rng(unchecked((ulong)seed));
        var layers = network.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer.Kind == LayerKind.BatchNorm)
            {
                ResetBatchNorm(network, layer);
                continue;
            }
            if (layer.Tensors.Count == 0) continue;
            // PyTorch's rule, read off the weight's own shape [out, in, kernel...] rather than the kind: fan_in is
            // in x kernel, fan_out out x kernel (a conv's C·K·K and F·K·K, a fully connected layer's inputs and outputs).
            IReadOnlyList<int> dims = layer.Tensors[0].Dimensions;
            int receptive = 1;
            for (int d = 2; d < dims.Count; d++) receptive *= dims[d];
            var (fanIn, fanOut) = (dims[1] * receptive, dims[0] * receptive);
            var effective = scheme;
            if (scheme == InitScheme.Auto)
            {
                // Normalisation and dropout sit between a layer and its nonlinearity without changing which init suits it.
                int j = i + 1;
                while (j < layers.Count && layers[j].Kind is LayerKind.BatchNorm or LayerKind.Dropout) j++;
                var next = j < layers.Count ? layers[j].Kind : LayerKind.Relu;
                effective = next is LayerKind.Sigmoid or LayerKind.Tanh ? InitScheme.XavierUniform : InitScheme.KaimingUniform;
            }
            var weight = network.Parameters.AsSpan(layer.Tensors[0].Offset, layer.Tensors[0].Length);
            var bias = network.Parameters.AsSpan(layer.Tensors[1].Offset, layer.Tensors[1].Length);
            Fill(weight, bias, effective, fanIn, fanOut, rng);
        }
    }

    private static void ResetBatchNorm(INetwork network, LayerInfo layer)
    {
        network.Parameters.AsSpan(layer.Tensors[0].Offset, layer.Tensors[0].Length).Fill(1f);
        network.Parameters.AsSpan(layer.Tensors[1].Offset, layer.Tensors[1].Length).Clear();
        var buffers = layer.BufferTensors;
        network.Buffers.AsSpan(buffers[0].Offset, buffers[0].Length).Clear();
        network.Buffers.AsSpan(buffers[1].Offset, buffers[1].Length).Fill(1f);
        network.Buffers.AsSpan(buffers[2].Offset, buffers[2].Length).Clear();
    }

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
