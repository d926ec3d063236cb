using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ConvNet.Package.Tests;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConvNet.Benchmarks;

/// <summary>
/// The batch norm weight fixtures of tests/ConvNet.Package.Tests, both directions, for <see cref="TorchResNet"/> (the
/// same network as <see cref="ResNet"/> below, in torchvision's names):
/// <list type="bullet">
/// <item><c>torch-resnet.safetensors</c>: the state_dict of a seeded TorchSharp ResNet after three SGD steps in training
/// mode (so weights, batch norm scales and shifts, running statistics and num_batches_tracked = 3 all differ from their
/// initial values), in the layout of <c>safetensors.torch.save_file</c>; <c>torch-resnet.json</c>: a fixed input and
/// the model's evaluation-mode output, then one training-mode forward from that state: its batch, its output and every
/// running statistic and count after it. No ConvNet code is involved.</item>
/// <item><c>convnet-resnet.safetensors</c>: <see cref="TorchResNet"/> after one ConvNet training epoch of three batches,
/// written by ConvNet's <see cref="SafeTensors.Save(INetwork, string)"/>; <c>convnet-resnet.json</c>: TorchSharp's
/// evaluation-mode output for a fixed input after <c>load_state_dict(strict: true)</c> of that file, read by
/// <see cref="TorchSafetensors"/>.</item>
/// </list>
/// </summary>
internal static class TorchResNetFixture
{
    public const long Seed = 20261210;
    private const int Steps = 3, TrainBatch = 4, Samples = 2;

    public static void Write(string dir)
    {
        torch.manual_seed(Seed);
        WriteTorchMade(dir);
        WriteConvNetMade(dir);
    }

    private static void WriteTorchMade(string dir)
    {
        var model = new ResNet();
        model.train();
        var sgd = optim.SGD(model.parameters(), 0.1);
        for (int step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(model.forward(randn(TrainBatch, 3, 8, 8)), randint(0, 10, [TrainBatch]));
            sgd.zero_grad();
            loss.backward();
            sgd.step();
        }

        model.eval();
        var input = randn(Samples, 3, 8, 8);
        float[] output = Forward(model, input);
        var state = model.state_dict();
        string file = Path.Combine(dir, "torch-resnet.safetensors");
        TorchSafetensors.Write(file, state.Select(p => (p.Key, p.Value)),
            new Dictionary<string, string> { ["producer"] = TorchFixtureCommand.Producer, ["seed"] = Seed.ToString(CultureInfo.InvariantCulture) });

        // Training mode from the saved state: batch statistics, and running statistics and counts updated.
        model.train();
        var trainInput = randn(TrainBatch, 3, 8, 8);
        float[] trainOutput = Forward(model, trainInput);
        var after = new Dictionary<string, float[]>();
        foreach (var (name, t) in model.state_dict())
        {
            if (name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)) after[name] = [t.item<long>()];
            else if (name.Contains(".running_", StringComparison.Ordinal)) after[name] = t.data<float>().ToArray();
        }

