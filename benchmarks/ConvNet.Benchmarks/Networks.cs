using ConvNet;

namespace ConvNet.Benchmarks;

// The two networks every system is measured on. ONNX Runtime, TorchSharp and the naive baseline do not repeat
// these declarations: they are built from the generated LayerTable, so a change here reaches every system.

/// <summary>LeNet-5 on MNIST-sized input.</summary>
[Input(1, 28, 28)]
[Conv(6, 5, Pad = 2)]
[Relu]
[MaxPool(2)]
[Conv(16, 5)]
[Relu]
[MaxPool(2)]
[FullyConnected(120)]
[Relu]
[FullyConnected(84)]
[Relu]
[FullyConnected(10)]
public partial class LeNet5
{
    /// <summary>Forward FLOPs of LeNet-5 counted by hand (2 per multiply-add, biases not counted).</summary>
    public const long ExpectedFlops = 833_040;

    // Compile-time check: dividing by a constant zero is error CS0020, so the build fails if the generator's
    // FLOP count ever disagrees with the hand count that the GFLOP/s figures rely on.
    private const int FlopsCheck = 1 / (Flops == ExpectedFlops ? 1 : 0);
}

/// <summary>A small CIFAR-10 network: three conv/relu/pool stages and two FC layers.</summary>
[Input(3, 32, 32)]
[Conv(32, 3, Pad = 1)]
[Relu]
[MaxPool(2)]
[Conv(64, 3, Pad = 1)]
[Relu]
[MaxPool(2)]
[Conv(128, 3, Pad = 1)]
[Relu]
[MaxPool(2)]
[FullyConnected(256)]
[Relu]
[FullyConnected(10)]
public partial class CifarNet
{
    /// <summary>Forward FLOPs of the CIFAR net counted by hand (2 per multiply-add, biases not counted).</summary>
    public const long ExpectedFlops = 21_697_536;

    private const int FlopsCheck = 1 / (Flops == ExpectedFlops ? 1 : 0);
}
