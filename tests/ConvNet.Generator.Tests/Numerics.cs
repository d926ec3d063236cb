using System;
using System.Linq;
using System.Reflection;

namespace ConvNet.Tests;

/// <summary>Fills and compares buffers for the numeric tests.</summary>
internal static class Numerics
{
    /// <summary>Small integers in [-max, max]: every product and sum in these networks stays exact in float.</summary>
    public static float[] Integers(Random rng, int length, int max) =>
        Enumerable.Range(0, length).Select(_ => (float)rng.Next(-max, max + 1)).ToArray();

    public static float[] Uniform(Random rng, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    public static void AssertExact(double[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            Assert((float)expected[i] == actual[i] || (float.IsNaN(actual[i]) && double.IsNaN(expected[i])),
                $"{what}[{i}] = {actual[i]:R}, expected exactly {expected[i]:R}");
    }

    /// <summary>|got - ref| &lt;= 1e-5 + 1e-4 |ref| per element; the message lists the worst element.</summary>
    public static void AssertClose(double[] expected, ReadOnlySpan<float> actual, string what, double atol = 1e-5, double rtol = 1e-4)
    {
        Assert(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            // Equal values (infinities included) and NaN against NaN pass; NaN against a number, or infinities that
            // differ, make the excess NaN, which no comparison would catch: they count as infinitely far.
            double excess = actual[i] == expected[i] || (float.IsNaN(actual[i]) && double.IsNaN(expected[i]))
                ? 0
                : Math.Abs(actual[i] - expected[i]) - (atol + rtol * Math.Abs(expected[i]));
            if (double.IsNaN(excess)) excess = double.PositiveInfinity;
            if (excess > worstExcess) (worst, worstExcess) = (i, excess);
        }
        Assert(worst < 0, worst < 0 ? "" : $"{what}[{worst}] = {actual[worst]:R}, expected {expected[worst]:R}");
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition) throw new Xunit.Sdk.XunitException(message);
    }
}

/// <summary>A generated network next to its reference, in one place for the numeric tests.</summary>
public sealed record Case(string Name, ReferenceNetwork Reference)
{
    public override string ToString() => Name;
}
