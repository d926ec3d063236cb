using ConvNet;

namespace ConvNet.Benchmarks;

// The networks every system is measured on. ONNX Runtime, TorchSharp and the naive baseline do not repeat
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

/// <summary>
/// ResNet-20 for CIFAR-10 (He et al. 2016, section 4.2): a 3x3 conv stem with 16 filters, then three stages of three
/// basic blocks (conv-BN-ReLU-conv-BN, plus the skip connection, then ReLU) at 16, 32 and 64 filters on 32x32, 16x16
/// and 8x8. The first block of stages 2 and 3 halves the size with a stride-2 3x3 conv, and its skip connection is a
/// 1x1 stride-2 projection with batch norm (the paper's option B). Global average pooling and FC 10 end it.
/// </summary>
/// <remarks>The comments give each layer's default name (its kind and a running count), which Add and From refer to.</remarks>
[Input(3, 32, 32)]
[Conv(16, 3, Pad = 1)]                  // conv1
[BatchNorm]                             // bn1
[Relu]                                  // relu1
// Stage 1: 16 filters.
[Conv(16, 3, Pad = 1)]                  // conv2
[BatchNorm]                             // bn2
[Relu]                                  // relu2
[Conv(16, 3, Pad = 1)]                  // conv3
[BatchNorm]                             // bn3
[Add("relu1")]                          // add1 = bn3 + relu1
[Relu]                                  // relu3
[Conv(16, 3, Pad = 1)]                  // conv4
[BatchNorm]                             // bn4
[Relu]                                  // relu4
[Conv(16, 3, Pad = 1)]                  // conv5
[BatchNorm]                             // bn5
[Add("relu3")]                          // add2 = bn5 + relu3
[Relu]                                  // relu5
[Conv(16, 3, Pad = 1)]                  // conv6
[BatchNorm]                             // bn6
[Relu]                                  // relu6
[Conv(16, 3, Pad = 1)]                  // conv7
[BatchNorm]                             // bn7
[Add("relu5")]                          // add3 = bn7 + relu5
[Relu]                                  // relu7
// Stage 2: 32 filters.
[Conv(32, 3, Stride = 2, Pad = 1)]      // conv8
[BatchNorm]                             // bn8
[Relu]                                  // relu8
[Conv(32, 3, Pad = 1)]                  // conv9
[BatchNorm]                             // bn9
[Conv(32, 1, Stride = 2, From = "relu7")] // conv10: projection
[BatchNorm]                             // bn10
[Add("bn9")]                            // add4 = bn10 + bn9
[Relu]                                  // relu9
[Conv(32, 3, Pad = 1)]                  // conv11
[BatchNorm]                             // bn11
[Relu]                                  // relu10
[Conv(32, 3, Pad = 1)]                  // conv12
[BatchNorm]                             // bn12
[Add("relu9")]                          // add5 = bn12 + relu9
[Relu]                                  // relu11
[Conv(32, 3, Pad = 1)]                  // conv13
[BatchNorm]                             // bn13
[Relu]                                  // relu12
[Conv(32, 3, Pad = 1)]                  // conv14
[BatchNorm]                             // bn14
[Add("relu11")]                         // add6 = bn14 + relu11
[Relu]                                  // relu13
// Stage 3: 64 filters.
[Conv(64, 3, Stride = 2, Pad = 1)]      // conv15
[BatchNorm]                             // bn15
[Relu]                                  // relu14
[Conv(64, 3, Pad = 1)]                  // conv16
[BatchNorm]                             // bn16
[Conv(64, 1, Stride = 2, From = "relu13")] // conv17: projection
[BatchNorm]                             // bn17
[Add("bn16")]                           // add7 = bn17 + bn16
[Relu]                                  // relu15
[Conv(64, 3, Pad = 1)]                  // conv18
[BatchNorm]                             // bn18
[Relu]                                  // relu16
[Conv(64, 3, Pad = 1)]                  // conv19
[BatchNorm]                             // bn19
[Add("relu15")]                         // add8 = bn19 + relu15
[Relu]                                  // relu17
[Conv(64, 3, Pad = 1)]                  // conv20
[BatchNorm]                             // bn20
[Relu]                                  // relu18
[Conv(64, 3, Pad = 1)]                  // conv21
[BatchNorm]                             // bn21
[Add("relu17")]                         // add9 = bn21 + relu17
[Relu]                                  // relu19
[GlobalAvgPool]
[FullyConnected(10)]
public partial class ResNet20
{
    /// <summary>Forward FLOPs of ResNet-20 counted by hand (2 per multiply-add; batch norm, additions and pooling not
    /// counted): stem 884,736; stage 1, six 16-to-16 convs on 32x32 at 4,718,592 each; stages 2 and 3, a stride-2 conv
    /// (2,359,296), five convs (4,718,592 each) and the projection (262,144); FC 1,280.</summary>
    public const long ExpectedFlops = 81_626_368;

