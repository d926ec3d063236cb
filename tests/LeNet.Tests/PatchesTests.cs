using System;
using System.Linq;
using ConvNet;
using Samples.Common;
using Xunit;

namespace LeNet.Tests;

/// <summary>The digits that excite a channel most, against every unit of every digit.</summary>
public sealed class PatchesTests
{
    // Test digits, then copies of some of them, so that equal activations must be ordered.
    private static DigitSet DigitsWithRepeats()
    {
        var test = MnistData.Load(null, holdout: 0).Evaluation.Slice(0, 40);
        int[] repeated = [3, 0, 17, 3];
        var images = test.Images.Concat(repeated.SelectMany(i => test.Image(i).ToArray())).ToArray();
        return new DigitSet(images, [.. test.Labels, .. repeated.Select(i => test.Labels[i])]);
    }

    [Fact]
    public void EachChannelGetsTheDigitsWhoseStrongestUnitIsStrongest_AtThatUnit()
    {
        var network = new LeNet5(7);
        var digits = DigitsWithRepeats();
        var patches = Patches.Strongest(network, digits, LeNet5.Conv2.Index, count: 9);

        // Brute force: every unit of every digit.
        const int side = 10, plane = side * side;
        var scores = new float[LeNet5.OutputLength];
        var outputs = Enumerable.Range(0, digits.Count).Select(d =>
        {
            network.Forward(digits.Image(d), scores);
            return network.LayerOutput(LeNet5.Conv2.Index).ToArray();
        }).ToArray();
        Assert.Equal(LeNet5.Conv2.Channels, patches.Length);
        for (int c = 0; c < LeNet5.Conv2.Channels; c++)
        {
            var chosen = patches[c];
            Assert.Equal(9, chosen.Length);
            Assert.Equal(9, chosen.Select(p => p.Digit).Distinct().Count());
            foreach (var p in chosen)
            {
                var map = outputs[p.Digit].AsSpan(c * plane, plane);
                int at = p.Row * side + p.Column;
                Assert.Equal(map[at], p.Activation);
                // The digit's strongest unit, the first in row-major order if several tie.
                for (int i = 0; i < plane; i++)
                    Assert.True(i < at ? map[i] < map[at] : map[i] <= map[at], $"channel {c}, digit {p.Digit}: unit {i} beats unit {at}");
            }
            for (int k = 1; k < chosen.Length; k++)
            {
                Assert.True(chosen[k - 1].Activation > chosen[k].Activation
                            || (chosen[k - 1].Activation == chosen[k].Activation && chosen[k - 1].Digit < chosen[k].Digit),
                    $"channel {c}: patch {k - 1} ({chosen[k - 1]}) should come after patch {k} ({chosen[k]})");
            }
            // No digit left out has a unit stronger than the weakest chosen one (or as strong and an earlier index).
            var weakest = chosen[^1];
            for (int d = 0; d < digits.Count; d++)
            {
                if (chosen.Any(p => p.Digit == d)) continue;
                float best = outputs[d].AsSpan(c * plane, plane).ToArray().Max();
                Assert.True(best < weakest.Activation || (best == weakest.Activation && d > weakest.Digit),
                    $"channel {c}: digit {d} reaches {best}, more than the chosen {weakest}");
            }
        }
    }

    [Fact]
    public void ARepeatedDigitTiesWithItsOriginalWhichComesFirst()
    {
        // Digit 40 is a copy of digit 3: wherever one of them is chosen right before the other, the original leads.
        var patches = Patches.Strongest(new LeNet5(7), DigitsWithRepeats(), LeNet5.Conv2.Index, count: 44);
        int checkedPairs = 0;
        foreach (var chosen in patches)
        {
            int original = Array.FindIndex(chosen, p => p.Digit == 3), copy = Array.FindIndex(chosen, p => p.Digit == 40);
            Assert.Equal(chosen[original].Activation, chosen[copy].Activation);
            Assert.True(original < copy);
            checkedPairs++;
        }
        Assert.Equal(LeNet5.Conv2.Channels, checkedPairs);
    }

    [Fact]
    public void FewerDigitsThanAskedForGiveThemAll()
    {
        var digits = DigitsWithRepeats().Slice(0, 5);
        var patches = Patches.Strongest(new LeNet5(7), digits, LeNet5.Conv2.Index, count: 9);
        Assert.All(patches, chosen => Assert.Equal([0, 1, 2, 3, 4], chosen.Select(p => p.Digit).Order()));
    }
}
