using ConvNet;

namespace Images;

/// <summary>A small CNN for 28x28 grey images in 10 classes: two conv blocks and a classifier.</summary>
[Input(1, 28, 28)]
[Conv(8, 3, Pad = 1)]
[Relu]
[MaxPool(2)]
[Conv(16, 3, Pad = 1)]
[Relu]
[MaxPool(2)]
[FullyConnected(64)]
[Relu]
[FullyConnected(10)]
public sealed partial class DigitNet;
