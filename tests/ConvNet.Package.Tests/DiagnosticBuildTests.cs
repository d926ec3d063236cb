using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace ConvNet.Package.Tests;

/// <summary>What a user sees from `dotnet build` of a network with a shape error, next to other mistakes and under the
/// settings that silence analyzers: the error is reported at the Conv attribute and the build fails, whatever the setting.</summary>
public sealed partial class PackageTests
{
    private const string BadNet = """
        using ConvNet;

        namespace BadConsumer;

        [Input(1, 7, 7)]
        {0}[Conv(2, 3, Stride = 3)]{1}
        public partial class BadNet { }

        public static class Program
        {
            public static void Main() => System.Console.WriteLine(new BadNet().Parameters.Length);
        }
        """;

    private const int ConvLine = 6;

    private static readonly Regex Reported = new(@"(\w+)\.cs\((\d+),(\d+)\): (error|warning) (CNN\d{3}|CS\d{4})");

    private (int ExitCode, string[] Diagnostics, string Output) Build(string name, string prefix, string suffix,
        (string File, string Text)[] extra, params string[] arguments)
    {
        string dir = package.CreateConsumer(name, [("BadNet.cs", BadNet.Replace("{0}", prefix).Replace("{1}", suffix)), .. extra]);
        var build = DotNet.Run(dir, ["build", "-c", "Release", .. arguments]);
        // MSBuild prints each diagnostic twice (as it happens and in the summary): one entry per distinct diagnostic.
        var diagnostics = Reported.Matches(build.Output).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal).ToArray();
        return (build.ExitCode, diagnostics, build.Output);
    }

    private const string Cnn001 = "BadNet.cs(6,2): error CNN001";

    [Theory]
    [InlineData("analyzers-off", "", "", "-p:RunAnalyzers=false")]
    [InlineData("nowarn", "", "", "-p:NoWarn=CNN001")]
    [InlineData("not-as-error", "", "", "-p:WarningsNotAsErrors=CNN001")]
    [InlineData("pragma", "#pragma warning disable CNN001\n", "\n#pragma warning restore CNN001", "")]
    [InlineData("editorconfig", "", "", "")]
    public void A_shape_error_fails_the_build_whatever_silences_analyzers(string name, string prefix, string suffix, string argument)
    {
        var extra = name == "editorconfig"
            ? new[] { (".editorconfig", "root = true\n[*.cs]\ndotnet_diagnostic.CNN001.severity = none\n") }
            : [];
        var (exitCode, diagnostics, output) = Build("Silenced-" + name, prefix, suffix, extra, argument.Length > 0 ? [argument] : []);
        Assert.NotEqual(0, exitCode);
        int line = ConvLine + (prefix.Length > 0 ? 1 : 0);
        Assert.True(diagnostics.SequenceEqual([$"BadNet.cs({line},2): error CNN001"]), output);
    }

    [Fact]
    public void A_shape_error_shows_with_a_declaration_error_in_another_file()
    {
        var (exitCode, diagnostics, output) = Build("WithDeclarationError", "", "",
            [("Other.cs", "class Other { void M(Strng s) { } }\n")]);
        Assert.NotEqual(0, exitCode);
        Assert.True(diagnostics.SequenceEqual([Cnn001, "Other.cs(1,22): error CS0246"]), output);
    }

    /// <summary>The compiler's own limits, which docs/diagnostics.md states: it stops after parse errors before any generator
    /// runs, and after declaration-level errors (a CNN error is one) before binding method bodies.</summary>
    [Fact]
    public void A_syntax_error_hides_the_shape_error_and_the_shape_error_hides_method_body_errors()
    {
        var syntax = Build("WithSyntaxError", "", "", [("Other.cs", "class Other { void M() { int x = 1 } }\n")]);
        Assert.NotEqual(0, syntax.ExitCode);
        Assert.True(syntax.Diagnostics.SequenceEqual(["Other.cs(1,36): error CS1002"]), syntax.Output);

        var body = Build("WithBodyError", "", "", [("Other.cs", "class Other { void M() { int x = \"s\"; } }\n")]);
        Assert.NotEqual(0, body.ExitCode);
        Assert.True(body.Diagnostics.SequenceEqual([Cnn001]), body.Output);
    }

    /// <summary>Warnings stay the user's to silence; unsilenced, TreatWarningsAsErrors (set on this build) fails on them.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_warning_can_be_silenced_with_pragma(bool pragma)
    {
        string dir = package.CreateConsumer("Warning-" + pragma, ("Net.cs", (pragma ? "#pragma warning disable CNN009\n" : "") + """
            using ConvNet;
            [Input(1, 8, 8)]
            [Conv(2, 3, Pad = 3)]
            public partial class PaddedNet { }
            public static class Program { public static void Main() { } }
            """));
        var build = DotNet.Run(dir, "build", "-c", "Release", "-p:TreatWarningsAsErrors=true");
        Assert.True((build.ExitCode == 0) == pragma, build.Output);
        Assert.Equal(pragma, !build.Output.Contains("CNN009", StringComparison.Ordinal));
    }

    /// <summary>A channels-last input that fits every layer builds; the warning is the only hint, and NoWarn silences it.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_channels_last_input_that_fits_builds_with_a_warning(bool noWarn)
    {
        string dir = package.CreateConsumer("ChannelsLast-" + noWarn, ("Net.cs", """
            using ConvNet;
            [Input(32, 32, 3)]
            [Conv(8, 3, Pad = 1)]
            public partial class HwcNet { }
            public static class Program { public static void Main() { } }
            """));
        var build = noWarn ? DotNet.Run(dir, "build", "-c", "Release", "-p:NoWarn=CNN019") : DotNet.Run(dir, "build", "-c", "Release");
        Assert.True(build.ExitCode == 0, build.Output);
        Assert.Equal(!noWarn, build.Output.Contains("Net.cs(2,2): warning CNN019: [Input] of 'HwcNet' is 32 channels of 32x3", StringComparison.Ordinal));
    }

    /// <summary>Two more classes beside BadNet's CNN001: one without [Input], one with two warnings (a pad of the filter's
    /// size on a layer whose output nothing reads).</summary>
    private const string Others = """
        using ConvNet;

        [Conv(2, 3)] [Relu] public partial class MissingInput { }

        [Input(1, 8, 8)]
        [Conv(2, 3, Pad = 3)]
        [Relu(From = "input")]
        [Tanh]
        public partial class Warned { }
        """;

    private const string Cnn005 = "Others.cs(3,42): error CNN005", Cnn009 = "Others.cs(6,13): warning CNN009", Cnn016 = "Others.cs(6,2): warning CNN016";

    /// <summary>The compiler skips analyzers once any error is reported, so CNN005 and the warnings, when an analyzer
    /// reported them, never showed beside another class's CNN001. Each shows now, once: as often in the build's
    /// output as the CNN001, whatever number of times the logger repeats a diagnostic.</summary>
    [Fact]
    public void Every_diagnostic_shows_beside_another_class_s_error_once()
    {
        var (exitCode, diagnostics, output) = Build("EveryDiagnostic", "", "", [("Others.cs", Others)]);
        Assert.NotEqual(0, exitCode);
        Assert.True(diagnostics.SequenceEqual([Cnn001, Cnn005, Cnn009, Cnn016]), output);
        int times = Regex.Matches(output, Regex.Escape(Cnn001)).Count;
        foreach (var d in new[] { Cnn005, Cnn009, Cnn016 })
            Assert.True(Regex.Matches(output, Regex.Escape(d)).Count == times, $"{d} does not show as often as {Cnn001} ({times}):\n{output}");
    }

    /// <summary>Reported by the generator, the warnings stay the user's to silence, beside an error too.</summary>
    [Theory]
    [InlineData("pragma", "")]
    [InlineData("editorconfig", "")]
    [InlineData("nowarn", "-p:NoWarn=CNN009")]
    public void A_warning_beside_an_error_can_be_silenced(string name, string argument)
    {
        var extra = new List<(string, string)> { ("Others.cs", name == "pragma" ? Others.Replace("[Conv(2, 3, Pad = 3)]", "#pragma warning disable CNN009\n[Conv(2, 3, Pad = 3)]") : Others) };
        if (name == "editorconfig") extra.Add((".editorconfig", "root = true\n[*.cs]\ndotnet_diagnostic.CNN009.severity = none\n"));
        var (exitCode, diagnostics, output) = Build("SilencedWarning-" + name, "", "", [.. extra], argument.Length > 0 ? [argument] : []);
        Assert.NotEqual(0, exitCode);
        string cnn016 = name == "pragma" ? Cnn016.Replace("(6,", "(7,") : Cnn016;
        Assert.True(diagnostics.SequenceEqual([Cnn001, Cnn005, cnn016]), output);
    }
}
