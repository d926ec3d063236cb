namespace ConvNet.Tests;

/// <summary>Sources of the classic large networks, for the diagnostics, the IL-size check and the generator's own timing.</summary>
internal static class BigNets
{
    /// <summary>AlexNet (one-tower, as in torchvision but with the original 96/256/384/384/256 filters); whole at 227, not at 224.</summary>
    public static string AlexNet(int size, string name = "AlexNet") => $$"""
        using ConvNet;
        [Input(3, {{size}}, {{size}})]
        [Conv(96, 11, Stride = 4)] [Relu] [MaxPool(3, Stride = 2)]
        [Conv(256, 5, Pad = 2)] [Relu] [MaxPool(3, Stride = 2)]
        [Conv(384, 3, Pad = 1)] [Relu]
        [Conv(384, 3, Pad = 1)] [Relu]
        [Conv(256, 3, Pad = 1)] [Relu] [MaxPool(3, Stride = 2)]
        [FullyConnected(4096)] [Relu]
        [FullyConnected(4096)] [Relu]
        [FullyConnected(1000)]
        public partial class {{name}} { }
        """;

    /// <summary>VGG-16 (configuration D) at 224: 13 convs 3x3 pad 1 with ReLU, a 2x2 max pool after each block, 3 FC layers.</summary>
    public static string Vgg16(string name = "Vgg16") => $$"""
        using ConvNet;
        [Input(3, 224, 224)]
        [Conv(64, 3, Pad = 1)] [Relu] [Conv(64, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(128, 3, Pad = 1)] [Relu] [Conv(128, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(256, 3, Pad = 1)] [Relu] [Conv(256, 3, Pad = 1)] [Relu] [Conv(256, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [Conv(512, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [FullyConnected(4096)] [Relu]
        [FullyConnected(4096)] [Relu]
        [FullyConnected(1000)]
        public partial class {{name}} { }
        """;
}
