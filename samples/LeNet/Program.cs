using System;
using ConvNet;

var net = new TinyNet();
Console.WriteLine(TinyNet.Summary);
var image = new float[TinyNet.InputLength];
for (int i = 0; i < image.Length; i++) image[i] = (i % 7) / 7f;
Span<float> scores = stackalloc float[TinyNet.OutputLength];
net.Forward(image, scores);
Console.WriteLine(string.Join(" ", scores.ToArray()));

[Input(3, 32, 32)]
[Conv(10, 5, Pad = 2)]
[Relu]
[MaxPool(2)]
[FullyConnected(10)]
public partial class TinyNet { }
