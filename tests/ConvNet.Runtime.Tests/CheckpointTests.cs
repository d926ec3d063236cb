using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("convnet-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private const int Epochs = 10, StepsPerEpoch = 8, BatchSize = 16;

    // 128 points of 4 noisy clusters in 5 dimensions.
    private static (float[] Inputs, int[] Labels) Data()
    {
        var rng = new Rng(11);
        var inputs = new float[128 * 5];
        var labels = new int[128];
        for (int n = 0; n < labels.Length; n++)
        {
            labels[n] = n % 4;
            for (int i = 0; i < 5; i++) inputs[5 * n + i] = (i == labels[n] ? 1.5f : 0f) + rng.NextGaussian();
        }
        return (inputs, labels);
    }

    // One training run's objects, set up the same way every time: the checkpoint must carry everything else.
    private sealed record Run(LinearNetwork Network, Optimizer Optimizer, Rng Rng)
    {
        public static Run Start(string optimizer)
        {
            var network = new LinearNetwork(5, 4);
            var init = new Rng(7);
            for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] = init.NextUniform(-0.1f, 0.1f);
            const long total = (long)Epochs * StepsPerEpoch;
            Optimizer opt = optimizer switch
            {
                "adam" => new Adam(network.Parameters.Length, weightDecay: 0.01f, decoupledWeightDecay: true)
                {
                    Schedule = new CosineSchedule(0.05f, total, warmupSteps: 12),
                },
                "sgd" => new Sgd(network.Parameters.Length, 0f, momentum: 0.9f, nesterov: true)
                {
                    Schedule = new OneCycleSchedule(0.2f, total),
                },
                _ => new Sgd(network.Parameters.Length, 0.1f) { Schedule = new StepSchedule(0.1f, 20, 0.5f) },
            };
            return new Run(network, opt, new Rng(99));
        }

        public void Train(int epochs)
        {
            var (inputs, labels) = Data();
            for (int e = 0; e < epochs; e++) Training.TrainEpoch(Network, Optimizer, inputs, labels, BatchSize, Rng);
        }

        public Checkpoint Checkpoint => new(Network, Optimizer, Rng);
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    [InlineData("plain")]
    public void ResumingAfterEpoch5_GivesTheSameBitsAtEpoch10AsTheUninterruptedRun(string optimizer)
    {
        var uninterrupted = Run.Start(optimizer);
        uninterrupted.Train(Epochs);

        var first = Run.Start(optimizer);
        first.Train(5);
        string path = PathOf("epoch5.safetensors");
        first.Checkpoint.Save(path, new Dictionary<string, string> { ["epoch"] = "5" });

        var resumed = Run.Start(optimizer);
        var metadata = resumed.Checkpoint.Load(path);
        Assert.Equal("5", metadata["epoch"]);
        Assert.Equal(5L * StepsPerEpoch, resumed.Optimizer.Steps);
        resumed.Train(Epochs - 5);

        Assert.Equal(Bits(uninterrupted.Network.Parameters), Bits(resumed.Network.Parameters));
        foreach (var (a, b) in uninterrupted.Optimizer.State.Zip(resumed.Optimizer.State))
            Assert.Equal(Bits(a.Value), Bits(b.Value));
        Assert.Equal(uninterrupted.Rng.State, resumed.Rng.State);
        // The comparison can fail: the weights are still moving at epoch 10.
        var shorter = Run.Start(optimizer);
        shorter.Train(Epochs - 1);
        Assert.NotEqual(Bits(uninterrupted.Network.Parameters), Bits(shorter.Network.Parameters));
    }

    [Fact]
    public void ResumingWithoutTheOptimizerOrTheGeneratorState_WouldNotBeExact()
    {
        var uninterrupted = Run.Start("adam");
        uninterrupted.Train(Epochs);
        var first = Run.Start("adam");
        first.Train(5);

        var weightsOnly = Run.Start("adam");
        first.Network.Parameters.CopyTo(weightsOnly.Network.Parameters);
        weightsOnly.Rng.State = first.Rng.State;
        weightsOnly.Train(Epochs - 5);
        Assert.NotEqual(Bits(uninterrupted.Network.Parameters), Bits(weightsOnly.Network.Parameters));

        string path = PathOf("no-rng.safetensors");
        new Checkpoint(first.Network, first.Optimizer).Save(path);
        var freshOrder = Run.Start("adam");
        new Checkpoint(freshOrder.Network, freshOrder.Optimizer).Load(path);
        freshOrder.Train(Epochs - 5);
        Assert.NotEqual(Bits(uninterrupted.Network.Parameters), Bits(freshOrder.Network.Parameters));
    }

    [Fact]
    public void TheFile_IsSafetensorsWithTheWeightsUnderTheirOwnNames()
    {
        var run = Run.Start("adam");
        run.Train(1);
        string path = PathOf("c.safetensors");
        run.Checkpoint.Save(path);

        var tensors = SafeTensors.Read(path);
        Assert.Equal(["fc1.weight", "fc1.bias", "optimizer/exp_avg", "optimizer/exp_avg_sq"], tensors.Keys);
        Assert.Equal([24], tensors["optimizer/exp_avg"].Shape);
        Assert.Equal(run.Optimizer.State[1].Value, tensors["optimizer/exp_avg_sq"].Data);

        var metadata = SafeTensors.ReadMetadata(path);
        Assert.Equal(Checkpoint.Format, metadata["convnet.format"]);
        Assert.Equal("8", metadata["convnet.steps"]);
        Assert.Equal(run.Rng.State.ToString(), metadata["convnet.rng"]);
        Assert.Equal("Adam(beta1=0.9, beta2=0.999, eps=1E-08, weight_decay=0.01, decoupled_weight_decay=true, " +
                     "lr=cosine(lr=0.05, total_steps=80, warmup_steps=12, min_lr=0))", metadata["convnet.optimizer"]);

        var weights = new LinearNetwork(5, 4);
        SafeTensors.Load(weights, path, ignoreExtraTensors: true);
        Assert.Equal(run.Network.Parameters, weights.Parameters);
    }

    [Fact]
    public void TheSameState_GivesTheSameBytes()
    {
        var run = Run.Start("sgd");
        run.Train(1);
        using var a = new MemoryStream();
        using var b = new MemoryStream();
        run.Checkpoint.Save(a, new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" });
        run.Checkpoint.Save(b, new Dictionary<string, string> { ["a"] = "2", ["z"] = "1" });
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    // Loading must fail with a message containing the fragment, and change nothing.
    private static void AssertRejected(Run target, Action load, string fragment)
    {
        var parameters = (float[])target.Network.Parameters.Clone();
        var state = target.Optimizer.State.Select(s => (float[])s.Value.Clone()).ToArray();
        long steps = target.Optimizer.Steps;
        ulong rng = target.Rng.State;
        var error = Assert.Throws<InvalidDataException>(load);
        Assert.Contains(fragment, error.Message);
        Assert.Equal(parameters, target.Network.Parameters);
        Assert.Equal(state, target.Optimizer.State.Select(s => s.Value));
        Assert.Equal(steps, target.Optimizer.Steps);
        Assert.Equal(rng, target.Rng.State);
    }

    private static Run Trained(string optimizer)
    {
        var run = Run.Start(optimizer);
        run.Train(1);
        return run;
    }

    [Fact]
    public void AnOptimizerWithOtherSettings_IsRefused()
    {
        string path = PathOf("adam.safetensors");
        Trained("adam").Checkpoint.Save(path);

        var sgd = Run.Start("sgd");
        AssertRejected(sgd, () => sgd.Checkpoint.Load(path), "but the optimizer is Sgd(momentum=0.9");
        var otherSchedule = Run.Start("adam");
        otherSchedule.Optimizer.Schedule = new CosineSchedule(0.05f, 81, warmupSteps: 12);
        AssertRejected(otherSchedule, () => otherSchedule.Checkpoint.Load(path), "total_steps=81");
    }

    [Fact]
    public void AWeightsFile_IsNotACheckpoint()
    {
        string path = PathOf("weights.safetensors");
        SafeTensors.Save(Trained("adam").Network, path);
        var target = Run.Start("adam");
        AssertRejected(target, () => target.Checkpoint.Load(path), "not a ConvNet checkpoint");
    }

    [Fact]
    public void AGeneratorToRestore_NeedsItsStateInTheFile()
    {
        var source = Trained("adam");
        string path = PathOf("no-rng.safetensors");
        new Checkpoint(source.Network, source.Optimizer).Save(path);
        var target = Run.Start("adam");
        AssertRejected(target, () => target.Checkpoint.Load(path), "'convnet.rng'");
    }

    [Fact]
    public void ATruncatedOrWrongSizedFile_ChangesNothing()
    {
        var source = Trained("adam");
        using var stream = new MemoryStream();
        source.Checkpoint.Save(stream);
        byte[] file = stream.ToArray();
        var target = Run.Start("adam");
        AssertRejected(target, () => target.Checkpoint.Load(new MemoryStream(file[..^4])), "truncated");

        var wider = new Run(new LinearNetwork(6, 4), new Adam(28, weightDecay: 0.01f, decoupledWeightDecay: true) { Schedule = source.Optimizer.Schedule }, new Rng(1));
        AssertRejected(wider, () => wider.Checkpoint.Load(new MemoryStream(file)), "'fc1.weight'");
    }

    [Fact]
    public void BatchNormBuffers_TravelWithTheWeights()
    {
        var source = TinyNetwork.WithBatchNormRamp();
        var optimizer = new Adam(129);
        var gradients = new float[129];
        for (int i = 0; i < gradients.Length; i++) gradients[i] = i % 7 - 3;
        optimizer.Step(source.Parameters, gradients);
        using var stream = new MemoryStream();
        new Checkpoint(source, optimizer).Save(stream);

        var target = TinyNetwork.WithBatchNorm();
        var restored = new Adam(129);
        new Checkpoint(target, restored).Load(new MemoryStream(stream.ToArray()));
        Assert.Equal(Bits(source.Parameters), Bits(target.Parameters));
        Assert.Equal(Bits(source.Buffers), Bits(target.Buffers));
        Assert.Equal(1L << 40, (long)target.Buffers[11]);
        Assert.Equal(Bits(optimizer.State[0].Value), Bits(restored.State[0].Value));
        Assert.Equal(1, restored.Steps);
    }

    [Fact]
    public void Dropout_IsRefused_WhenTheNetworkDoesNotExposeItsMasksGenerator()
    {
        var plain = new LinearNetwork(5, 4);
        var withDropout = new LinearNetwork(5, 4)
        {
            Layers = [.. plain.Layers, new LayerInfo("dropout1", LayerKind.Dropout, new Shape(4, 1, 1), new Shape(4, 1, 1), 0, 0, 0, 24, 0)],
        };
        var error = Assert.Throws<NotSupportedException>(() => new Checkpoint(withDropout, new Adam(24)));
        Assert.Contains("'dropout1'", error.Message);
        Assert.Contains(nameof(IDropoutNetwork), error.Message);
    }

    // The checkpoint's bytes with one metadata entry set to another string.
    private static byte[] WithMetadata(byte[] file, string key, string value)
    {
        int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = System.Text.Json.Nodes.JsonNode.Parse(file.AsSpan(8, length))!.AsObject();
        header["__metadata__"]![key] = value;
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        var prefix = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        return [.. prefix, .. json, .. file[(8 + length)..]];
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("9007199254740993")]
    public void AStepCountAboveTheLimit_IsRefused(string steps)
    {
        using var stream = new MemoryStream();
        Trained("adam").Checkpoint.Save(stream);
        byte[] file = WithMetadata(stream.ToArray(), "convnet.steps", steps);
        var target = Run.Start("adam");
        AssertRejected(target, () => target.Checkpoint.Load(new MemoryStream(file)), $"'convnet.steps' is '{steps}', not a step count from 0 to {Optimizer.MaxSteps}");
    }

    [Fact]
    public void AtTheStepLimit_StepThrows_AndChangesNothing()
    {
        using var stream = new MemoryStream();
        Trained("adam").Checkpoint.Save(stream);
        byte[] file = WithMetadata(stream.ToArray(), "convnet.steps", Optimizer.MaxSteps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var run = Run.Start("adam");
        run.Checkpoint.Load(new MemoryStream(file));
        Assert.Equal(Optimizer.MaxSteps, run.Optimizer.Steps);
        var parameters = (float[])run.Network.Parameters.Clone();
        var error = Assert.Throws<InvalidOperationException>(() => run.Optimizer.Step(run.Network));
        Assert.Contains("MaxSteps", error.Message);
        Assert.Equal(parameters, run.Network.Parameters);
        Assert.Equal(Optimizer.MaxSteps, run.Optimizer.Steps);
    }

    [Fact]
    public void MetadataOverTheReadersHeaderLimit_IsRefusedBeforeTheOldCheckpointIsTouched()
    {
        var run = Trained("adam");
        string path = PathOf("good.safetensors");
        run.Checkpoint.Save(path);
        byte[] good = File.ReadAllBytes(path);
        var huge = new Dictionary<string, string> { ["history"] = new string('a', (int)SafeTensors.MaxHeaderLength) };
        var error = Assert.Throws<ArgumentException>("metadata", () => run.Checkpoint.Save(path, huge));
        Assert.Contains($"{SafeTensors.MaxHeaderLength:N0}-byte limit", error.Message);
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
        Assert.Throws<ArgumentException>("metadata", () => run.Checkpoint.Save(new MemoryStream(), huge));
    }

    [Theory]
    [InlineData("history", @"epoch 1\ud800")]
    [InlineData(@"\udc00key", "1")]
    [InlineData("history", @"\udbff")]
    public void ALoneSurrogateInMetadata_IsRefused_NotTurnedIntoU_FFFD(string key, string value)
    {
        key = System.Text.RegularExpressions.Regex.Unescape(key);
        value = System.Text.RegularExpressions.Regex.Unescape(value);
        var run = Trained("adam");
        string path = PathOf("surrogate.safetensors");
        var error = Assert.Throws<ArgumentException>("metadata", () => run.Checkpoint.Save(path, new Dictionary<string, string> { [key] = value }));
        Assert.Contains("lone surrogate", error.Message);
        Assert.False(File.Exists(path));
        // A whole pair is fine and comes back unchanged.
        run.Checkpoint.Save(path, new Dictionary<string, string> { ["emoji"] = "\U0001F600" });
        Assert.Equal("\U0001F600", Run.Start("adam").Checkpoint.Load(path)["emoji"]);
    }

    [Fact]
    public void Misuse_IsRejectedBeforeAnythingIsWritten()
    {
        var run = Trained("adam");
        string path = PathOf("reserved.safetensors");
        Assert.Throws<ArgumentException>("metadata",
            () => run.Checkpoint.Save(path, new Dictionary<string, string> { ["convnet.steps"] = "0" }));
        Assert.False(File.Exists(path));
        Assert.Throws<ArgumentException>("optimizer", () => new Checkpoint(run.Network, new Adam(23)));
    }
}
