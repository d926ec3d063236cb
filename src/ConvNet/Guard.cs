using System;

namespace ConvNet;

/// <summary>Argument checks shared by generated networks, so every misuse fails the same clear way before anything is written.</summary>
public static class Guard
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void Length(int actual, int expected, string parameter)
    {
        if (actual != expected)
            throw new ArgumentException($"Expected a span of length {expected}, got {actual}.", parameter);
    }

    /// <summary>Checks a batch size and that a batch span holds exactly <paramref name="batchSize"/> samples of <paramref name="sampleLength"/>.</summary>
    public static void BatchLength(int actual, int batchSize, int sampleLength, string parameter)
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must not be negative.");
        long expected = (long)batchSize * sampleLength;
        if (actual != expected)
            throw new ArgumentException(
                $"Expected a span of length {expected} ({batchSize} samples of {sampleLength}), got {actual}.", parameter);
    }
}
