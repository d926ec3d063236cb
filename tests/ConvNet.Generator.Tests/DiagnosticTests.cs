using System.Linq;
using System.Threading;
using ConvNet.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace ConvNet.Tests;

/// <summary>One test per CNN diagnostic: ID, severity, the line and column it points at, and the numbers in the message.
/// Sources keep each declaration on known lines: line 1 is "using ConvNet;".</summary>
public class DiagnosticTests
{
    /// <summary>The single diagnostic of the source, and that nothing else (no cascade from generated code) is reported.</summary>
    private static Diagnostic Single(string source, string id)
    {
        var result = Harness.Run(source);
        var all = result.Cnn.Concat(result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning)).ToList();
        Assert.True(all.Count == 1, string.Join("\n", all));
        var d = all[0];
        Assert.Equal(id, d.Id);
        return d;
    }

    private static void At(Diagnostic d, int line, int column)
    {
        var position = d.Location.GetLineSpan().StartLinePosition;
        Assert.Equal((line, column), (position.Line + 1, position.Character + 1));
    }

    [Fact]
    public void Valid_network_has_no_diagnostics_and_compiles_cleanly()
    {
        var result = Harness.Run(Harness.TinyNetSource);
        Assert.Empty(result.Cnn);
        Assert.Empty(result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Single(result.Generated);
    }

    [Fact]
    public void CNN001_output_not_whole()
    {
        var d = Single("""
            using ConvNet;
            [Input(1, 7, 7)]
            [Conv(4, 3, Stride = 3)]
            public partial class Net { }
            """, "CNN001");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 3, 2);
        Assert.Equal("Conv 'conv1' in 'Net' does not fit: (7 - 3 + 2*0) / 3 + 1 = 2.33 is not a whole number; try [Input(1, 9, 9)] (output 3x3), Stride = 2 (output 3x3), Pad = 1 (output 3x3) or Size = 4 (output 2x2)", d.GetMessage());
    }

    [Fact]
    public void CNN001_on_a_pool_suggests_stride_and_size()
    {
        var d = Single("""
            using ConvNet;
            [Input(2, 7, 7)]
            [MaxPool(2)]
            public partial class Net { }
            """, "CNN001");
        At(d, 3, 2);
        Assert.Equal("MaxPool 'pool1' in 'Net' does not fit: (7 - 2) / 2 + 1 = 3.5 is not a whole number; try [Input(2, 8, 8)] (output 4x4), Stride = 1 (output 6x6) or Size = 3 (output 3x3)", d.GetMessage());
    }

    /// <summary>The classic mistake: AlexNet's conv1 only fits 227 (or 224 with Pad = 2, or a 12x12 filter). The fixes are
    /// ranked by their relative change: input 3/224, size 1/11, pad 2/11 (of the filter), stride 1/4. Pad = 1 is not one:
    /// (224 - 11 + 2) % 4 = 3 leaves real pixels unread.</summary>
    [Fact]
    public void CNN001_AlexNet_at_224_suggests_227_first()
    {
        var d = Single(BigNets.AlexNet(224), "CNN001");
        At(d, 3, 2);
        Assert.Matches(@"^Conv 'conv1' in '\w+' does not fit: \(224 - 11 \+ 2\*0\) / 4 \+ 1 = 54.25 is not a whole number; " +
                       @"try \[Input\(3, 227, 227\)\] \(output 55x55\), Size = 12 \(output 54x54\), Pad = 2 \(output 55x55\) or Stride = 3 \(output 72x72\)$",
            d.GetMessage());
    }

    /// <summary>A conv after a fully connected layer: the message says where its 1x1 input comes from, and offers no size or
    /// pad (no window fits a vector usefully).</summary>
    [Fact]
    public void CNN002_conv_after_fully_connected_names_fc1_and_its_output()
    {
        var d = Single("using ConvNet;\n[Input(1, 28, 28)]\n[FullyConnected(100)]\n[Relu]\n[Conv(8, 3)]\npublic partial class Net { }\n", "CNN002");
        At(d, 5, 2);
        Assert.Equal("Conv 'conv1' in 'Net' cannot follow a fully connected layer: its input is fc1's 100x1x1 output (through relu1), " +
                     "which has no height or width left for a 3x3 window; conv and pooling layers go before the first FullyConnected", d.GetMessage());
        Assert.Empty(d.Properties);
    }

    /// <summary>[Input(32, 32, 3)] as NumPy or TensorFlow would write it.</summary>
    [Fact]
    public void Channels_last_input_asks_whether_channels_first_was_meant()
    {
        var d = Single("using ConvNet;\n[Input(32, 32, 3)]\n[Conv(6, 5)]\npublic partial class Net { }\n", "CNN002");
        Assert.EndsWith("; [Input] takes (channels, height, width): did you mean [Input(3, 32, 32)]?", d.GetMessage());
        var fine = Harness.Run("using ConvNet;\n[Input(3, 32, 32)]\n[Conv(6, 5)]\npublic partial class Net { }\n");
        Assert.Empty(fine.Cnn);
    }

    /// <summary>Pooling has no padding, so its messages never speak of one.</summary>
    [Fact]
    public void Pool_window_too_large_speaks_of_its_input_not_a_padded_one()
    {
        var d = Single("using ConvNet;\n[Input(2, 2, 2)]\n[MaxPool(3)]\npublic partial class Net { }\n", "CNN002");
        Assert.Equal("MaxPool 'pool1' in 'Net' window 3x3 is larger than its input 2x2: (2 - 3) / 3 + 1 = 0.67 < 1; try Size = 2 (output 1x1)", d.GetMessage());
    }

    /// <summary>Messages are the same text in every culture: a comma-decimal culture with a Unicode minus sign (sv-SE).</summary>
    [Fact]
    public void Messages_use_the_invariant_culture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("sv-SE");
            Assert.NotEqual("-1", (-1).ToString(System.Globalization.CultureInfo.CurrentCulture));
            var pad = Single("using ConvNet;\n[Input(1, 8, 8)]\n[Conv(2, 3, Pad = -1)]\npublic partial class Net { }\n", "CNN003");
            Assert.Equal("Conv 'conv1' in 'Net': Pad must not be negative, got -1", pad.GetMessage());
            var momentum = Single("using ConvNet;\n[Input(1, 8, 8)]\n[BatchNorm(Momentum = 1.5)]\npublic partial class Net { }\n", "CNN003");
            Assert.Equal("BatchNorm 'bn1' in 'Net': Momentum must be in [0, 1], got 1.5", momentum.GetMessage());
            var alex = Single(BigNets.AlexNet(224), "CNN001");
            Assert.Contains("= 54.25 is not", alex.GetMessage());
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void AlexNet_at_227_is_clean()
    {
        var result = Harness.Run(BigNets.AlexNet(227));
        Assert.Empty(result.Cnn);
        Assert.Empty(result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void CNN002_window_larger_than_input()
    {
        var d = Single("""
            using ConvNet;
            [Input(1, 4, 4)]
            [Conv(2, 3)]
            [Conv(2, 5)]
            public partial class Net { }
            """, "CNN002");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 4, 2);
        Assert.Equal("Conv 'conv2' in 'Net' window 5x5 is larger than its padded input 2x2: (2 - 5 + 2*0) / 1 + 1 = -2 < 1; try Size = 2 (output 1x1) or Pad = 2 (output 2x2)", d.GetMessage());
    }

    [Theory]
    [InlineData("[Conv(0, 3)]", 7, "Filters must be at least 1, got 0")]
    [InlineData("[Conv(2, -1)]", 10, "Size must be at least 1, got -1")]
    [InlineData("[Conv(2, 3, Stride = 0)]", 13, "Stride must be at least 1, got 0")]
    [InlineData("[Conv(2, 3, Pad = -1)]", 13, "Pad must not be negative, got -1")]
    [InlineData("[MaxPool(2, Stride = -2)]", 13, "Stride must be at least 1, got -2")]
    [InlineData("[FullyConnected(0)]", 17, "Outputs must be at least 1, got 0")]
    [InlineData("[MaxPool(0)]", 10, "Size must be at least 1, got 0")]
    [InlineData("[AvgPool(0)]", 10, "Size must be at least 1, got 0")]
    [InlineData("[AvgPool(2, Stride = 0)]", 13, "Stride must be at least 1, got 0")]
    [InlineData("[Conv(2, 3, Stride = 1, Pad = -2)]", 25, "Pad must not be negative, got -2")]
    [InlineData("[Conv(2, 3, Pad = 1, Stride = 0)]", 22, "Stride must be at least 1, got 0")]
    [InlineData("[LeakyRelu(double.NaN)]", 12, "Slope must be a finite number, got NaN")]
    [InlineData("[LeakyRelu(-1.0 / 0)]", 12, "Slope must be a finite number, got -Infinity")]
    public void CNN003_invalid_argument_points_at_the_argument(string attribute, int column, string message)
    {
        var d = Single($"using ConvNet;\n[Input(1, 8, 8)]\n{attribute}\npublic partial class Net {{ }}\n", "CNN003");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 3, column);
        Assert.Matches(@"^\w+ '\w+' in 'Net': ", d.GetMessage());
        Assert.EndsWith(": " + message, d.GetMessage());
    }

    /// <summary>Every dimension of [Input] reports on its own argument (a mix-up of width and height went unnoticed).</summary>
    [Theory]
    [InlineData("[Input(0, 8, 8)]", 8, "Channels must be at least 1, got 0")]
    [InlineData("[Input(1, 0, 8)]", 11, "Height must be at least 1, got 0")]
    [InlineData("[Input(1, 8, 0)]", 14, "Width must be at least 1, got 0")]
    [InlineData("[Input(1, 8, -3)]", 14, "Width must be at least 1, got -3")]
    public void CNN003_on_the_input_points_at_the_argument(string input, int column, string message)
    {
        var d = Single($"using ConvNet;\n{input}\n[Relu]\npublic partial class Net {{ }}\n", "CNN003");
        At(d, 2, column);
        Assert.Equal("[Input] of 'Net': " + message, d.GetMessage());
    }

    [Fact]
    public void CNN004_not_partial()
    {
        var d = Single("""
            using ConvNet;
            [Input(1, 8, 8)]
            [Relu]
            public class Net { }
            """, "CNN004");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 4, 14);
        Assert.Equal("'Net' must be declared partial so ConvNet can add the generated members", d.GetMessage());
    }

    [Fact]
    public void CNN004_containing_type_not_partial()
    {
        var d = Single("""
            using ConvNet;
            public class Outer
            {
                [Input(1, 8, 8)]
                [Relu]
                public partial class Net { }
            }
            """, "CNN004");
        At(d, 2, 14);
        Assert.Contains("'Outer', which contains 'Net',", d.GetMessage());
    }

    [Fact]
    public void CNN005_input_missing()
    {
        var d = Single("using ConvNet;\n[Conv(2, 3)]\npublic partial class Net { }\n", "CNN005");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 3, 22);
        Assert.Contains("no [Input(channels, height, width)]", d.GetMessage());
    }

    [Fact]
    public void CNN005_input_not_first()
    {
        var d = Single("using ConvNet;\n[Relu]\n[Input(1, 8, 8)]\npublic partial class Net { }\n", "CNN005");
        At(d, 3, 2);
        Assert.Contains("[Input] must be the first ConvNet attribute", d.GetMessage());
    }

    [Theory]
    [InlineData("public static partial class Net { }", "static class")]
    [InlineData("public abstract partial class Net { }", "abstract class")]
    [InlineData("public partial class Net<T> { }", "generic class")]
    [InlineData("public partial record Net { }", "record")]
    public void CNN006_unsupported_type(string declaration, string what)
    {
        var d = Single($"using ConvNet;\n[Input(1, 8, 8)]\n[Relu]\n{declaration}\n", "CNN006");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(4, d.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Contains($"is a {what}", d.GetMessage());
    }

    /// <summary>The compiler already rejects class-only attributes on a struct (CS0592); CNN006 says what to do instead,
    /// and nothing is generated.</summary>
    [Fact]
    public void CNN006_struct_beside_the_compiler_error()
    {
        var result = Harness.Run("using ConvNet;\n[Input(1, 8, 8)]\n[Relu]\npublic partial struct Net { }\n");
        Assert.Equal("CNN006", Assert.Single(result.Cnn).Id);
        Assert.Empty(result.Generated);
        Assert.All(result.Compiler.Where(d => d.Severity == DiagnosticSeverity.Error), d => Assert.Equal("CS0592", d.Id));
    }

    [Fact]
    public void CNN007_layers_split_over_partial_declarations()
    {
        var d = Single("""
            using ConvNet;
            [Input(1, 8, 8)]
            [Relu]
            public partial class Net { }
            [Tanh]
            public partial class Net { }
            """, "CNN007");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 5, 2);
    }

    [Fact]
    public void CNN008_network_too_large()
    {
        var d = Single("using ConvNet;\n[Input(1, 8, 8)]\n[FullyConnected(2147483647)]\npublic partial class Net { }\n", "CNN008");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 3, 2);
        Assert.Contains("139586437055 parameters", d.GetMessage());
    }

    [Fact]
    public void CNN009_padding_at_least_filter_size_is_a_warning_on_pad()
    {
        var d = Single("using ConvNet;\n[Input(1, 8, 8)]\n[Conv(2, 3, Pad = 3)]\npublic partial class Net { }\n", "CNN009");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        At(d, 3, 13);
        Assert.Equal("Conv 'conv1' in 'Net' pads 3 with a 3x3 filter: outputs along the border see only zeros; use Pad < 3", d.GetMessage());
    }

    [Fact]
    public void CNN010_no_layers_is_a_warning()
    {
        var d = Single("using ConvNet;\n[Input(1, 8, 8)]\npublic partial class Net { }\n", "CNN010");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        At(d, 2, 2);
    }

    /// <summary>An input written height, width, channels that happens to fit every layer (a padded 3x3 conv keeps 32x3)
    /// builds, so the warning is the only hint; the class still generates and runs.</summary>
    [Fact]
    public void CNN019_channels_last_input_is_a_warning_even_when_it_fits()
    {
        var result = Harness.Run("using ConvNet;\n[Input(32, 32, 3)]\n[Conv(8, 3, Pad = 1)]\npublic partial class Net { }\n");
        var d = Assert.Single(result.Cnn);
        Assert.Equal(("CNN019", DiagnosticSeverity.Warning), (d.Id, d.Severity));
        At(d, 2, 2);
        Assert.Equal("[Input] of 'Net' is 32 channels of 32x3, which looks like height, width, channels; [Input] takes channels, height, width: for a 32x32 image of 3 channels write [Input(3, 32, 32)]", d.GetMessage());
        Assert.NotEmpty(result.Generated);
        Assert.Empty(result.Compiler.Where(c => c.Severity >= DiagnosticSeverity.Warning && !c.Id.StartsWith("CNN", System.StringComparison.Ordinal)));
    }

    /// <summary>CNN019's rule needs all three signs (width at most 4, below the channels, channels equal to the rows).</summary>
    [Theory]
    [InlineData(3, 32, 32, false)]   // RGB, CHW
    [InlineData(1, 28, 28, false)]   // MNIST
    [InlineData(3, 3, 3, false)]     // width not below the channels
    [InlineData(16, 8, 4, false)]    // channels differ from the rows
    [InlineData(8, 8, 5, false)]     // width above 4
    [InlineData(28, 28, 1, true)]    // a grayscale 28x28 image written height, width, channels
    [InlineData(64, 64, 4, true)]    // RGBA, channels-last
    public void CNN019_only_for_a_thin_width_below_the_channels_with_as_many_channels_as_rows(int c, int h, int w, bool warns)
    {
        var result = Harness.Run($"using ConvNet;\n[Input({c}, {h}, {w})]\n[Relu]\npublic partial class Net {{ }}\n");
        Assert.Equal(warns, result.Cnn.Any(d => d.Id == "CNN019"));
    }

    /// <summary>A warning like any other: #pragma silences it (the compiler keeps it, marked suppressed).</summary>
    [Fact]
    public void CNN019_can_be_silenced()
    {
        var result = Harness.Run("using ConvNet;\n#pragma warning disable CNN019\n[Input(32, 32, 3)]\n[Relu]\npublic partial class Net { }\n");
        var d = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(("CNN019", true), (d.Id, d.IsSuppressed));
    }

    [Fact]
    public void CNN011_duplicate_layer_name()
    {
        var d = Single("using ConvNet;\n[Input(1, 8, 8)]\n[Relu(Name = \"a\")]\n[Tanh(Name = \"a\")]\npublic partial class Net { }\n", "CNN011");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 4, 7);
        Assert.Contains("\"a\" is already used by layer 1", d.GetMessage());
    }

    [Fact]
    public void CNN011_name_clashing_with_a_generated_member()
    {
        var d = Single("using ConvNet;\n[Input(1, 8, 8)]\n[Relu(Name = \"forward\")]\npublic partial class Net { }\n", "CNN011");
        Assert.Contains("clashes with a member", d.GetMessage());
    }

    [Fact]
    public void CNN012_too_many_layers()
    {
        string layers = string.Concat(Enumerable.Repeat("[Relu]", 1001));
        var d = Single($"using ConvNet;\n[Input(1, 2, 2)]\n{layers}\npublic partial class Net {{ }}\n", "CNN012");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("1001 layers", d.GetMessage());
    }

    [Theory]
    [InlineData("public int Conv1;", "Conv1", "conv1")]
    [InlineData("public sealed class Pool1 { }", "Pool1", "pool1")]
    [InlineData("public static void Fc1() { }", "Fc1", "fc1")]
    [InlineData("private int Features_0 => 1;", "Features_0", "features.0")]
    public void CNN013_user_member_named_like_a_layer_class(string member, string identifier, string layer)
    {
        var d = Single($$"""
            using ConvNet;
            [Input(1, 4, 4)]
            [Conv(2, 3)] [MaxPool(2)] [FullyConnected(3)] [Relu(Name = "features.0")]
            public partial class Net
            {
                {{member}}
            }
            """, "CNN013");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 6, member.IndexOf(identifier, System.StringComparison.Ordinal) + 5);
        Assert.Equal($"'Net.{identifier}' clashes with the nested class ConvNet generates for layer '{layer}'; rename the member, or set Name = \"...\" on the layer", d.GetMessage());
    }

    [Fact]
    public void CNN013_not_reported_for_a_layer_renamed_away()
    {
        var result = Harness.Run("using ConvNet;\n[Input(1, 4, 4)]\n[Conv(2, 3, Name = \"first\")]\npublic partial class Net { public int Conv1; }\n");
        Assert.Empty(result.Cnn);
        Assert.Empty(result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void CNN011_a_layer_named_input()
    {
        var d = Single("using ConvNet;\n[Input(1, 8, 8)]\n[Relu(Name = \"input\")]\npublic partial class Net { }\n", "CNN011");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 3, 7);
        Assert.Equal("Layer name \"input\" is reserved: From, Add and Concat use it for the network input; rename the layer", d.GetMessage());
    }

    [Theory]
    [InlineData("[Dropout(1.0)]", 10, "P must be in [0, 1) (the probability of dropping a value), got 1")]
    [InlineData("[Dropout(-0.25)]", 10, "P must be in [0, 1) (the probability of dropping a value), got -0.25")]
    [InlineData("[Dropout(p: double.NaN)]", 10, "P must be in [0, 1) (the probability of dropping a value), got NaN")]
    [InlineData("[BatchNorm(Epsilon = 0)]", 12, "Epsilon must be positive and finite, got 0")]
    [InlineData("[BatchNorm(Momentum = 0.5, Epsilon = -1e-5)]", 28, "Epsilon must be positive and finite, got -1E-05")]
    [InlineData("[BatchNorm(Epsilon = double.PositiveInfinity)]", 12, "Epsilon must be positive and finite, got Infinity")]
    [InlineData("[BatchNorm(Momentum = 1.5)]", 12, "Momentum must be in [0, 1], got 1.5")]
    [InlineData("[BatchNorm(Name = \"bn\", Momentum = -0.125)]", 25, "Momentum must be in [0, 1], got -0.125")]
    public void CNN003_invalid_dropout_and_batch_norm_arguments(string attribute, int column, string message)
    {
        var d = Single($"using ConvNet;\n[Input(1, 8, 8)]\n{attribute}\npublic partial class Net {{ }}\n", "CNN003");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 3, column);
        Assert.Matches(@"^\w+ '\w+' in 'Net': ", d.GetMessage());
        Assert.EndsWith(": " + message, d.GetMessage());
    }

    [Fact]
    public void Valid_dropout_and_batch_norm_edges_are_clean()
    {
        var result = Harness.Run("using ConvNet;\n[Input(1, 8, 8)]\n[Dropout(0)]\n[Dropout(0.999)]\n[BatchNorm(Momentum = 0)]\n[BatchNorm(Momentum = 1, Epsilon = 1e-30)]\npublic partial class Net { }\n");
        Assert.Empty(result.Cnn);
        Assert.Empty(result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    /// <summary>The issue's example: the residual's add names a volume of another shape, and a 1x1 projection of it fits.</summary>
    [Fact]
    public void CNN014_add_suggests_a_projection_of_the_other_volume()
    {
        var d = Single("""
            using ConvNet;
            [Input(16, 32, 32)]
            [Relu(Name = "relu3")]
            [Conv(32, 3, Stride = 2, Pad = 1, Name = "conv5")]
            [Add("relu3")]
            public partial class Net { }
            """, "CNN014");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 5, 2);
        Assert.Equal("Add 'add1' in 'Net' cannot add conv5 (32x16x16) to relu3 (16x32x32); a 1x1 Conv with 32 filters and Stride = 2 on relu3 would give 32x16x16", d.GetMessage());
    }

    [Theory]
    // The other volume is smaller: the projection goes on the add's own input.
    [InlineData("[MaxPool(2, Name = \"small\")] [Relu(From = \"input\")] [Add(\"small\")]", 54,
        "Add 'add1' in 'Net' cannot add relu1 (2x4x4) to small (2x2x2); a 1x1 Conv with 2 filters and Stride = 2 on relu1 would give 2x2x2")]
    // 3x3 from 4x4: no 1x1 stride reaches it either way.
    [InlineData("[Conv(2, 2, Name = \"c\")] [Relu(From = \"input\")] [Add(\"c\")]", 50,
        "Add 'add1' in 'Net' cannot add relu1 (2x4x4) to c (2x3x3); the shapes must be equal: change the layers that make them, or take another layer")]
    // Channels only, with From on the add.
    [InlineData("[Conv(3, 1)] [Add(\"input\", From = \"conv1\")]", 15,
        "Add 'add1' in 'Net' cannot add conv1 (3x4x4) to input (2x4x4); a 1x1 Conv with 3 filters on input would give 3x4x4")]
    public void CNN014_add_mismatch(string layers, int column, string message)
    {
        var d = Single($"using ConvNet;\n[Input(2, 4, 4)]\n{layers}\npublic partial class Net {{ }}\n", "CNN014");
        At(d, 3, column);
        Assert.Equal(message, d.GetMessage());
    }

    [Fact]
    public void CNN014_concat_lists_every_input_side()
    {
        var d = Single("""
            using ConvNet;
            [Input(3, 8, 8)]
            [MaxPool(2, Name = "half")]
            [Conv(4, 1, From = "input", Name = "full")]
            [Concat("half", "input")]
            public partial class Net { }
            """, "CNN014");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 5, 2);
        Assert.Equal("Concat 'concat1' in 'Net' stacks channels, so every input needs the same height and width, got (height x width) full 8x8, half 4x4, input 8x8; " +
                     "resize the odd ones with a strided Conv or a pooling layer, or pad them", d.GetMessage());
    }

    [Theory]
    // A near name, as written or in another case; the network input misspelt; nothing near.
    [InlineData("[Conv(2, 3, Pad = 1)] [Relu] [Add(\"conv2\")]", 35, "Add 'add1' in 'Net' takes \"conv2\", which is not a layer of this network; did you mean \"conv1\"?")]
    [InlineData("[Conv(1, 3, Pad = 1)] [Add(\"Conv1\")]", 28, "Add 'add1' in 'Net' takes \"Conv1\", which is not a layer of this network; did you mean \"conv1\"?")]
    [InlineData("[Relu(From = \"inptu\")]", 7, "Relu 'relu1' in 'Net' takes \"inptu\", which is not a layer of this network; did you mean \"input\"?")]
    [InlineData("[Relu] [Tanh(From = \"something_else\")]", 14, "Tanh 'tanh1' in 'Net' takes \"something_else\", which is not a layer of this network")]
    // The second name of a concat, and a params array written as one array: the array.
    [InlineData("[Relu(Name = \"a\")] [Tanh(Name = \"b\", From = \"input\")] [Concat(\"a\", \"bb\")]", 68, "Concat 'concat1' in 'Net' takes \"bb\", which is not a layer of this network; did you mean \"b\"?")]
    [InlineData("[Relu(Name = \"a\")] [Concat(new[] { \"a\", \"zzzz\" })]", 28, "Concat 'concat1' in 'Net' takes \"zzzz\", which is not a layer of this network")]
    // Itself, and a later layer (source order is the order of evaluation, so no cycle can be written).
    [InlineData("[Relu(Name = \"a\", From = \"a\")]", 19, "Relu 'a' in 'Net' takes its own output as its input; name an earlier layer or \"input\"")]
    [InlineData("[Relu] [Add(\"add1\")]", 13, "Add 'add1' in 'Net' takes its own output as its input; name an earlier layer or \"input\"")]
    [InlineData("[Relu(From = \"late\")] [Tanh(Name = \"late\")]", 7, "Relu 'relu1' in 'Net' takes \"late\", which comes later (layer 2); layers run in source order, so a layer can only take the output of one above it")]
    public void CNN015_bad_reference_points_at_the_name(string layers, int column, string message)
    {
        var d = Single($"using ConvNet;\n[Input(1, 4, 4)]\n{layers}\npublic partial class Net {{ }}\n", "CNN015");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 3, column);
        Assert.Equal(message, d.GetMessage());
    }

    [Fact]
    public void CNN016_dead_branch_is_a_warning_and_the_network_still_compiles()
    {
        var result = Harness.Run("""
            using ConvNet;
            [Input(1, 4, 4)]
            [Conv(2, 3, Name = "dead")]
            [Relu(From = "input")]
            public partial class Net { }
            """);
        var d = Assert.Single(result.Cnn);
        Assert.Equal("CNN016", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        At(d, 3, 2);
        Assert.Equal("Conv 'dead' in 'Net' computes an output that no layer takes (a dead branch): it costs time and never reaches the network's output; take it with From, Add or Concat, or remove it", d.GetMessage());
        Assert.Empty(result.Compiler.Where(x => x.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains("public void Forward(", Assert.Single(result.Generated).Source, System.StringComparison.Ordinal);
    }

    /// <summary>The last layer is the output, used or not; a layer read only by the last one is used.</summary>
    [Theory]
    [InlineData("[Relu(Name = \"a\")] [Tanh(From = \"input\")] [Add(\"a\")]")]
    [InlineData("[Relu] [Tanh] [Sigmoid(From = \"relu1\")] [Concat(\"tanh1\")]")]
    [InlineData("[Relu(From = \"input\")] [Tanh(From = \"input\")] [Add(\"relu1\")]")]
    public void CNN016_not_for_the_output_or_a_merged_branch(string layers)
    {
        var result = Harness.Run($"using ConvNet;\n[Input(1, 4, 4)]\n{layers}\npublic partial class Net {{ }}\n");
        Assert.Empty(result.Cnn);
        Assert.Empty(result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void CNN016_for_each_dead_layer_but_not_the_last()
    {
        var result = Harness.Run("using ConvNet;\n[Input(1, 4, 4)]\n[Relu]\n[Tanh(From = \"input\")]\n[Sigmoid(From = \"input\")]\npublic partial class Net { }\n");
        Assert.All(result.Cnn, d => Assert.Equal(("CNN016", DiagnosticSeverity.Warning), (d.Id, d.Severity)));
        Assert.Equal([3, 4], result.Cnn.Select(d => d.Location.GetLineSpan().StartLinePosition.Line + 1).Order());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Diagnostics_can_be_silenced_with_pragma(bool pragma)
    {
        string source = "using ConvNet;\n" + (pragma ? "#pragma warning disable CNN009\n" : "\n") + "[Input(1, 8, 8)]\n[Conv(2, 3, Pad = 3)]\npublic partial class Net { }\n";
        // The compiler keeps a suppressed diagnostic, marked, and leaves it out of the build's output: an empty result
        // would pass here, and a diagnostic never reported would look the same as one silenced.
        var d = Assert.Single(Harness.Run(source).GeneratorDiagnostics);
        Assert.Equal("CNN009", d.Id);
        Assert.Equal(pragma, d.IsSuppressed);
        At(d, 4, 13);
    }

    /// <summary>A warning's severity set in .editorconfig applies to the generator's warning, as to any warning: the
    /// generator places it in the user's syntax tree, whose options the compiler reads.</summary>
    [Theory]
    [InlineData("none", null)]
    [InlineData("error", DiagnosticSeverity.Error)]
    [InlineData("suggestion", DiagnosticSeverity.Info)]
    public void Warnings_take_their_severity_from_editorconfig(string severity, DiagnosticSeverity? expected)
    {
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(
            "using ConvNet;\n[Input(1, 8, 8)]\n[Conv(2, 3, Pad = 3)]\npublic partial class Net { }\n", Harness.ParseOptions, path: "/src/Net0.cs");
        var config = AnalyzerConfig.Parse($"root = true\n[*.cs]\ndotnet_diagnostic.CNN009.severity = {severity}\n", "/src/.editorconfig");
        var options = AnalyzerConfigSet.Create(System.Collections.Immutable.ImmutableArray.Create(config)).GetOptionsForSourcePath(tree.FilePath);
        var compilation = Harness.Compilation().AddSyntaxTrees(tree);
        compilation = compilation.WithOptions(compilation.Options.WithSyntaxTreeOptionsProvider(new TreeOptions(tree, options.TreeOptions)));
        var reported = Harness.Run(compilation).Cnn;
        Assert.Equal(expected is null ? [] : [("CNN009", expected.Value)], reported.Select(d => (d.Id, d.Severity)));
    }

    /// <summary>The options of one tree, as the compiler builds them from .editorconfig files.</summary>
    private sealed class TreeOptions(SyntaxTree tree, System.Collections.Immutable.ImmutableDictionary<string, ReportDiagnostic> options) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree t, CancellationToken cancellationToken) => GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree t, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = default;
            return t == tree && options.TryGetValue(diagnosticId, out severity);
        }

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = default;
            return false;
        }
    }

    /// <summary>NoWarn (the compilation's specific options) silences a warning wherever it is reported.</summary>
    [Fact]
    public void Warnings_can_be_silenced_with_nowarn()
    {
        var compilation = Harness.Compilation("using ConvNet;\n[Input(1, 8, 8)]\n[Conv(2, 3, Pad = 3)]\n[Relu(From = \"input\")]\n[Tanh]\npublic partial class Net { }\n");
        compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions([new("CNN009", ReportDiagnostic.Suppress)]));
        Assert.Equal(["CNN016"], Harness.Run(compilation).Cnn.Select(d => d.Id));
    }

    [Fact]
    public void Attributes_from_another_namespace_are_ignored()
    {
        var result = Harness.Run("""
            namespace Other { public sealed class InputAttribute(int c, int h, int w) : System.Attribute { public int Length => c * h * w; } public sealed class ReluAttribute : System.Attribute; }
            [Other.Input(1, 2, 3)]
            [Other.Relu]
            public partial class Net { }
            """);
        Assert.Empty(result.Cnn);
        Assert.Empty(result.Generated);
        Assert.Empty(result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    /// <summary>Every problem is reported once, by the generator: the compiler skips analyzers once any error is
    /// reported, so a diagnostic left to an analyzer would vanish whenever another class has a CNN error.</summary>
    [Theory]
    [InlineData("[Input(1, 7, 7)]\n[Conv(4, 3, Stride = 3)]\npublic partial class Net { }", "CNN001")]
    [InlineData("[Input(1, 8, 8)]\n[Conv(2, 3, Pad = 3)]\npublic partial class Net { }", "CNN009")]
    [InlineData("[Input(1, 8, 8)]\npublic partial class Net { }", "CNN010")]
    [InlineData("[Conv(2, 3)]\npublic partial class Net { }", "CNN005")]
    [InlineData("[Conv(2, 3)]\n[Relu]\npublic partial class Net { }\npartial class Net { }", "CNN005")]
    [InlineData("[Conv(2, 3)]\npartial class Net { }\n[Relu]\npublic partial class Net { }", "CNN005 CNN007")]
    [InlineData("[Input(1, 8, 8)]\n[Relu]\npartial class Net { }\n[Conv(2, 3)]\npublic partial class Net { }", "CNN007")]
    [InlineData("[Input(1, 8, 8)]\n[Relu]\npublic class Net { }", "CNN004")]
    [InlineData("[Input(1, 8, 8)]\n[Relu]\npublic enum Net { A }", "CNN006")]
    [InlineData("[ConvNet.Conv(2, 3)]\npublic partial class Net { }", "CNN005")]
    [InlineData("[global::ConvNet.ConvAttribute(2, 3)]\npublic partial class Net { }", "CNN005")]
    [InlineData("[Relu, Conv(2, 3)]\n[MaxPool(2)]\npublic partial class Net { }", "CNN005")]
    [InlineData("[Relu]\npublic delegate void Net();", "CNN005 CNN006")]
    [InlineData("[Other.Input]\n[Conv(2, 3)]\npublic partial class Net { }\nnamespace Other { public sealed class InputAttribute : System.Attribute { } }", "CNN005")]
    [InlineData("[ConvNet.Input(1, 8, 8)]\n[Relu]\npublic enum Net { A }", "CNN006")]
    [InlineData("[Input(1, 8, 8)]\n[Relu]\npublic delegate void Net();", "CNN006")]
    public void Every_problem_is_reported_once_by_the_generator(string declaration, string ids)
    {
        var result = Harness.Run("using ConvNet;\n" + declaration + "\n");
        Assert.Equal(ids.Split(' '), result.GeneratorDiagnostics.Select(d => d.Id).Where(id => id.StartsWith("CNN", System.StringComparison.Ordinal)).Order());
    }

    /// <summary>A layer attribute written through a using alias, of the file or of a namespace, is still found on a
    /// type without [Input]: the syntactic filter in front of the semantic check follows the aliases in scope.</summary>
    [Theory]
    [InlineData("using C = ConvNet.ConvAttribute;\n[C(2, 3)]\npublic partial class Net { }")]
    [InlineData("using Layer = ConvNet.ReluAttribute;\n[Layer]\npublic partial class Net { }")]
    [InlineData("namespace App\n{\n    using C = ConvNet.ConvAttribute;\n    [C(2, 3)]\n    public partial class Net { }\n}")]
    public void A_layer_attribute_through_a_using_alias_gets_CNN005(string source)
    {
        var result = Harness.Run(source + "\n");
        var d = Assert.Single(result.GeneratorDiagnostics, d => d.Id.StartsWith("CNN", System.StringComparison.Ordinal));
        Assert.Equal("CNN005", d.Id);
        Assert.Empty(result.Generated);
    }

    /// <summary>The issue's case: a class with a CNN001 beside one without [Input] and one with warnings. Each problem
    /// shows once in the generator's report, which a build prints whatever else fails.</summary>
    [Fact]
    public void Problems_of_every_class_are_reported_beside_another_class_s_error()
    {
        var result = Harness.Run(
            "using ConvNet;\n[Input(1, 7, 7)]\n[Conv(4, 3, Stride = 3)]\npublic partial class BadNet { }\n",
            "using ConvNet;\n[Conv(2, 3)] [Relu] public partial class MissingInput { }\n",
            "using ConvNet;\n[Input(1, 8, 8)]\n[Conv(2, 3, Pad = 3)]\n[Relu(From = \"input\")]\n[Tanh]\npublic partial class Warned { }\n");
        var reported = result.GeneratorDiagnostics.Select(d => (d.Id, d.Severity, d.Location.GetLineSpan().Path, d.Location.GetLineSpan().StartLinePosition.Line + 1)).Order();
        Assert.Equal([
            ("CNN001", DiagnosticSeverity.Error, "Net0.cs", 3),
            ("CNN005", DiagnosticSeverity.Error, "Net1.cs", 2),
            ("CNN009", DiagnosticSeverity.Warning, "Net2.cs", 3),
            ("CNN016", DiagnosticSeverity.Warning, "Net2.cs", 3),
        ], reported);
    }

    [Fact]
    public void Errors_cannot_be_configured_and_warnings_can_and_every_descriptor_explains_itself()
    {
        foreach (var d in Descriptors.All)
        {
            bool error = d.DefaultSeverity == DiagnosticSeverity.Error;
            Assert.Equal(error, d.CustomTags.Contains(WellKnownDiagnosticTags.NotConfigurable));
            Assert.False(string.IsNullOrWhiteSpace(d.Title.ToString(System.Globalization.CultureInfo.InvariantCulture)), d.Id);
            Assert.False(string.IsNullOrWhiteSpace(d.Description.ToString(System.Globalization.CultureInfo.InvariantCulture)), d.Id);
            // The project has no public address yet: no link rather than one to an address it does not own.
            Assert.Equal("", d.HelpLinkUri);
        }
    }

    /// <summary>Each ID has its own section in docs/diagnostics.md, headed by its stable anchor, the ID and its title.</summary>
    [Fact]
    public void Diagnostics_page_has_a_section_with_an_anchor_for_every_diagnostic()
    {
        var folder = new System.IO.DirectoryInfo(System.AppContext.BaseDirectory);
        while (!System.IO.File.Exists(System.IO.Path.Combine(folder.FullName, "ConvNet.sln"))) folder = folder.Parent!;
        string page = System.IO.File.ReadAllText(System.IO.Path.Combine(folder.FullName, "docs", "diagnostics.md"));
        foreach (var d in Descriptors.All)
            Assert.Contains($"\n## <a id=\"{d.Id.ToLowerInvariant()}\"></a>{d.Id}: {d.Title}\n", page.ReplaceLineEndings("\n"), System.StringComparison.Ordinal);
    }

    /// <summary>A user method or constructor with a generated one's signature would be CS0111 inside the generated file;
    /// it is CNN013 on the user's member instead, and the class gets nothing generated.</summary>
    [Theory]
    [InlineData("public void Forward(System.ReadOnlySpan<float> input, System.Span<float> output) { }", 17, "'Net.Forward(ReadOnlySpan<float>, Span<float>)' has the signature of a method ConvNet generates; rename it or change its parameters")]
    [InlineData("public int Backward(int layer, System.ReadOnlySpan<float> g, System.Span<float> d, int n) => 0;", 16, "'Net.Backward(int, ReadOnlySpan<float>, Span<float>, int)' has the signature of a method ConvNet generates; rename it or change its parameters")]
    [InlineData("private void ZeroGradients() { }", 18, "'Net.ZeroGradients()' has the signature of a method ConvNet generates; rename it or change its parameters")]
    [InlineData("public Net(int seed) { }", 12, "'Net.Net(int)' has the signature of a constructor ConvNet generates; rename it or change its parameters")]
    [InlineData("public Net() { }", 12, "'Net.Net()' has the signature of a constructor ConvNet generates; rename it or change its parameters")]
    public void CNN013_member_with_a_generated_signature(string member, int column, string message)
    {
        var d = Single($"using ConvNet;\n[Input(1, 4, 4)]\n[Relu]\npublic partial class Net\n{{\n    {member}\n}}\n", "CNN013");
        At(d, 6, column);
        Assert.Equal(message, d.GetMessage());
    }

    /// <summary>Other parameters make a legal overload, which compiles next to the generated members.</summary>
    [Theory]
    [InlineData("public void Forward(float[] input) { }")]
    [InlineData("public void Forward(System.ReadOnlySpan<float> input, System.Span<float> output, long batch) { }")]
    [InlineData("public void Forward(in System.ReadOnlySpan<float> input, System.Span<float> output) { }")]
    [InlineData("public void LayerOutput<T>(int layer) { }")]
    [InlineData("public Net(string name) : this(0) { }")]
    public void Overloads_of_generated_methods_are_allowed(string member)
    {
        var result = Harness.Run($"using ConvNet;\n[Input(1, 4, 4)]\n[Relu]\npublic partial class Net\n{{\n    {member}\n}}\n");
        Assert.Empty(result.Cnn);
        Assert.Empty(result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Single(result.Generated);
    }

    /// <summary>Private generated fields are in the way of a user member just as much: CS0102 or CS0229 inside the
    /// generated file before, CNN013 on the user's member now.</summary>
    [Theory]
    [InlineData("private float[] _activations = [];", 21, "_activations")]
    [InlineData("internal int _workers = 1;", 18, "_workers")]
    [InlineData("public static bool[] s_live => [];", 26, "s_live")]
    [InlineData("private void _runSeed() { }", 18, "_runSeed")]
    public void CNN013_user_member_named_like_a_generated_field(string member, int column, string name)
    {
        var d = Single($"using ConvNet;\n[Input(1, 4, 4)]\n[Relu]\n[Dropout(0.5)]\npublic partial class Net\n{{\n    {member}\n}}\n", "CNN013");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 7, column);
        Assert.Equal($"'Net.{name}' clashes with a member ConvNet generates; rename it", d.GetMessage());
    }

    /// <summary>The generated constructors cannot call a primary constructor (CS8862 inside the generated file before).</summary>
    [Theory]
    [InlineData("(long x) { public long X => x; }", "Net(long)")]
    [InlineData("(int seed) { public int Seed => seed; }", "Net(int)")]
    [InlineData("() { }", "Net()")]
    public void CNN013_primary_constructor(string rest, string signature)
    {
        var d = Single($"using ConvNet;\n[Input(1, 4, 4)]\n[Relu]\npublic partial class Net{rest}\n", "CNN013");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 4, 22);
        Assert.Equal($"'{signature}' is a primary constructor, which the constructors ConvNet generates (Net() and Net(int seed)) would have to call; declare an ordinary constructor that calls this(seed) instead", d.GetMessage());
    }

    /// <summary>An explicit INetwork member compiled and silently took every call made through INetwork.</summary>
    [Theory]
    [InlineData("bool ConvNet.INetwork.Training { get => false; set { } }", 27, "Training")]
    [InlineData("void ConvNet.INetwork.Forward(System.ReadOnlySpan<float> input, System.Span<float> output) { }", 27, "Forward")]
    [InlineData("int INetwork.InputLength => 0;", 18, "InputLength")]
    public void CNN017_explicit_INetwork_member(string member, int column, string name)
    {
        var d = Single($"using ConvNet;\n[Input(1, 4, 4)]\n[Relu]\npublic partial class Net\n{{\n    {member}\n}}\n", "CNN017");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 6, column);
        Assert.Equal($"'Net' implements INetwork.{name} explicitly, so calls through INetwork would reach it instead of the member ConvNet generates; remove it", d.GetMessage());
    }

    /// <summary>A dropout network's generated class implements IDropoutNetwork.DropoutState (checkpoints read it); the
    /// user's own explicit one would take those calls the same way.</summary>
    [Fact]
    public void CNN017_explicit_IDropoutNetwork_member()
    {
        var d = Single("using ConvNet;\n[Input(1, 4, 4)]\n[Dropout(0.5)]\npublic partial class Net : IDropoutNetwork\n{\n    ulong IDropoutNetwork.DropoutState { get => 0; set { } }\n}\n", "CNN017");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 6, 27);
        Assert.Equal("'Net' implements IDropoutNetwork.DropoutState explicitly, so calls through IDropoutNetwork would reach it instead of the member ConvNet generates; remove it", d.GetMessage());
    }

    /// <summary>Explicit members of other interfaces are the user's business.</summary>
    [Fact]
    public void Explicit_members_of_other_interfaces_are_allowed()
    {
        var result = Harness.Run("using ConvNet;\n[Input(1, 4, 4)]\n[Relu]\npublic partial class Net : System.IDisposable\n{\n    void System.IDisposable.Dispose() { }\n}\n");
        Assert.Empty(result.Cnn);
        Assert.Empty(result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    /// <summary>A non-constant argument is the compiler's CS0182 alone: it read as 0 before, adding "got 0" (CNN003).</summary>
    [Theory]
    [InlineData("[Conv(Net.x, 3)]")]
    [InlineData("[Conv(2, 3, Pad = Net.x)]")]
    [InlineData("[Concat(\"input\", Net.s)]")]
    public void A_non_constant_argument_is_only_the_compiler_s_error(string layer)
    {
        var result = Harness.Run($"using ConvNet;\n[Input(1, 4, 4)]\n{layer}\npublic partial class Net {{ public static int x = 2; public static string s = \"input\"; }}\n");
        Assert.Empty(result.Cnn);
        Assert.Equal(["CS0182"], result.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.Id));
    }

    /// <summary>A 20,000-way Concat took minutes to check, generate and compile; it is capped as layers are.</summary>
    [Fact]
    public void CNN018_too_many_layer_inputs()
    {
        string names = string.Join(", ", Enumerable.Repeat("\"relu1\"", 20000));
        var d = Single($"using ConvNet;\n[Input(1, 2, 2)]\n[Relu]\n[Concat({names})]\npublic partial class Net {{ }}\n", "CNN018");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        At(d, 4, 2);
        Assert.Equal("Concat 'concat1' in 'Net' takes 20001 inputs, which makes 20002 layer inputs so far; ConvNet compiles at most 2000 in all", d.GetMessage());
    }

    /// <summary>The cap counts every layer's input and each name a merge takes: 2,000 in all pass, one more does not.</summary>
    [Theory]
    [InlineData(1998, false)]
    [InlineData(1999, true)]
    public void CNN018_at_the_cap(int names, bool capped)
    {
        var layers = new[]
        {
            ShapeInferenceTests.L(ConvNet.Generator.Model.LayerKind.Relu),
            ShapeInferenceTests.L(ConvNet.Generator.Model.LayerKind.Concat, new ConvNet.Generator.Model.MergeSpec(new ConvNet.Generator.Model.EquatableArray<string>([.. Enumerable.Repeat("relu1", names)]))),
        };
        var (plan, problems) = ConvNet.Generator.Shapes.ShapeInference.Infer(new ConvNet.Generator.Model.Shape3(1, 2, 2), layers);
        Assert.Equal(capped ? ["CNN018"] : [], problems.Select(p => p.Id));
        Assert.Equal(capped, plan is null);
    }
}
