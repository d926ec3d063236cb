using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace ConvNet.Tests;

/// <summary>The runtime library's helpers on generated networks with state: batch norm's running statistics and
/// training-mode limits, and dropout's masks generator. Predictions must not depend on the mode a training loop left,
/// an epoch must not fail half-way, and a checkpoint must carry the masks.</summary>
public class RuntimeStateTests
{
    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(string.Join("\n",
    [
        Net("BnConv", "[Input(1, 4, 4)] [Conv(3, 3)] [BatchNorm] [Relu] [FullyConnected(4)]"),
        Net("BnAfterFc", "[Input(1, 3, 3)] [FullyConnected(6)] [BatchNorm] [Relu] [FullyConnected(3)]"),
        Net("Dropped", "[Input(1, 3, 3)] [FullyConnected(16)] [Relu] [Dropout(0.5)] [FullyConnected(3)]"),
    ])));

    private static string Net(string name, string attributes) => $"namespace State {{ using ConvNet; {attributes} public partial class {name} {{ }} }}";

    private static INetwork Create(string name, int seed = 1)
    {
        var network = Harness.Create(Compiled.Value, "State." + name, seed);
        // Batch sums are combined per worker: a fixed count keeps the bits the same on every machine.
        network.MaxDegreeOfParallelism = 2;
        return network;
    }

    private static float[] Uniform(int length, int seed) => Numerics.Uniform(new Random(seed), length);

    private static int[] Labels(int count, int classes) => [.. Enumerable.Range(0, count).Select(n => n * 7 % classes)];

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];

    [Fact]
    public void Predict_Probabilities_and_TopK_evaluate_in_evaluation_mode_and_restore_the_callers_mode()
    {
        const int batch = 4;
        var net = Create("BnConv");
        var inputs = Uniform(batch * net.InputLength, 2);
        var sample = inputs[..net.InputLength];
        // A training step's worth of running statistics, so evaluation differs from training mode.
        net.Training = true;
        net.Forward(inputs, new float[batch * net.OutputLength], batch);

        net.Training = false;
        var single = new float[net.OutputLength];
        net.Forward(sample, single);
        var scores = new float[batch * net.OutputLength];
        net.Forward(inputs, scores, batch);
        var probabilities = (float[])scores.Clone();
        for (int n = 0; n < batch; n++) Inference.Softmax(scores.AsSpan(n * net.OutputLength, net.OutputLength), probabilities.AsSpan(n * net.OutputLength, net.OutputLength));
        int[] classes = [.. Enumerable.Range(0, batch).Select(n => Inference.ArgMax(scores.AsSpan(n * net.OutputLength, net.OutputLength)))];

        net.Training = true;
        var buffers = (float[])net.Buffers.Clone();
        var written = new float[net.OutputLength];
        Assert.Equal(classes[0], net.Predict(sample));
        Assert.Equal(classes[0], net.Predict(sample, written));
        Assert.Equal(single, written);
        Assert.Equal(probabilities[..net.OutputLength], net.Probabilities(sample));
        Assert.Equal(classes[0], net.TopK(sample, 2)[0].Class);
        Assert.Equal(classes, net.Predict(inputs, batch));
        Assert.Equal(probabilities, net.Probabilities(inputs, batch));
        Assert.Equal(classes, net.TopK(inputs, batch, 2).Select(top => top[0].Class));
        Assert.True(net.Training);
        // Training mode would have normalised with the batch's statistics and moved the running ones.
        Assert.Equal(Bits(buffers), Bits(net.Buffers));
        net.Forward(inputs, new float[batch * net.OutputLength], batch);
        Assert.NotEqual(Bits(buffers), Bits(net.Buffers));
    }

    [Fact]
    public void TrainEpoch_checks_every_batch_before_the_first_step_and_can_drop_the_last_partial_one()
    {
        // 17 samples in batches of 8 leave a last batch of 1, which batch norm after an FC layer cannot normalise.
        var net = Create("BnAfterFc");
        var inputs = Uniform(17 * net.InputLength, 4);
        var labels = Labels(17, net.OutputLength);
        var optimizer = new Adam(net.Parameters.Length);
        var rng = new Rng(5);
        var parameters = (float[])net.Parameters.Clone();
        var buffers = (float[])net.Buffers.Clone();
        ulong order = rng.State;

        var error = Assert.Throws<ArgumentException>("batchSize", () => Training.TrainEpoch(net, optimizer, inputs, labels, 8, rng));
        Assert.Contains("The last batch (17 samples = 2 x 8 + 1) has 1 sample", error.Message);
        Assert.Contains("dropLastPartialBatch", error.Message);
        Assert.Equal(Bits(parameters), Bits(net.Parameters));
        Assert.Equal(Bits(buffers), Bits(net.Buffers));
        Assert.Equal(0, optimizer.Steps);
        Assert.Equal(order, rng.State);
        Assert.False(net.Training);

        float loss = Training.TrainEpoch(net, optimizer, inputs, labels, 8, rng, dropLastPartialBatch: true);
        Assert.True(float.IsFinite(loss));
        Assert.Equal(2, optimizer.Steps);
        Assert.NotEqual(Bits(parameters), Bits(net.Parameters));

        // Nothing left to train is refused too; a batch of one alone is the same batch norm error.
        Assert.Throws<ArgumentException>("labels", () => Training.TrainEpoch(net, optimizer, inputs[..(7 * net.InputLength)], labels[..7], 8, rng, dropLastPartialBatch: true));
        Assert.Throws<ArgumentException>("batchSize", () => Training.TrainEpoch(net, optimizer, inputs, labels, 1, rng));
        Assert.Equal(2, optimizer.Steps);
    }

    [Fact]
    public void A_training_batch_of_zero_is_refused_saying_it_leaves_no_value_per_channel()
    {
        var net = Create("BnConv");
        net.Training = true;
        var error = Assert.Throws<InvalidOperationException>(() => net.Forward(ReadOnlySpan<float>.Empty, Span<float>.Empty, 0));
        Assert.Contains("batch size 0 leaves no value per channel", error.Message);
        // One sample of 2x2 values per channel is enough, and a batch of one FC output is not.
        net.Forward(new float[net.InputLength], new float[net.OutputLength], 1);
        var fc = Create("BnAfterFc");
        fc.Training = true;
        Assert.Contains("batch size 1 leaves one value per channel",
            Assert.Throws<InvalidOperationException>(() => fc.Forward(new float[fc.InputLength], new float[fc.OutputLength], 1)).Message);
    }

    private static (INetwork Network, Adam Optimizer, Rng Rng) Start()
    {
        var net = Create("Dropped", seed: 3);
        return (net, new Adam(net.Parameters.Length, 0.01f), new Rng(8));
    }

    private static void Train(INetwork net, Adam optimizer, Rng rng, int epochs)
    {
        var inputs = Uniform(40 * net.InputLength, 6);
        var labels = Labels(40, net.OutputLength);
        for (int e = 0; e < epochs; e++) Training.TrainEpoch(net, optimizer, inputs, labels, 8, rng);
    }

    [Fact]
    public void A_checkpoint_of_a_dropout_network_resumes_with_the_same_masks_as_the_uninterrupted_run()
    {
        var uninterrupted = Start();
        Train(uninterrupted.Network, uninterrupted.Optimizer, uninterrupted.Rng, 4);

        var first = Start();
        Train(first.Network, first.Optimizer, first.Rng, 2);
        using var file = new MemoryStream();
        new Checkpoint(first.Network, first.Optimizer, first.Rng).Save(file);

        var resumed = Start();
        ulong fresh = Assert.IsAssignableFrom<IDropoutNetwork>(resumed.Network).DropoutState;
        new Checkpoint(resumed.Network, resumed.Optimizer, resumed.Rng).Load(new MemoryStream(file.ToArray()));
        Assert.Equal(((IDropoutNetwork)first.Network).DropoutState, ((IDropoutNetwork)resumed.Network).DropoutState);
        Train(resumed.Network, resumed.Optimizer, resumed.Rng, 2);
        Assert.Equal(Bits(uninterrupted.Network.Parameters), Bits(resumed.Network.Parameters));

        // The masks' state is what makes it exact: the same resume with the constructor's masks state ends elsewhere.
        var freshMasks = Start();
        new Checkpoint(freshMasks.Network, freshMasks.Optimizer, freshMasks.Rng).Load(new MemoryStream(file.ToArray()));
        ((IDropoutNetwork)freshMasks.Network).DropoutState = fresh;
        Train(freshMasks.Network, freshMasks.Optimizer, freshMasks.Rng, 2);
        Assert.NotEqual(Bits(uninterrupted.Network.Parameters), Bits(freshMasks.Network.Parameters));
        Assert.IsNotAssignableFrom<IDropoutNetwork>(Create("BnConv"));
    }
}
