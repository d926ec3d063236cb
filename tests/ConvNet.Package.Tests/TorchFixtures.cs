using System;
using System.IO;
using System.Text.Json;
using Xunit;

namespace ConvNet.Package.Tests;

// Reading the TorchSharp-made fixtures (see benchmarks/ConvNet.Benchmarks/Fixtures) and comparing with them.
internal static class TorchFixtures
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

    public static JsonDocument Record(string file) => JsonDocument.Parse(File.ReadAllText(PathOf(file)));

    public static T Get<T>(this JsonDocument record, string property) => record.RootElement.GetProperty(property).Deserialize<T>()!;

    // Per element |actual - expected| <= 1e-5 + 1e-4 |expected|: float results of the same arithmetic summed in
    // another order (libtorch's kernels against ConvNet's).
    public static void AssertClose(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 + 1e-4 * Math.Abs(expected[i]);
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance,
                $"{what} {i}: ConvNet {actual[i]:R}, torch {expected[i]:R}, tolerance {tolerance:G3}");
        }
    }
}
