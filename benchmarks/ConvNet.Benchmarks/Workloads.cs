using System;
using System.Collections.Generic;
using ConvNet;

namespace ConvNet.Benchmarks;

/// <summary>A network under test: how to make a fresh instance, and its forward FLOPs.</summary>
/// <param name="WithoutBatchNorm">The same network with its batch norm layers removed, timed beside it at batch 1 to
/// measure what evaluation-mode batch norm costs; null for networks without batch norm.</param>
/// <param name="Big">An ImageNet-sized network: compared at batch 1 on one thread against ONNX Runtime only (a training
/// step, batch 64, TorchSharp and the scalar baseline would take minutes and gigabytes for no new information).</param>
internal sealed record NetworkDef(string Name, Func<INetwork> Create, long ForwardFlops, NetworkDef? WithoutBatchNorm = null, bool Big = false)
{
    public static readonly NetworkDef LeNet5 = new("LeNet-5", () => new global::ConvNet.Benchmarks.LeNet5(), global::ConvNet.Benchmarks.LeNet5.Flops);
    public static readonly NetworkDef Cifar = new("CIFAR", () => new global::ConvNet.Benchmarks.CifarNet(), global::ConvNet.Benchmarks.CifarNet.Flops);
    public static readonly NetworkDef ResNet20 = new("ResNet-20", () => new global::ConvNet.Benchmarks.ResNet20(), global::ConvNet.Benchmarks.ResNet20.Flops,
        new("ResNet-20 without BN", () => new global::ConvNet.Benchmarks.ResNet20WithoutBatchNorm(), global::ConvNet.Benchmarks.ResNet20WithoutBatchNorm.Flops));
    public static readonly NetworkDef AlexNet = new("AlexNet", () => new global::ConvNet.Benchmarks.AlexNet(), global::ConvNet.Benchmarks.AlexNet.Flops, Big: true);
    public static readonly NetworkDef Vgg16 = new("VGG-16", () => new global::ConvNet.Benchmarks.Vgg16(), global::ConvNet.Benchmarks.Vgg16.Flops, Big: true);
    public static readonly IReadOnlyList<NetworkDef> All = [LeNet5, Cifar, ResNet20, AlexNet, Vgg16];

    public static NetworkDef ByName(string name) =>
        name switch { "LeNet5" or "LeNet-5" => LeNet5, "CifarNet" or "CIFAR" => Cifar, _ => throw new ArgumentException($"Unknown network '{name}'.") };

    /// <summary>
    /// FLOPs of one training step per sample: forward, then backward's dWeight and dInput passes, each as many
    /// multiply-adds as the forward pass, except the first layer's dInput, which no one asks for and ConvNet skips.
    /// Loss, ReLU, pooling and the SGD update are left out, as they are from <see cref="ForwardFlops"/>.
    /// </summary>
    public long TrainingFlopsPerSample(INetwork network) => 3 * ForwardFlops - LayerFlops(network.Layers[0]);

    /// <summary>Forward FLOPs of one layer, recomputed from the layer table (2 per multiply-add).</summary>
    public static long LayerFlops(LayerInfo l) => l.Kind switch
    {
        LayerKind.Conv => 2L * l.Output.Length * l.Input.Channels * l.Size * l.Size,
        LayerKind.FullyConnected => 2L * l.Input.Length * l.Output.Length,
        _ => 0,
    };
}

/// <summary>The optimizer of a training step.</summary>
internal enum TrainingOptimizer { Sgd, Adam }

/// <summary>One network with fixed weights and a fixed batch of inputs and labels, shared by every system.</summary>
internal sealed class Workload
{
    public const float LearningRate = 0.01f;

    /// <summary>The LeNet sample's peak Adam learning rate.</summary>
    public const float AdamLearningRate = 0.002f;

    public NetworkDef Def { get; }
    /// <summary>The weights every system copies. Never run: each system works on its own copy.</summary>
    public INetwork Prototype { get; }
    public int BatchSize { get; }
    public int Threads { get; }
    public float[] Inputs { get; }
    public int[] Labels { get; }

    public Workload(NetworkDef def, int batchSize, int threads, int seed = 42)
    {
        Def = def;
        BatchSize = batchSize;
        Threads = threads;
        Prototype = def.Create();
        // PyTorch's default init draws non-zero biases too, so a bias mixed up anywhere shows in the agreement check.
        Initializers.Initialize(Prototype, InitScheme.PyTorchDefault, seed);
        long sum = 0;
        foreach (var l in Prototype.Layers) sum += NetworkDef.LayerFlops(l);
        if (sum != def.ForwardFlops)
            throw new InvalidOperationException($"{def.Name}: layer table gives {sum} FLOPs, the generated Flops constant {def.ForwardFlops}.");

        var rng = new Rng((ulong)seed + 1);
        Inputs = new float[batchSize * Prototype.InputLength];
        for (int i = 0; i < Inputs.Length; i++) Inputs[i] = rng.NextSingle();
        Labels = new int[batchSize];
        for (int i = 0; i < batchSize; i++) Labels[i] = rng.NextInt(Prototype.OutputLength);

        // Batch norm starts as the identity (weight 1, bias 0, running mean 0, variance 1), which would hide a weight
        // taken for a bias or a mean for a variance; drawn values make every one of them show in the agreement check.
        foreach (var l in Prototype.Layers)
        {
            if (l.Kind != LayerKind.BatchNorm) continue;
            int c = l.Output.Channels, p = l.ParameterOffset, b = l.BufferOffset;
            for (int i = 0; i < c; i++)
            {
                Prototype.Parameters[p + i] = rng.NextUniform(0.5f, 1.5f);      // weight
                Prototype.Parameters[p + c + i] = rng.NextUniform(-0.2f, 0.2f); // bias
                Prototype.Buffers[b + i] = rng.NextUniform(-0.2f, 0.2f);        // running mean
                Prototype.Buffers[b + c + i] = rng.NextUniform(0.5f, 1.5f);     // running variance
            }
        }
    }

    /// <summary>A fresh ConvNet instance with the prototype's parameters and buffers, on the workload's threads.</summary>
    public INetwork CreateNetwork()
    {
        var net = Def.Create();
        Prototype.Parameters.CopyTo(net.Parameters, 0);
        Prototype.Buffers.CopyTo(net.Buffers, 0);
        net.MaxDegreeOfParallelism = Threads;
        return net;
    }

    public string Describe(string what) => $"{Def.Name} {what} b{BatchSize} {Threads}t";
}
