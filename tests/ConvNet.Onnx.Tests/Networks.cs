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

// Leaky ReLU on a volume (a negative slope, so both sides show) and on the FC head with the default slope.
[Input(2, 8, 8)]
[Conv(4, 3, Pad = 1)] [LeakyRelu(-0.25)] [MaxPool(2)]
[FullyConnected(6)] [LeakyRelu]
[FullyConnected(3)]
public partial class LeakyReluNet { }

// No layers: Forward copies its input, so the graph is one Identity. CNN010 warns about exactly this.
#pragma warning disable CNN010
[Input(2, 3, 3)]
public partial class EmptyNet { }
#pragma warning restore CNN010

// A small ResNet: conv + BN + relu stem, an identity residual block, then a stage whose first conv has stride 2 and
// whose shortcut is a 1x1 stride-2 projection with its own BN; global average pool and FC. bn3 has a non-default
// epsilon, so the exported attribute matters.
[Input(3, 10, 10)]
[Conv(8, 3, Pad = 1)] [BatchNorm] [Relu]
[Conv(8, 3, Pad = 1)] [BatchNorm] [Relu]
[Conv(8, 3, Pad = 1)] [BatchNorm(Epsilon = 1e-3, Momentum = 0.3)]
[Add("relu1")] [Relu]
[Conv(16, 3, Stride = 2, Pad = 1)] [BatchNorm] [Relu]
[Conv(16, 3, Pad = 1)] [BatchNorm]
[Conv(16, 1, Stride = 2, From = "relu3", Name = "proj")] [BatchNorm(Name = "proj_bn")]
[Add("bn5")] [Relu]
[GlobalAvgPool] [FullyConnected(10)]
public partial class ResidualNet { }

// An inception module: the stem's output fans out to four branches (1x1; 1x1 then 3x3; 1x1 then 5x5; 1x1 with tanh),
// concatenated along channels in the order listed (4 + 5 + 3 + 2 = 14), then BN, relu, global pool, FC.
[Input(4, 9, 9)]
[Conv(6, 3, Pad = 1)] [Relu]
[Conv(4, 1, Name = "b1")]
[Conv(3, 1, From = "relu1", Name = "b2_reduce")] [Relu(Name = "b2_relu")] [Conv(5, 3, Pad = 1, Name = "b2")]
[Conv(2, 1, From = "relu1", Name = "b3_reduce")] [Relu(Name = "b3_relu")] [Conv(3, 5, Pad = 2, Name = "b3")]
[Conv(2, 1, From = "relu1", Name = "b4_proj")] [Tanh(Name = "b4")]
[Concat("b2", "b3", "b4", From = "b1")]
[BatchNorm] [Relu] [GlobalAvgPool] [FullyConnected(5)]
public partial class InceptionNet { }

// Dropout everywhere it can sit: on a volume read by two layers (conv2 and add1 read relu1 through it), after a
// batch-normalised FC (BatchNorm1d on [N, 6]), and last, where an Identity must produce the output.
[Input(2, 8, 8)]
[Conv(4, 3)] [Relu] [Dropout(0.5)]
[Conv(4, 3, Pad = 1)] [Add("dropout1")]
[MaxPool(2)] [FullyConnected(6)] [BatchNorm] [Relu] [Dropout(0.25)]
[FullyConnected(3)] [Dropout(0.1)]
public partial class DropoutNet { }

// Merges of [N, features] values with volumes: the FC on the input (5 features) plus a global pool (5x1x1 volume), so
// the FC's output is reshaped once; a concat of two FC outputs stays 2-D; global pooling and a 1x1 conv on it need
// [N, C, 1, 1] again. Ends in the conv, so the output is [N, 2, 1, 1].
[Input(3, 6, 6)]
[Conv(5, 3)] [Relu] [GlobalAvgPool]
[FullyConnected(5, From = "input", Name = "fc_in")]
[Add("gap1")]
[FullyConnected(4)] [Tanh]
[FullyConnected(4, From = "add1", Name = "fc_b")]
[Concat("tanh1", From = "fc_b")]
[BatchNorm] [GlobalAvgPool] [Conv(2, 1)]
public partial class FlatMergeNet { }
