using System.Linq;
using ConvNet.Generator.Emit.Layers;
using ConvNet.Generator.Model;
using ConvNet.Generator.Shapes;
using Xunit;

namespace ConvNet.Tests;

using LayerKind = ConvNet.Generator.Model.LayerKind;

/// <summary>The lecture's arithmetic, with no compiler involved.</summary>
public class ShapeInferenceTests
{
    private static LayerDecl Conv(long filters, long size, long stride = 1, long pad = 0) => L(LayerKind.Conv, new ConvSpec<long>(filters, size, stride, pad));

    private static LayerDecl Pool(LayerKind kind, long size, long stride) => L(kind, new PoolSpec<long>(size, stride));

    private static LayerDecl FullyConnected(long outputs) => L(LayerKind.FullyConnected, new FullyConnectedSpec<long>(outputs));

    /// <summary>A conv layer, or a pooling layer (which has no pad), by the kind's name.</summary>
    private static LayerDecl Windowed(string kind, long filters, long size, long stride, long pad) =>
        kind == nameof(LayerKind.Conv) ? Conv(filters, size, stride, pad) : Pool(System.Enum.Parse<LayerKind>(kind), size, stride);

    /// <summary>A layer as the parser would read it: no name, the previous layer as input.</summary>
    internal static LayerDecl L(LayerKind kind, LayerSpec spec) => new(kind, null, null, spec);

    /// <summary>A layer without arguments of its own (an activation).</summary>
    internal static LayerDecl L(LayerKind kind) => L(kind, NoSpec.Value);

    /// <summary>A windowed layer with one argument changed as a suggested fix says.</summary>
    private static LayerDecl With(LayerDecl layer, string argument, long value) => layer with
    {
        Spec = (layer.Spec, argument) switch
        {
            (ConvSpec<long> conv, "Stride") => conv with { Stride = value },
            (ConvSpec<long> conv, "Pad") => conv with { Pad = value },
            (ConvSpec<long> conv, "Size") => conv with { Size = value },
            (PoolSpec<long> pool, "Stride") => pool with { Stride = value },
            (PoolSpec<long> pool, "Size") => pool with { Size = value },
            _ => throw new System.ArgumentException($"{layer.Kind} has no {argument} to fix"),
        },
    };

    [Theory]
    [InlineData(7, 3, 1, 0, 5)]   // the lecture: 7x7 input, 3x3 filter, stride 1 -> 5x5
    [InlineData(7, 3, 2, 0, 3)]   // stride 2 -> 3x3
    [InlineData(32, 5, 1, 2, 32)] // pad (F-1)/2 keeps the size
    [InlineData(32, 3, 1, 1, 32)]
    [InlineData(32, 7, 1, 3, 32)]
    [InlineData(227, 11, 4, 0, 55)] // AlexNet conv1
    [InlineData(5, 5, 1, 0, 1)]
    public void Conv_output_side(long side, long f, long s, long p, long expected)
    {
        var (plan, problems) = ShapeInference.Infer(new Shape3(1, side, side), [Conv(2, f, s, p)]);
        Assert.DoesNotContain(problems, x => ShapeInference.IsError(x.Id));
        Assert.Equal(new Shape3(2, expected, expected), plan!.Layers[0].Out);
    }

    /// <summary>The relaxed rule: the formula's remainder may be padding (never read) or the gap a stride longer than the
    /// window leaves; the side rounds down, as PyTorch's does.</summary>
    [Theory]
    [InlineData(32, 3, 2, 1, 16)]  // ResNet's downsampling 3x3: (32 - 3 + 2) / 2 + 1 = 16.5, the last padded row unread
    [InlineData(32, 1, 2, 0, 16)]  // its 1x1 projection shortcut: (32 - 1) / 2 + 1 = 16.5, every other pixel by design
    [InlineData(227, 11, 4, 0, 55)] // AlexNet at 227 was always whole
    [InlineData(33, 2, 3, 0, 11)]  // remainder 1 = the stride's gap of 3 - 2
    [InlineData(32, 5, 2, 1, 15)]  // remainder 1 <= pad 1
    [InlineData(7, 3, 3, 2, 3)]    // the lecture's misfit with enough padding: remainder 1 <= 2
    public void Remainder_of_padding_or_stride_gap_rounds_down(long side, long f, long s, long p, long expected)
    {
        var (plan, problems) = ShapeInference.Infer(new Shape3(1, side, side), [Conv(2, f, s, p)]);
        Assert.Empty(problems);
        Assert.Equal(new Shape3(2, expected, expected), plan!.Layers[0].Out);
    }

