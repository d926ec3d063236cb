using System;
using System.Linq;
using Xunit;

namespace ConvNet.Tests;

/// <summary>Batch norm in training mode couples the samples of a batch: the reference normalises with the mean and biased
/// variance over every sample's H x W values of a channel, which the network must reproduce whatever its workers'
/// shares (11 samples on 2 threads: 5 and 6), and update the running statistics and the batch count as PyTorch does.
/// The networks are <see cref="NumericTests"/>' cases (one compilation).</summary>
public class BatchNormTests
{
    private const int Batch = 11;

    public static TheoryData<string, int> BatchCases => new()
    {
        { "BatchNormConv", 1 }, { "BatchNormConv", 2 },
        { "BatchNormAfterFc", 1 }, { "BatchNormAfterFc", 2 },
        { "BatchNormFirst", 2 },
        { "BasicBlock", 1 }, { "BasicBlock", 2 },
        { "BatchNormFanOut", 2 },
        { "DeadBranch", 2 },
        { "SmoothGraph", 1 }, { "SmoothGraph", 2 },
        { "BatchNormSweep1", 2 }, { "BatchNormSweep7", 2 }, { "BatchNormSweep17", 2 }, { "BatchNormSweep33", 1 }, { "BatchNormSweep49", 2 },
    };

    private static (INetwork Net, ReferenceNetwork Reference, Random Rng) Create(string name, int threads)
    {
        var c = NumericTests.Get(name);
        var rng = new Random(name.Length * 31 + threads);
        var net = NumericTests.Create(c);
        net.MaxDegreeOfParallelism = threads;
        NumericTests.Perturb(net, rng);
        return (net, c.Reference, rng);
    }

    private static double[][] Samples(float[] values, int length) =>
        Enumerable.Range(0, values.Length / length).Select(n => ReferenceNetwork.D(values.AsSpan(n * length, length))).ToArray();

    /// <summary>Forward and backward of one batch against the reference over the whole batch; returns the reference's pass.</summary>
    private static RefPass CompareBatch(INetwork net, ReferenceNetwork r, float[] inputs, float[] dOuts, int batch, bool training)
    {
        net.Training = training;
        var buffers = ReferenceNetwork.D(net.Buffers);
        var outputs = new float[batch * net.OutputLength];
        var dInputs = new float[inputs.Length];
        net.Forward(inputs, outputs, batch);
        net.ZeroGradients();
        net.Backward(dOuts, dInputs, batch);
        var p = ReferenceNetwork.D(net.Parameters);
        var pass = r.Run(p, buffers, Samples(inputs, net.InputLength), training);
        var (refDInputs, refDParams) = r.Backward(p, pass, Samples(dOuts, net.OutputLength));
        Numerics.AssertClose([.. pass.Acts.SelectMany(a => a[^1])], outputs, "outputs");
        Numerics.AssertClose([.. refDInputs.SelectMany(d => d)], dInputs, "dInputs");
        Numerics.AssertClose(refDParams, net.Gradients, "dParameters");
        Numerics.AssertClose(pass.Buffers, net.Buffers, "buffers");
        return pass;
    }

    [Theory, MemberData(nameof(BatchCases))]
    public void Training_batch_uses_the_statistics_of_the_whole_batch(string name, int threads)
    {
        var (net, r, rng) = Create(name, threads);
        var inputs = Numerics.Uniform(rng, Batch * net.InputLength);
        var dOuts = Numerics.Uniform(rng, Batch * net.OutputLength);
        CompareBatch(net, r, inputs, dOuts, Batch, training: true);
        var outputs = new float[Batch * net.OutputLength];
        net.Forward(inputs, outputs, Batch);
        var gradients = (float[])net.Gradients.Clone();

        // The same batch again: the same statistics, so the same bits (only the running statistics move on).
        var again = new float[outputs.Length];
        var buffers = (float[])net.Buffers.Clone();
        net.Forward(inputs, again, Batch);
        net.ZeroGradients();
        net.Backward(dOuts, new float[inputs.Length], Batch);
        Assert.Equal(outputs, again);
        Assert.Equal(gradients, net.Gradients);
        Assert.NotEqual(buffers, net.Buffers);
    }

