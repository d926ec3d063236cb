using System;
using System.Linq;
using Xunit;
using static ConvNet.Tests.RefLayer;

namespace ConvNet.Tests;

/// <summary>Activation maximisation and saliency, on a small compiled network.</summary>
public class VisualizationTests
{
    private static readonly ReferenceNetwork Net = new((1, 12, 12), Conv(4, 3, pad: 1), Relu, MaxPool(2), Conv(6, 3), Relu, Fc(5));
    private static readonly Lazy<System.Reflection.Assembly> Compiled = new(() => Harness.Load(Net.Source("VisNet")));

    private static INetwork Create() => Harness.Create(Compiled.Value, "Numerics.VisNet", seed: 3);

    private static float Unit(INetwork net, float[] input, int layer, int channel)
    {
        net.Forward(input, new float[net.OutputLength]);
        var shape = net.Layers[layer].Output;
        int plane = shape.Height * shape.Width;
        return net.LayerOutput(layer).Slice(channel * plane, plane).ToArray().Average();
    }

    [Fact]
    public void Gradient_ascent_excites_the_unit_more_than_the_best_of_many_random_inputs_within_the_range()
    {
        var net = Create();
        net.Gradients[0] = 42f;
        net.Training = true;
        var options = new AscentOptions { Iterations = 60, Min = 0f, Max = 1f };
        var image = Visualization.MaximizeActivation(net, 3, 2, options: options);
        Assert.All(image, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(42f, net.Gradients[0]);
        Assert.True(net.Training);
        Assert.All(net.Gradients.Skip(1), g => Assert.Equal(0f, g));

        var rng = new Random(1);
        float best = Enumerable.Range(0, 50).Max(_ => Unit(net, Enumerable.Range(0, net.InputLength).Select(_ => (float)rng.NextDouble()).ToArray(), 3, 2));
        float found = Unit(net, image, 3, 2);
        Assert.True(found > 1.3f * best, $"ascent {found} against the best of 50 random inputs {best}");
        Assert.Equal(image, Visualization.MaximizeActivation(net, 3, 2, options: options));
    }

    [Fact]
    public void A_single_position_and_a_class_score_can_be_maximised()
    {
        var net = Create();
        var options = new AscentOptions { Iterations = 40, Jitter = 0, BlurEvery = 0 };
        var start = Enumerable.Repeat(0f, net.InputLength).ToArray();
        var image = Visualization.MaximizeActivation(net, 0, 1, (5, 6), options);
        net.Forward(image, new float[net.OutputLength]);
        float after = net.LayerOutput(0)[1 * 144 + 5 * 12 + 6];
        net.Forward(start, new float[net.OutputLength]);
        Assert.True(after > net.LayerOutput(0)[1 * 144 + 5 * 12 + 6] + 0.5f);

        var classImage = Visualization.MaximizeActivation(net, net.Layers.Count - 1, 4, options: options);
        var scores = new float[net.OutputLength];
        net.Forward(classImage, scores);
        Assert.Equal(4, Array.IndexOf(scores, scores.Max()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Visualization.MaximizeActivation(net, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Visualization.MaximizeActivation(net, 0, 0, (12, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Visualization.MaximizeActivation(net, 9, 0));
    }

    [Fact]
    public void Saliency_is_the_magnitude_of_the_score_gradient()
    {
        var net = Create();
        var rng = new Random(2);
        var input = Numerics.Uniform(rng, net.InputLength);
        var saliency = new float[net.InputLength];
        Visualization.Saliency(net, input, 3, saliency);
        Assert.All(net.Gradients, g => Assert.Equal(0f, g));

        var acts = Net.Forward(net.Parameters, input);
        var (dInput, _) = Net.Backward(net.Parameters, acts, [0.0, 0.0, 0.0, 1.0, 0.0]);
        Numerics.AssertClose(dInput.Select(Math.Abs).ToArray(), saliency, "saliency");
        Assert.Throws<ArgumentOutOfRangeException>(() => Visualization.Saliency(net, input, 5, saliency));
        Assert.Throws<ArgumentException>(() => Visualization.Saliency(net, input, 0, new float[3]));
    }
}