    [Theory]
    [InlineData(nameof(LayerKind.MaxPool), 32, 1, 2, 16)] // a 1x1 pool with stride 2 is a subsampling
    [InlineData(nameof(LayerKind.AvgPool), 9, 2, 3, 3)]
    [InlineData(nameof(LayerKind.MaxPool), 8, 2, 2, 4)]
    public void Pools_follow_the_same_rule(string kind, long side, long f, long s, long expected)
    {
        var (plan, problems) = ShapeInference.Infer(new Shape3(3, side, side), [Pool(System.Enum.Parse<LayerKind>(kind), f, s)]);
        Assert.Empty(problems);
        Assert.Equal(new Shape3(3, expected, expected), plan!.Layers[0].Out);
    }

    /// <summary>A remainder beyond the padding and the stride's gap would crop real pixels: still CNN001, with the formula.</summary>
    [Theory]
    [InlineData(nameof(LayerKind.Conv), 7, 3, 3, 0, "(7 - 3 + 2*0) / 3 + 1 = 2.33")]      // the lecture
    [InlineData(nameof(LayerKind.Conv), 224, 11, 4, 0, "(224 - 11 + 2*0) / 4 + 1 = 54.25")] // AlexNet at 224
    [InlineData(nameof(LayerKind.Conv), 32, 3, 2, 0, "(32 - 3 + 2*0) / 2 + 1 = 15.5")]     // unpadded: the last real column unread
    [InlineData(nameof(LayerKind.Conv), 9, 5, 3, 0, "(9 - 5 + 2*0) / 3 + 1 = 2.33")]
    [InlineData(nameof(LayerKind.MaxPool), 8, 3, 2, 0, "(8 - 3) / 2 + 1 = 3.5")]          // pooling has no padding term
    [InlineData(nameof(LayerKind.AvgPool), 34, 2, 3, 0, "(34 - 2) / 3 + 1 = 11.67")]   // remainder 2 > the gap of 1
    public void Remainder_of_real_pixels_is_still_CNN001(string kind, long side, long f, long s, long p, string formula)
    {
        var (plan, problems) = ShapeInference.Infer(new Shape3(1, side, side), [Windowed(kind, 1, f, s, p)]);
        Assert.Null(plan);
        var problem = Assert.Single(problems);
        Assert.Equal("CNN001", problem.Id);
        Assert.Contains(formula + " is not a whole number", problem.Message);
    }

    [Fact]
    public void Stride_three_on_seven_by_seven_is_not_whole_and_suggests_fits()
    {
        var (plan, problems) = ShapeInference.Infer(new Shape3(1, 7, 7), [Conv(1, 3, 3)]);
        Assert.Null(plan);
        var p = Assert.Single(problems);
        Assert.Equal("CNN001", p.Id);
        Assert.Contains("(7 - 3 + 2*0) / 3 + 1 = 2.33", p.Message);
        Assert.Contains("Stride = 2 (output 3x3)", p.Message);
        Assert.Contains("Pad = 1 (output 3x3)", p.Message);
    }