    [Theory, MemberData(nameof(BatchCases))]
    public void Evaluation_batch_uses_the_running_statistics(string name, int threads)
    {
        var (net, r, rng) = Create(name, threads);
        var buffers = (float[])net.Buffers.Clone();
        CompareBatch(net, r, Numerics.Uniform(rng, Batch * net.InputLength), Numerics.Uniform(rng, Batch * net.OutputLength), Batch, training: false);
        Assert.Equal(buffers, net.Buffers);
    }

    /// <summary>Every training Forward, batch or single, moves the running statistics once with its own batch's statistics and
    /// counts one batch; evaluation Forwards and every Backward leave them alone; evaluation then uses them.</summary>
    [Fact]
    public void Running_statistics_and_count_follow_every_training_forward()
    {
        var (net, r, rng) = Create("BasicBlock", 2);
        var p = ReferenceNetwork.D(net.Parameters);
        var expected = ReferenceNetwork.D(net.Buffers);
        foreach (int batch in new[] { 11, 1, 4, 2 })
        {
            var inputs = Numerics.Uniform(rng, batch * net.InputLength);
            var outputs = new float[batch * net.OutputLength];
            net.Training = false;
            net.Forward(inputs, outputs, batch);
            Numerics.AssertClose(expected, net.Buffers, "buffers after an evaluation forward");
            net.Training = true;
            if (batch == 1) net.Forward(inputs, outputs);
            else net.Forward(inputs, outputs, batch);
            expected = r.Run(p, expected, Samples(inputs, net.InputLength), training: true).Buffers;
            if (batch == 1) net.Backward(Numerics.Uniform(rng, net.OutputLength), default);
            else net.Backward(Numerics.Uniform(rng, outputs.Length), default, batch);
            Numerics.AssertClose(expected, net.Buffers, $"buffers after a training forward of {batch}");
        }
        foreach (var layer in net.Layers.Where(l => l.Kind == LayerKind.BatchNorm))
        {
            var count = layer.BufferTensors.Single(t => t.IsCount);
            Assert.Equal($"{layer.Name}.num_batches_tracked", count.Name);
            Assert.Equal(4f, net.Buffers[count.Offset]);
        }

        net.Training = false;
        var input = Numerics.Uniform(rng, net.InputLength);
        var output = new float[net.OutputLength];
        net.Forward(input, output);
        Numerics.AssertClose(r.Run(p, ReferenceNetwork.D(net.Buffers), [ReferenceNetwork.D(input)]).Output(), output, "evaluation output");
    }

    /// <summary>The running variance moves towards the batch's unbiased variance (PyTorch: count / (count - 1) times the
    /// biased one that normalises). On N values per channel the two differ by a factor 1 + 1 / (N - 1), within the buffer
    /// comparisons' tolerance once N is in the hundreds, so each channel's variance is recovered from its buffer,
    /// (after - (1 - momentum) * before) / momentum, and held to a tenth of that factor against the variance computed
    /// here from the reference's activations: a biased update fails on a realistic 32 x 16 x 16 layer, with momentum 1
    /// (the buffer is the variance) and 0.1, in one sample (256 values) and a batch of 11 on 2 threads (2,816).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(Batch)]
    public void Running_variance_is_the_unbiased_variance_of_the_batch(int batch)
    {
        var (net, r, rng) = Create("BatchNormWide", threads: 2);
        var inputs = Numerics.Uniform(rng, batch * net.InputLength);
        var before = ReferenceNetwork.D(net.Buffers);
        net.Training = true;
        var outputs = new float[batch * net.OutputLength];
        if (batch == 1) net.Forward(inputs, outputs);
        else net.Forward(inputs, outputs, batch);
        var pass = r.Run(ReferenceNetwork.D(net.Parameters), before, Samples(inputs, net.InputLength), training: true);
        var layers = net.Layers.Select((l, i) => (l, i)).Where(t => t.l.Kind == LayerKind.BatchNorm).ToList();
        Assert.Equal([1.0, 0.1], layers.Select(t => t.l.Momentum));
        foreach (var (layer, i) in layers)
        {
            int plane = layer.Output.Height * layer.Output.Width, count = batch * plane;
            int offset = layer.BufferTensors[1].Offset;
            for (int c = 0; c < layer.Output.Channels; c++)
            {
                var values = pass.Acts.SelectMany(a => a[r.Inputs[i][0]].Skip(c * plane).Take(plane)).ToArray();
                double mean = values.Average(), unbiased = values.Sum(v => (v - mean) * (v - mean)) / (count - 1);
                double recovered = (net.Buffers[offset + c] - (1 - layer.Momentum) * before[offset + c]) / layer.Momentum;
                Assert.True(Math.Abs(recovered / unbiased - 1) <= 0.1 / (count - 1),
                    $"{layer.Name} channel {c}: running variance moved towards {recovered:R}, the unbiased variance of its {count} values is {unbiased:R}");
            }
        }
    }

