using ConvNet;

namespace ConvNet.Onnx.Tests;

[Input(1, 28, 28)]
[Conv(6, 5, Pad = 2)] [Relu] [MaxPool(2)]
[Conv(16, 5)] [Relu] [MaxPool(2)]
[FullyConnected(120)] [Relu]
[FullyConnected(84)] [Relu]
[FullyConnected(10)]
public partial class LeNet5 { }

[Input(3, 32, 32)]
[Conv(32, 3, Pad = 1)] [Relu] [MaxPool(2)]
[Conv(64, 3, Pad = 1)] [Relu] [MaxPool(2)]
[Conv(128, 3, Pad = 1)] [Relu] [MaxPool(2)]
[FullyConnected(256)] [Relu]
[FullyConnected(10)]
public partial class CifarNet { }

// Average pooling between tanh and sigmoid; ends in an activation after FC, so the output stays [N, 5].
[Input(2, 12, 12)]
[Conv(4, 3)] [Tanh] [AvgPool(2)]
[FullyConnected(5)] [Sigmoid]
public partial class AvgPoolNet { }

// Sigmoid on a volume; the pool shrinks it to 5x1x1, which still needs a Flatten before the FC.
[Input(3, 9, 9)]
[Conv(5, 3, Stride = 2, Pad = 1)] [Sigmoid] [AvgPool(5)]
[FullyConnected(3)]
public partial class SigmoidNet { }

// Stride 2 with pad 1, odd and even kernels.
[Input(3, 15, 15)]
[Conv(8, 3, Stride = 2, Pad = 1)] [Relu]
[Conv(6, 4, Stride = 2, Pad = 1)] [Tanh]
[FullyConnected(7)]
public partial class StridedNet { }

// Overlapping windows: 3x3 max pool, stride 2.
[Input(2, 13, 13)]
[Conv(6, 3, Pad = 1)] [Relu] [MaxPool(3, Stride = 2)]
[FullyConnected(4)]
public partial class OverlappingPoolNet { }

// Ends in a conv, so the output is the volume [N, 5, 4, 4].
[Input(3, 10, 10)]
[Conv(4, 3)] [Relu] [MaxPool(2)]
[Conv(5, 3, Pad = 1)]
public partial class ConvEndNet { }

// FC on the raw input (Flatten of "input"), then a 1x1 conv on its 8x1x1 output (Reshape back to 4-D).
[Input(1, 6, 6)]
[FullyConnected(8)] [Relu]
[Conv(3, 1)] [Tanh]
public partial class FcThenConvNet { }

// No layers: Forward copies its input, so the graph is one Identity. CNN010 warns about exactly this.
#pragma warning disable CNN010
[Input(2, 3, 3)]
public partial class EmptyNet { }
#pragma warning restore CNN010
