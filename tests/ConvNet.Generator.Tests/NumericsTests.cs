using System;
using Xunit;
using Xunit.Sdk;

namespace ConvNet.Tests;

/// <summary>The comparisons every numeric test relies on must fail when they should.</summary>
public class NumericsTests
{
    [Fact]
    public void AssertClose_fails_on_NaN_where_a_number_is_expected()
    {
        // `NaN > worst` is false, so an all-NaN result used to pass.
        Assert.Throws<XunitException>(() => Numerics.AssertClose([1, 2, 3], [float.NaN, float.NaN, float.NaN], "all NaN"));
        Assert.Throws<XunitException>(() => Numerics.AssertClose([1, 2, 3], [1, float.NaN, 3], "one NaN"));
        Assert.Throws<XunitException>(() => Numerics.AssertClose([1, double.NaN], [1, 2], "NaN expected"));
    }

    [Fact]
    public void AssertClose_fails_on_infinities_that_differ_and_on_a_number_too_far()
    {
        Assert.Throws<XunitException>(() => Numerics.AssertClose([double.PositiveInfinity], [float.NegativeInfinity], "opposite infinities"));
        Assert.Throws<XunitException>(() => Numerics.AssertClose([1], [float.PositiveInfinity], "infinity for a number"));
        Assert.Throws<XunitException>(() => Numerics.AssertClose([1], [1.001f], "0.1% off"));
        Assert.Throws<XunitException>(() => Numerics.AssertClose([1, 2], [1], "short"));
    }

    [Fact]
    public void AssertClose_passes_within_tolerance_and_on_matching_specials()
    {
        Numerics.AssertClose([1, 0, -100], [1.00005f, 5e-6f, -100.005f], "within 1e-5 + 1e-4 |ref|");
        Numerics.AssertClose([double.NaN, double.PositiveInfinity, double.NegativeInfinity],
            [float.NaN, float.PositiveInfinity, float.NegativeInfinity], "matching specials");
    }
}