    /// <summary>Every fix a CNN001 or CNN002 message suggests (input, stride, pad, size) makes the layer fit by the checker's
    /// own rule: applied, the layer has no error left.</summary>
    [Theory]
    [InlineData(nameof(LayerKind.Conv), 3, 224, 224, 96, 11, 4, 0)]  // AlexNet at 224
    [InlineData(nameof(LayerKind.Conv), 1, 7, 7, 4, 3, 3, 0)]        // the lecture
    [InlineData(nameof(LayerKind.Conv), 1, 30, 31, 2, 4, 3, 1)]      // height and width differ
    [InlineData(nameof(LayerKind.Conv), 1, 33, 33, 2, 2, 4, 0)]      // stride larger than the filter
    [InlineData(nameof(LayerKind.MaxPool), 2, 7, 7, 0, 2, 2, 0)]
    [InlineData(nameof(LayerKind.AvgPool), 1, 34, 34, 0, 2, 3, 0)]
    [InlineData(nameof(LayerKind.Conv), 1, 4, 4, 2, 7, 1, 0)]        // CNN002: window larger than the input
    [InlineData(nameof(LayerKind.MaxPool), 1, 3, 3, 0, 5, 5, 0)]     // CNN002 on a pool
    public void Every_suggested_fix_fits(string kind, long c, long h, long w, long a, long f, long s, long p)
    {
        var layer = Windowed(kind, a, f, s, p);
        var input = new Shape3(c, h, w);
        var problem = Assert.Single(ShapeInference.Infer(input, [layer]).Problems);
        var suggestions = System.Text.RegularExpressions.Regex.Matches(problem.Message,
            @"\[Input\((\d+), (\d+), (\d+)\)\]|(Stride|Pad|Size) = (\d+)");
        Assert.NotEmpty(suggestions);
        foreach (System.Text.RegularExpressions.Match m in suggestions)
        {
            var (fixedInput, fixedLayer) = m.Groups[4].Value switch
            {
                "Stride" or "Pad" or "Size" => (input, With(layer, m.Groups[4].Value, long.Parse(m.Groups[5].Value, System.Globalization.CultureInfo.InvariantCulture))),
                _ => (new Shape3(long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), long.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)), layer),
            };
            var (plan, problems) = ShapeInference.Infer(fixedInput, [fixedLayer]);
            Assert.True(plan is not null && problems.All(x => !ShapeInference.IsError(x.Id)), $"{m.Value}: {string.Join("; ", problems.Select(x => x.Message))}");
        }
    }

    [Fact]
    public void Ten_five_by_five_filters_on_3x32x32_have_760_parameters()
    {
        var (plan, _) = ShapeInference.Infer(new Shape3(3, 32, 32), [Conv(10, 5, 1, 2)]);
        Assert.Equal(760, plan!.ParameterCount);
        Assert.Equal(new Shape3(10, 32, 32), plan.Layers[0].Out);
        Assert.Equal(750, plan.Layers[0].WeightCount);
    }

    /// <summary>The plan keeps each layer's own arguments as its kind's checked spec, with int fields, and nothing of
    /// another kind's.</summary>
    [Fact]
    public void The_plan_carries_each_kind_s_checked_spec()
    {
        var (plan, problems) = ShapeInference.Infer(new Shape3(3, 32, 32),
        [
            Conv(8, 3, 1, 1), L(LayerKind.BatchNorm, new BatchNormSpec(1e-3, 0.25)), L(LayerKind.Relu), Pool(LayerKind.MaxPool, 2, 2),
            L(LayerKind.Dropout, new DropoutSpec(0.125)), FullyConnected(10),
        ]);
        Assert.Empty(problems);
        Assert.Equal<LayerSpec>(
            [new ConvSpec<int>(8, 3, 1, 1), new BatchNormSpec(1e-3, 0.25), NoSpec.Value, new PoolSpec<int>(2, 2), new DropoutSpec(0.125), new FullyConnectedSpec<int>(10)],
            plan!.Layers.Select(l => l.Spec));
    }

    [Fact]
    public void AlexNet_at_224_is_the_classic_shape_bug()
    {
        var (_, problems) = ShapeInference.Infer(new Shape3(3, 224, 224), [Conv(96, 11, 4)]);
        Assert.Contains("(224 - 11 + 2*0) / 4 + 1 = 54.25", Assert.Single(problems).Message);
    }

    [Fact]
    public void Height_and_width_are_checked_separately()
    {
        var (plan, problems) = ShapeInference.Infer(new Shape3(1, 8, 7), [Conv(1, 3, 2)]);
        Assert.Null(plan);
        Assert.Contains("width (7 - 3 + 2*0) / 2 + 1 = 3", Assert.Single(problems).Message);
        var (ok, _) = ShapeInference.Infer(new Shape3(1, 9, 7), [Conv(1, 3, 2)]);
        Assert.Equal(new Shape3(1, 4, 3), ok!.Layers[0].Out);
    }

    [Fact]
    public void LeNet5_counts_match_the_published_figures()
    {
        var (plan, _) = ShapeInference.Infer(new Shape3(1, 28, 28),
        [
            Conv(6, 5, 1, 2), L(LayerKind.Relu), Pool(LayerKind.MaxPool, 2, 2),
            Conv(16, 5), L(LayerKind.Relu), Pool(LayerKind.MaxPool, 2, 2),
            FullyConnected(120), FullyConnected(84),
            FullyConnected(10),
        ]);
        Assert.Equal(833_040, plan!.Flops);
        Assert.Equal(61_706, plan.ParameterCount);
        Assert.Equal(["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "fc1", "fc2", "fc3"], plan.Layers.Select(l => l.Name));
    }

    [Fact]
    public void Overflowing_counts_are_reported_not_thrown()
    {
        var (plan, problems) = ShapeInference.Infer(new Shape3(100000, 100000, 1000), [Conv(1, 1)]);
        Assert.Null(plan);
        Assert.Equal("CNN008", Assert.Single(problems).Id);

        (plan, problems) = ShapeInference.Infer(new Shape3(int.MaxValue, int.MaxValue, int.MaxValue), [FullyConnected(int.MaxValue)]);
        Assert.Null(plan);
        Assert.All(problems, p => Assert.Equal("CNN008", p.Id));
    }

    [Fact]
    public void A_thousand_and_one_layers_hit_the_cap()
    {
        var layers = Enumerable.Repeat(L(LayerKind.Relu), ShapeInference.MaxLayers + 1).ToList();
        var (plan, problems) = ShapeInference.Infer(new Shape3(1, 2, 2), layers);
        Assert.Null(plan);
        Assert.Equal("CNN012", Assert.Single(problems).Id);
        var (ok, _) = ShapeInference.Infer(new Shape3(1, 2, 2), layers.Take(ShapeInference.MaxLayers).ToList());
        Assert.NotNull(ok);
    }
}
