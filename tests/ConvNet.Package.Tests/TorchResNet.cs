namespace ConvNet.Package.Tests;

// A ResNet in torchvision's names (conv1, bn1, layer1.0.conv1, ..., layer2.0.downsample.0/1, fc), so a state_dict of
// the PyTorch model loads unchanged: a conv + BN + relu stem, one basic block with an identity shortcut, one whose
// first conv has stride 2 and whose shortcut is a 1x1 stride-2 conv with its own BN, global average pooling and FC.
// Fixtures/torch-resnet.* and convnet-resnet.* come from the same model in TorchSharp, built layer for layer in
// benchmarks/ConvNet.Benchmarks/Fixtures/TorchResNetFixture.cs; that project compiles this file too.
[Input(3, 8, 8)]
[Conv(8, 3, Pad = 1, Name = "conv1")] [BatchNorm(Name = "bn1")] [Relu(Name = "relu")]
[Conv(8, 3, Pad = 1, Name = "layer1.0.conv1")] [BatchNorm(Name = "layer1.0.bn1")] [Relu(Name = "layer1.0.relu1")]
[Conv(8, 3, Pad = 1, Name = "layer1.0.conv2")] [BatchNorm(Name = "layer1.0.bn2")]
[Add("relu", Name = "layer1.0.add")] [Relu(Name = "layer1.0.relu2")]
[Conv(16, 3, Stride = 2, Pad = 1, Name = "layer2.0.conv1")] [BatchNorm(Name = "layer2.0.bn1")] [Relu(Name = "layer2.0.relu1")]
[Conv(16, 3, Pad = 1, Name = "layer2.0.conv2")] [BatchNorm(Name = "layer2.0.bn2")]
[Conv(16, 1, Stride = 2, From = "layer1.0.relu2", Name = "layer2.0.downsample.0")] [BatchNorm(Name = "layer2.0.downsample.1")]
[Add("layer2.0.bn2", Name = "layer2.0.add")] [Relu(Name = "layer2.0.relu2")]
[GlobalAvgPool(Name = "avgpool")] [FullyConnected(10, Name = "fc")]
public partial class TorchResNet { }
