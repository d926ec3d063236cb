using ConvNet;

namespace LeNet;

/// <summary>LeNet-5 as in LeCun et al. (1998), with ReLU and max pooling in place of the original's
/// scaled tanh and subsampling, and padding 2 on conv1 so 28x28 MNIST digits play the role of the paper's 32x32 input.</summary>
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
public sealed partial class LeNet5;
