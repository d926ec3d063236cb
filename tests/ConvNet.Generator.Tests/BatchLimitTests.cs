using System;
using System.Reflection;
using Xunit;

namespace ConvNet.Tests;

/// <summary>Batch calls at the edges of their limits (issue 14, D8 and D9): the generated PrepareBatch checks the workspace
/// with <see cref="Guard.BatchWorkspace"/> and takes its worker count from <see cref="WorkerPool.Workers"/>.</summary>
public class BatchLimitTests
{
    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load("""
        namespace Limits
        {
            using ConvNet;
            // A wide hidden layer between a one-float input and output: about a million floats per sample.
            [Input(1, 1, 1)] [FullyConnected(1_000_000)] [FullyConnected(1)] public partial class Wide { }
            [Input(1, 10, 10)] [FullyConnected(100)] public partial class Small { }
        }
        """));

    [Fact]
    public void A_batch_whose_activations_overflow_one_array_is_an_ArgumentException_naming_the_limit()
    {
        var net = Harness.Create(Compiled.Value, "Limits.Wide");
        const int batch = 2_200; // 2,200 x 1,000,002 floats > Array.MaxLength
        var outputs = new float[batch];
        var error = Assert.Throws<ArgumentException>("batchSize", () => net.Forward(new float[batch], outputs, batch));
        // Array.MaxLength and the largest batch that fits, with or without group separators.
        Assert.Matches(@"\b2,?147,?483,?591\b", error.Message);
        Assert.Matches(@"at most 2,?147 samples", error.Message);
        Assert.All(outputs, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Unlimited_parallelism_uses_no_more_workers_than_cores()
    {
        var net = Harness.Create(Compiled.Value, "Limits.Small");
        net.MaxDegreeOfParallelism = int.MaxValue;
        const int batch = 1024;
        var inputs = new float[batch * net.InputLength];
        var outputs = new float[batch * net.OutputLength];
        long before = GC.GetAllocatedBytesForCurrentThread();
        net.Forward(inputs, outputs, batch);
        net.Backward(outputs, Span<float>.Empty, batch);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Workspaces for the batch (activations and deltas), plus one gradient buffer and some scratch per extra worker;
        // one worker per sample would add a thousand 40 KB gradient buffers.
        long workspaces = 2L * batch * (net.InputLength + net.OutputLength) * sizeof(float);
        long perWorker = net.Parameters.Length * sizeof(float) + 64 * 1024;
        Assert.True(allocated < workspaces + Environment.ProcessorCount * perWorker + 256 * 1024, $"{allocated:N0} bytes allocated");
    }
}
