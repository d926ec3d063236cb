using ConvNet;

namespace ConvNet.Benchmarks;

// The classic large networks, generated at build time like any user's: the `bignets` mode runs them once and checks
// that the JIT optimises every generated method. Kept out of the timing tables (VGG-16 alone is 138M parameters).

/// <summary>AlexNet, one tower, at its native 227x227.</summary>
[Input(3, 227, 227)]
[Conv(96, 11, Stride = 4)] [Relu] [MaxPool(3, Stride = 2)]
[Conv(256, 5, Pad = 2)] [Relu] [MaxPool(3, Stride = 2)]
[Conv(384, 3, Pad = 1)] [Relu]
[Conv(384, 3, Pad = 1)] [Relu]
[Conv(256, 3, Pad = 1)] [Relu] [MaxPool(3, Stride = 2)]
[FullyConnected(4096)] [Relu]
[FullyConnected(4096)] [Relu]
[FullyConnected(1000)]
public partial class AlexNet { }

/// <summary>VGG-16 (configuration D) at 224x224.</summary>
[Input(3, 224, 224)]
[Conv(64, 3, Pad = 1)] [Relu] [Conv(64, 3, Pad = 1)] [Relu] [MaxPool(2)]
[Conv(128, 3, Pad = 1)] [Relu] [Conv(128, 3, Pad = 1)] [Relu] [MaxPool(2)]
[Conv(256, 3, Pad = 1)] [Relu] [Conv(256, 3, Pad = 1)] [Relu] [Conv(256, 3, Pad = 1)] [Relu] [MaxPool(2)]
[Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [MaxPool(2)]
[Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [MaxPool(2)]
[FullyConnected(4096)] [Relu]
[FullyConnected(4096)] [Relu]
[FullyConnected(1000)]
public partial class Vgg16 { }