    /// <summary>A training Forward that would leave one value per channel (batch x H x W = 1) throws, as PyTorch does, before
    /// it writes anything: the output and the running statistics are untouched. Two samples, or evaluation, are fine.</summary>
    [Fact]
    public void One_value_per_channel_in_training_throws_before_anything_is_written()
    {
        var (net, r, rng) = Create("BatchNormAfterFc", 2);
        var input = Numerics.Uniform(rng, 2 * net.InputLength);
        var buffers = (float[])net.Buffers.Clone();
        var output = Enumerable.Repeat(5f, 2 * net.OutputLength).ToArray();
        net.Training = true;
        var single = Assert.Throws<InvalidOperationException>(() => net.Forward(input.AsSpan(0, net.InputLength), output.AsSpan(0, net.OutputLength)));
        var batch = Assert.Throws<InvalidOperationException>(() => net.Forward(input.AsSpan(0, net.InputLength), output.AsSpan(0, net.OutputLength), 1));
        foreach (var e in new[] { single, batch })
        {
            Assert.Contains("'bn1'", e.Message);
            Assert.Contains("batch size 1", e.Message);
            Assert.Contains("Training = false", e.Message);
        }
        Assert.Equal(buffers, net.Buffers);
        Assert.All(output, v => Assert.Equal(5f, v));

        net.Forward(input, output, 2);
        Assert.Equal(1f, net.Buffers[net.Layers[1].BufferTensors[2].Offset]);
        Numerics.AssertClose([.. r.Run(ReferenceNetwork.D(net.Parameters), ReferenceNetwork.D(buffers), Samples(input, net.InputLength), training: true)
            .Acts.SelectMany(a => a[^1])], output, "two samples");
        net.Training = false;
        net.Forward(input.AsSpan(0, net.InputLength), output.AsSpan(0, net.OutputLength));
    }

    /// <summary>Backward differentiates the Forward it follows: switching the mode in between changes nothing.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Backward_follows_the_mode_of_its_forward(bool training)
    {
        var (net, r, rng) = Create("BatchNormConv", 2);
        const int batch = 5;
        var inputs = Numerics.Uniform(rng, batch * net.InputLength);
        var dOuts = Numerics.Uniform(rng, batch * net.OutputLength);
        var buffers = ReferenceNetwork.D(net.Buffers);
        net.Training = training;
        net.Forward(inputs, new float[dOuts.Length], batch);
        net.Training = !training;
        net.ZeroGradients();
        var dInputs = new float[inputs.Length];
        net.Backward(dOuts, dInputs, batch);
        var p = ReferenceNetwork.D(net.Parameters);
        var (refDInputs, refDParams) = r.Backward(p, r.Run(p, buffers, Samples(inputs, net.InputLength), training), Samples(dOuts, net.OutputLength));
        Numerics.AssertClose([.. refDInputs.SelectMany(d => d)], dInputs, "dInputs");
        Numerics.AssertClose(refDParams, net.Gradients, "dParameters");
    }
}
