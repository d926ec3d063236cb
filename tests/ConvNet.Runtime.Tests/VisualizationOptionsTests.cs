using System;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class VisualizationOptionsTests
{
    public static TheoryData<string, AscentOptions> BadOptions => new()
    {
        // 2 * Jitter + 1 overflowed int and surfaced as the generator's "maxExclusive".
        { "Jitter", new AscentOptions { Jitter = 1 << 30 } },
        { "Jitter", new AscentOptions { Jitter = 2 } },
        { "L2Decay", new AscentOptions { L2Decay = float.NaN } },
        { "L2Decay", new AscentOptions { L2Decay = 1.5f } },
        { "Min", new AscentOptions { Min = float.NegativeInfinity } },
        { "Max", new AscentOptions { Max = float.PositiveInfinity } },
        { "StepSize", new AscentOptions { StepSize = 0 } },
        { "Iterations", new AscentOptions { Iterations = -1 } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptions_AreRefusedNamingTheSetting_BeforeTheNetworkRuns(string setting, AscentOptions options)
    {
        // Five channels of 1x1: the larger side is 1, the most Jitter can shift.
        var network = new LinearNetwork(5, 3) { Training = true };
        var error = Assert.Throws<ArgumentOutOfRangeException>("options", () => Visualization.MaximizeActivation(network, 0, 0, options: options));
        Assert.Contains(setting, error.Message);
        Assert.True(network.Training);
    }
}
