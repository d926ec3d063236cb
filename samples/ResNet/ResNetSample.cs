using Samples.Common;

namespace ResNet;

/// <summary>The ResNet sample: <see cref="MnistResNet"/>, its default recipe, and what it draws.</summary>
public static class ResNetSample
{
    /// <summary>The default recipe (to be chosen on held-out digits).</summary>
    public static Recipe Recipe { get; } = new(
        Epochs: 10,
        BatchSize: 64,
        Optimizer: OptimizerKind.Adam,
        Schedule: ScheduleKind.Cosine,
        MaxShift: 2,
        SgdLearningRate: 0.05f,
        AdamLearningRate: 0.002f);

    /// <summary>The whole sample, for <see cref="Sample.Run"/>.</summary>
    public static SampleSpec Spec { get; } = new(
        Title: "ResNet",
        Description: "Trains a small residual network with batch norm on MNIST, compiled by the ConvNet source generator.",
        Recipe: Recipe,
        Create: seed => new MnistResNet(seed),
        Flops: MnistResNet.Flops,
        WeightsFile: "resnet.safetensors",
        FilterLayer: MnistResNet.Conv1.Index,
        Activations:
        [
            new(MnistResNet.Relu1.Index, "stem activations (conv1, batch norm, ReLU)", "activations-stem.png"),
            new(MnistResNet.Relu3.Index, "stage 1 output (after the skip connection and ReLU)", "activations-stage1.png"),
        ]);
}
