using System;
using ConvNet;

namespace ConvNet.Benchmarks;

/// <summary>Thrown when two systems disagree; the compare mode and the BenchmarkDotNet setups stop on it.</summary>
internal sealed class DisagreementException(string message) : Exception(message);

/// <summary>The check run before any timing: every system's output must match the reference's.</summary>
internal static class Agreement
{
    /// <summary>Relative-ish tolerance: each element within 1e-4 of the reference, scaled by the block's largest magnitude (at least 1).</summary>
    public const double Tolerance = 1e-4;

    /// <summary>
    /// Checks <paramref name="actual"/> against <paramref name="expected"/> in blocks of <paramref name="block"/>
    /// elements (one sample's scores, or one parameter tensor's gradients), each scaled by its own largest magnitude,
    /// so a large tensor does not hide errors in a small one. Returns the worst scaled error; throws if over tolerance.
    /// </summary>
    public static double Check(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, int block)
    {
        if (expected.Length != actual.Length)
            throw new DisagreementException($"{what}: {actual.Length} values, expected {expected.Length}.");
        double worst = 0;
        for (int start = 0; start < expected.Length; start += block)
        {
            int n = Math.Min(block, expected.Length - start);
            double scale = 1;
            for (int i = start; i < start + n; i++) scale = Math.Max(scale, Math.Abs(expected[i]));
            for (int i = start; i < start + n; i++)
            {
                double error = Math.Abs((double)actual[i] - expected[i]) / scale;
                if (!(error <= Tolerance))
                    throw new DisagreementException($"{what}: element {i} is {actual[i]:R}, reference {expected[i]:R} (scaled error {error:E2} > {Tolerance:E0}).");
                worst = Math.Max(worst, error);
            }
        }
        return worst;
    }

    /// <summary>
    /// The worst error of <paramref name="actual"/> against a float64 <paramref name="reference"/> over the parameter
    /// tensors of <paramref name="layout"/>, each scaled by its tensor's largest reference magnitude (at least 1), as
    /// <see cref="Check"/> scales; reports, never throws.
    /// </summary>
    public static double WorstScaled(INetwork layout, ReadOnlySpan<double> reference, ReadOnlySpan<float> actual)
    {
        double worst = 0;
        foreach (var l in layout.Layers)
            foreach (var t in l.Tensors)
            {
                double scale = 1;
                for (int i = t.Offset; i < t.Offset + t.Length; i++) scale = Math.Max(scale, Math.Abs(reference[i]));
                for (int i = t.Offset; i < t.Offset + t.Length; i++) worst = Math.Max(worst, Math.Abs(actual[i] - reference[i]) / scale);
            }
        return worst;
    }
}
