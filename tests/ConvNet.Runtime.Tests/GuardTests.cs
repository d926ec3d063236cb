using System;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class GuardTests
{
    // The benchmarks' CIFAR net keeps its input and every layer's output per sample: 3,072 + 32,768 x 2 + 8,192 +
    // 16,384 x 2 + 4,096 + 8,192 x 2 + 2,048 + 256 x 2 + 10 = 132,618 floats (its ActivationLength).
    private const int CifarActivations = 132_618;

    [Fact]
    public void BatchWorkspace_OverOneArray_NamesTheLimitAndTheLargestBatch()
    {
        // The campaign's case: 16,200 CIFAR samples need 2.1 billion floats, which overflowed int offsets.
        var error = Assert.Throws<ArgumentException>("batchSize", () => Guard.BatchWorkspace(16_200, CifarActivations, "batchSize"));
        Assert.Contains("16,200 x 132,618 = 2,148,411,600 floats", error.Message);
        Assert.Contains($"({Array.MaxLength:N0})", error.Message);
        Assert.Contains($"at most {Array.MaxLength / CifarActivations:N0} samples", error.Message);
    }

    [Fact]
    public void BatchWorkspace_AtTheLimit_Passes()
    {
        int largest = Array.MaxLength / CifarActivations;
        Guard.BatchWorkspace(largest, CifarActivations, "batchSize");
        Assert.Throws<ArgumentException>(() => Guard.BatchWorkspace(largest + 1, CifarActivations, "batchSize"));
        Guard.BatchWorkspace(int.MaxValue / 2, 1, "batchSize");
        Guard.BatchWorkspace(0, CifarActivations, "batchSize");
        Assert.Throws<ArgumentException>(() => Guard.BatchWorkspace(int.MaxValue, 2, "batchSize"));
    }

    [Fact]
    public void BatchWorkspace_RejectsANonPositiveSampleSize() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Guard.BatchWorkspace(1, 0, "batchSize"));
}
