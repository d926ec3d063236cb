using ConvNet;

namespace ResNet;

/// <summary>
/// A small residual network for 28x28 digits, after He et al. (2016): a 3x3 conv stem, then three stages of one basic
/// block each (two 3x3 convs with batch norm, and a skip connection added before the last ReLU) at 16, 32 and 64
/// channels. The second and third stages halve the height and width with a stride-2 first conv, and their skip
/// connections go through a 1x1 stride-2 projection (with its own batch norm) so the shapes match; global average
/// pooling and one FC layer give the ten scores.
/// </summary>
[Input(1, 28, 28)]
[Conv(16, 3, Pad = 1)]                  // conv1: the stem, 1x28x28 -> 16x28x28
[BatchNorm]                             // bn1
[Relu]                                  // relu1
// Stage 1, 16x28x28: the skip connection is the identity.
[Conv(16, 3, Pad = 1)]                  // conv2
[BatchNorm]                             // bn2
[Relu]                                  // relu2
[Conv(16, 3, Pad = 1)]                  // conv3
[BatchNorm]                             // bn3
[Add("relu1")]                          // add1 = bn3 + relu1
[Relu]                                  // relu3
// Stage 2, 32x14x14.
[Conv(32, 3, Stride = 2, Pad = 1)]      // conv4
[BatchNorm]                             // bn4
[Relu]                                  // relu4
[Conv(32, 3, Pad = 1)]                  // conv5
[BatchNorm]                             // bn5
[Conv(32, 1, Stride = 2, From = "relu3")] // conv6: the projection of the skip connection
[BatchNorm]                             // bn6
[Add("bn5")]                            // add2 = bn6 + bn5
[Relu]                                  // relu5
// Stage 3, 64x7x7.
[Conv(64, 3, Stride = 2, Pad = 1)]      // conv7
[BatchNorm]                             // bn7
[Relu]                                  // relu6
[Conv(64, 3, Pad = 1)]                  // conv8
[BatchNorm]                             // bn8
[Conv(64, 1, Stride = 2, From = "relu5")] // conv9: the projection
[BatchNorm]                             // bn9
[Add("bn8")]                            // add3 = bn9 + bn8
[Relu]                                  // relu7
[GlobalAvgPool]                         // gap1 (64x1x1)
[FullyConnected(10)]                    // fc1
public sealed partial class MnistResNet;