    private const int FlopsCheck = 1 / (Flops == ExpectedFlops ? 1 : 0);
}

/// <summary>
/// <see cref="ResNet20"/> with its batch norm layers removed (each Add takes the conv output instead), so that compare
/// can time what batch norm costs in evaluation mode: the batch-1 forward with batch norm should stay within 1.1x of
/// this one's.
/// </summary>
[Input(3, 32, 32)]
[Conv(16, 3, Pad = 1)]                  // conv1
[Relu]                                  // relu1
// Stage 1: 16 filters.
[Conv(16, 3, Pad = 1)]                  // conv2
[Relu]                                  // relu2
[Conv(16, 3, Pad = 1)]                  // conv3
[Add("relu1")]                          // add1 = conv3 + relu1
[Relu]                                  // relu3
[Conv(16, 3, Pad = 1)]                  // conv4
[Relu]                                  // relu4
[Conv(16, 3, Pad = 1)]                  // conv5
[Add("relu3")]                          // add2 = conv5 + relu3
[Relu]                                  // relu5
[Conv(16, 3, Pad = 1)]                  // conv6
[Relu]                                  // relu6
[Conv(16, 3, Pad = 1)]                  // conv7
[Add("relu5")]                          // add3 = conv7 + relu5
[Relu]                                  // relu7
// Stage 2: 32 filters.
[Conv(32, 3, Stride = 2, Pad = 1)]      // conv8
[Relu]                                  // relu8
[Conv(32, 3, Pad = 1)]                  // conv9
[Conv(32, 1, Stride = 2, From = "relu7")] // conv10: projection
[Add("conv9")]                          // add4 = conv10 + conv9
[Relu]                                  // relu9
[Conv(32, 3, Pad = 1)]                  // conv11
[Relu]                                  // relu10
[Conv(32, 3, Pad = 1)]                  // conv12
[Add("relu9")]                          // add5 = conv12 + relu9
[Relu]                                  // relu11
[Conv(32, 3, Pad = 1)]                  // conv13
[Relu]                                  // relu12
[Conv(32, 3, Pad = 1)]                  // conv14
[Add("relu11")]                         // add6 = conv14 + relu11
[Relu]                                  // relu13
// Stage 3: 64 filters.
[Conv(64, 3, Stride = 2, Pad = 1)]      // conv15
[Relu]                                  // relu14
[Conv(64, 3, Pad = 1)]                  // conv16
[Conv(64, 1, Stride = 2, From = "relu13")] // conv17: projection
[Add("conv16")]                         // add7 = conv17 + conv16
[Relu]                                  // relu15
[Conv(64, 3, Pad = 1)]                  // conv18
[Relu]                                  // relu16
[Conv(64, 3, Pad = 1)]                  // conv19
[Add("relu15")]                         // add8 = conv19 + relu15
[Relu]                                  // relu17
[Conv(64, 3, Pad = 1)]                  // conv20
[Relu]                                  // relu18
[Conv(64, 3, Pad = 1)]                  // conv21
[Add("relu17")]                         // add9 = conv21 + relu17
[Relu]                                  // relu19
[GlobalAvgPool]
[FullyConnected(10)]
public partial class ResNet20WithoutBatchNorm
{
    /// <summary>The same convolutions as <see cref="ResNet20"/>, so the same FLOPs.</summary>
    private const int FlopsCheck = 1 / (Flops == ResNet20.ExpectedFlops ? 1 : 0);
}
