using System;
using System.Linq;
using ConvNet.Internal;
using Xunit;

namespace ConvNet.Runtime.Tests;

/// <summary>The plumbing generated networks share (ConvNet.Internal.NetworkRuntime), against naive loops: small-integer
/// operands make every float sum exact, so those results are compared bit for bit; the batch statistics are compared with
/// a two-pass mean and variance over the whole batch, which Chan's per-worker combination must agree with.</summary>
public sealed class NetworkRuntimeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(45)]
    public void AddInto_adds_every_element_and_nothing_else(int length)
    {
        var src = Enumerable.Range(0, length).Select(i => (float)(i % 7 - 3)).ToArray();
        var dst = new float[length + 2];
        for (int i = 0; i < dst.Length; i++) dst[i] = i % 5;
        var expected = (float[])dst.Clone();
        for (int i = 0; i < length; i++) expected[i + 1] += src[i];
        NetworkRuntime.AddInto(src, dst.AsSpan(1, length));
        Assert.Equal(expected, dst);
    }

    [Fact]
    public void AddInto_refuses_spans_of_different_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => NetworkRuntime.AddInto(new float[3], new float[4]));
        Assert.Contains("lengths do not match", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ReduceGradients_slices_add_up_to_every_worker_s_buffer(int workers)
    {
        const int n = 23;
        var gradients = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
        var perWorker = Enumerable.Range(0, workers).Select(w => w == 0 ? [] : Enumerable.Range(0, n).Select(i => (float)(w * 100 + i % 3)).ToArray()).ToArray();
        var expected = gradients.Select((g, i) => g + perWorker.Skip(1).Sum(b => b[i])).ToArray();
        for (int w = 0; w < workers; w++) NetworkRuntime.ReduceGradients(gradients, perWorker, workers, w);
        Assert.Equal(expected, gradients);
    }

    [Fact]
    public void ReduceGradients_refuses_a_buffer_of_another_network()
    {
        var e = Assert.Throws<InvalidOperationException>(() => NetworkRuntime.ReduceGradients(new float[4], [[], new float[3]], 2, 0));
        Assert.Contains("do not match", e.Message);
    }

    /// <summary>Each worker's partials are its samples' per-channel mean and sum of squared deviations; combined in
    /// worker order they give the whole batch's mean and biased variance, and the running statistics move as PyTorch's
    /// (momentum times the new mean and the unbiased variance), the count by one.</summary>
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 5)]
    [InlineData(3, 7)]
    public void CombineStatistics_equals_a_two_pass_mean_and_variance_over_the_batch(int workers, int samples)
    {
        const int channels = 2, spatial = 3, offset = 1, bufferOffset = 2;
        const double epsilon = 1e-5, momentum = 0.1;
        // x[n, c, s]: small integers, different per channel.
        double X(int n, int c, int s) => (n * 7 + s * 3 + c * 5) % 11 - 4;
        var partials = new double[workers][];
        for (int w = 0; w < workers; w++)
        {
            partials[w] = new double[offset + 2 * channels];
            int first = w * samples / workers, end = (w + 1) * samples / workers;
            for (int c = 0; c < channels; c++)
            {
                var values = Enumerable.Range(first, end - first).SelectMany(n => Enumerable.Range(0, spatial).Select(s => X(n, c, s))).ToArray();
                double mean = values.Average();
                partials[w][offset + c] = mean;
                partials[w][offset + channels + c] = values.Sum(v => (v - mean) * (v - mean));
            }
        }
        var stats = new float[offset + 2 * channels];
        var buffers = new float[bufferOffset + 2 * channels + 1];
        for (int c = 0; c < channels; c++) { buffers[bufferOffset + c] = 0.5f; buffers[bufferOffset + channels + c] = 2f; }
        buffers[bufferOffset + 2 * channels] = 4f;

        NetworkRuntime.CombineStatistics(partials, workers, samples, spatial, offset, channels, epsilon, momentum, stats, buffers, bufferOffset);

        for (int c = 0; c < channels; c++)
        {
            var all = Enumerable.Range(0, samples).SelectMany(n => Enumerable.Range(0, spatial).Select(s => X(n, c, s))).ToArray();
            double mean = all.Average(), squares = all.Sum(v => (v - mean) * (v - mean));
            Assert.Equal((float)mean, stats[offset + c], 6);
            Assert.Equal((float)(1 / Math.Sqrt(squares / all.Length + epsilon)), stats[offset + channels + c], 6);
            Assert.Equal((float)(0.9 * 0.5 + 0.1 * mean), buffers[bufferOffset + c], 6);
            Assert.Equal((float)(0.9 * 2 + 0.1 * squares / (all.Length - 1)), buffers[bufferOffset + channels + c], 6);
        }
        Assert.Equal(5f, buffers[bufferOffset + 2 * channels]);
        Assert.Equal(0f, stats[0]);
        Assert.Equal([0f, 0f], buffers[..bufferOffset]);
    }

    [Fact]
    public void CombineGradientSums_sums_in_worker_order_and_adds_into_weight_and_bias_once()
    {
        const int channels = 2, offset = 1, weightOffset = 3;
        double[][] partials = [[0, 1, 2, 10, 20], [0, 3, 4, 30, 40], [0, 5, 6, 50, 60]];
        var sums = new double[offset + 2 * channels];
        var gradients = new float[weightOffset + 2 * channels + 1];
        Array.Fill(gradients, 1f);
        NetworkRuntime.CombineGradientSums(partials, 3, offset, channels, sums, gradients, weightOffset);
        Assert.Equal([0, 9, 12, 90, 120], sums);
        // dWeight += sum of dy·x̂, dBias += sum of dy.
        Assert.Equal([1f, 1f, 1f, 91f, 121f, 10f, 13f, 1f], gradients);
    }

    [Fact]
    public void Grow_keeps_the_buffers_it_has_and_creates_only_the_new_ones()
    {
        float[][] buffers = [[1f], [2f]];
        Assert.Same(buffers, NetworkRuntime.Grow(buffers, 2, _ => throw new InvalidOperationException("not needed")));
        var grown = NetworkRuntime.Grow(buffers, 4, i => new float[i]);
        Assert.Equal(4, grown.Length);
        Assert.Same(buffers[0], grown[0]);
        Assert.Same(buffers[1], grown[1]);
        Assert.Equal([2, 3], grown[2..].Select(b => b.Length));
    }
}