        TorchFixtureCommand.WriteJson(dir, "torch-resnet.json", new Dictionary<string, object>
        {
            ["producer"] = $"{TorchFixtureCommand.Producer} (libtorch CPU), torch.manual_seed({Seed}); see benchmarks/ConvNet.Benchmarks/Fixtures/TorchResNetFixture.cs",
            ["model"] = "ResNet: conv1 bn1 relu, layer1 = BasicBlock(8, 8), layer2 = BasicBlock(8, 16, stride 2, downsample = 1x1 conv + BN), mean over H and W, fc; " +
                        $"{Steps} SGD steps (lr 0.1, batches of {TrainBatch}) in training mode, then eval()",
            ["inputShape"] = new[] { Samples, 3, 8, 8 },
            ["input"] = input.data<float>().ToArray(),
            ["output"] = output,
            ["trainInputShape"] = new[] { TrainBatch, 3, 8, 8 },
            ["trainInput"] = trainInput.data<float>().ToArray(),
            ["trainOutput"] = trainOutput,
            ["buffersAfterTrainForward"] = after,
        });
        foreach (var (name, t) in state) Console.WriteLine($"{name} {t.dtype} [{string.Join(", ", t.shape)}]");
        Console.WriteLine($"wrote {file} and torch-resnet.json");
    }

    private static void WriteConvNetMade(string dir)
    {
        // One thread: the sums then run in one order whatever the machine's core count, so the file is reproducible.
        var net = new TorchResNet(seed: 5) { MaxDegreeOfParallelism = 1 };
        var random = new Random(6);
        var inputs = new float[Steps * TrainBatch * TorchResNet.InputLength];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle() * 2 - 1;
        var labels = new int[Steps * TrainBatch];
        for (int i = 0; i < labels.Length; i++) labels[i] = random.Next(TorchResNet.OutputLength);
        ConvNet.Training.TrainEpoch(net, new Sgd(net.Parameters.Length, 0.1f), inputs, labels, TrainBatch, new Rng(7));
        string file = Path.Combine(dir, "convnet-resnet.safetensors");
        SafeTensors.Save(net, file);

        var model = new ResNet();
        var own = model.state_dict();
        var loaded = TorchSafetensors.Read(file);
        foreach (var (name, t) in own)
        {
            if (!loaded.TryGetValue(name, out var l) || l.dtype != t.dtype || !l.shape.SequenceEqual(t.shape))
                throw new InvalidDataException($"{file}: '{name}' is missing or not {t.dtype} [{string.Join(", ", t.shape)}] as TorchSharp's module has it.");
        }
        model.load_state_dict(loaded, strict: true);
        model.eval();
        var input = randn(Samples, 3, 8, 8);

        TorchFixtureCommand.WriteJson(dir, "convnet-resnet.json", new Dictionary<string, object>
        {
            ["producer"] = $"weights: ConvNet (TorchResNet(seed: 5), one Training.TrainEpoch of {Steps} SGD batches); outputs: {TorchFixtureCommand.Producer} " +
                           $"(libtorch CPU) after load_state_dict(strict: true), torch.manual_seed({Seed}); see benchmarks/ConvNet.Benchmarks/Fixtures/TorchResNetFixture.cs",
            ["inputShape"] = new[] { Samples, 3, 8, 8 },
            ["input"] = input.data<float>().ToArray(),
            ["output"] = Forward(model, input),
            ["numBatchesTracked"] = model.state_dict()["bn1.num_batches_tracked"].item<long>(),
        });
        Console.WriteLine($"wrote {file} (by ConvNet) and convnet-resnet.json (TorchSharp's outputs for it)");
    }

    private static float[] Forward(ResNet model, Tensor input)
    {
        using var _ = no_grad();
        using var y = model.forward(input);
        return y.data<float>().ToArray();
    }

    // torchvision's BasicBlock: conv 3x3 (stride s) + BN + relu, conv 3x3 + BN, plus the input or its 1x1 stride-s
    // projection with BN ("downsample", children "0" and "1"), then relu. Conv biases stay on: ConvNet's Conv has one.
    private sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1, conv2;
        private readonly BatchNorm2d bn1, bn2;
        private readonly Sequential? downsample;

        public BasicBlock(long inChannels, long channels, long stride) : base(nameof(BasicBlock))
        {
            conv1 = nn.Conv2d(inChannels, channels, 3, stride: stride, padding: 1);
            bn1 = nn.BatchNorm2d(channels);
            conv2 = nn.Conv2d(channels, channels, 3, padding: 1);
            bn2 = nn.BatchNorm2d(channels);
            if (stride != 1 || inChannels != channels)
                downsample = nn.Sequential(nn.Conv2d(inChannels, channels, 1, stride: stride), nn.BatchNorm2d(channels));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var y = bn2.forward(conv2.forward(nn.functional.relu(bn1.forward(conv1.forward(x)))));
            return nn.functional.relu(y + (downsample is null ? x : downsample.forward(x))).MoveToOuterDisposeScope();
        }
    }

    private sealed class ResNet : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly Sequential layer1, layer2;
        private readonly Linear fc;

        public ResNet() : base(nameof(ResNet))
        {
            conv1 = nn.Conv2d(3, 8, 3, padding: 1);
            bn1 = nn.BatchNorm2d(8);
            layer1 = nn.Sequential(new BasicBlock(8, 8, 1));
            layer2 = nn.Sequential(new BasicBlock(8, 16, 2));
            fc = nn.Linear(16, 10);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var y = layer2.forward(layer1.forward(nn.functional.relu(bn1.forward(conv1.forward(x)))));
            return fc.forward(y.mean([2, 3])).MoveToOuterDisposeScope();
        }
    }
}
