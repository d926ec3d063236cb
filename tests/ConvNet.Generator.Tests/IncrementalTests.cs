using System.Linq;
using ConvNet.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace ConvNet.Tests;

/// <summary>The generator runs on every keystroke: an unrelated edit must reuse every cached step, and a real change must regenerate.</summary>
public class IncrementalTests
{
    private const string Network = Harness.TinyNetSource;

    /// <summary>A residual add, a concat, batch norm, dropout and global pooling: the graph attributes' arguments (names,
    /// From, string arrays, doubles) must reach the model as values that compare equal across runs.</summary>
    private const string GraphNetwork = """
        using ConvNet;
        namespace App;
        [Input(3, 8, 8)]
        [Conv(4, 3, Pad = 1)]
        [BatchNorm(Momentum = 0.2)]
        [Relu]
        [Conv(4, 1, From = "input", Name = "skip")]
        [Add("relu1")]
        [Concat("skip", "input")]
        [Dropout(0.25)]
        [GlobalAvgPool]
        [FullyConnected(5)]
        public partial class GraphNet { }
        """;

    public static TheoryData<string> Networks => [Network, GraphNetwork];

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) First(string source)
    {
        var compilation = Harness.Compilation(source, "namespace App; public class Other { }");
        return (Harness.Driver().RunGenerators(compilation), compilation);
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results.Single().TrackedSteps[step]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    /// <summary>The reasons of the source outputs whose input comes from step <paramref name="step"/> (through the
    /// unnamed filters between them): the class's source reads the model, the reported errors read the errors.</summary>
    private static IncrementalStepRunReason[] OutputReasonsFrom(GeneratorDriver driver, string step)
    {
        static bool From(IncrementalGeneratorRunStep s, string name) =>
            s.Name == name || s.Inputs.Any(i => From(i.Source, name));
        return driver.GetRunResult().Results.Single().TrackedOutputSteps["SourceOutput"]
            .Where(s => From(s, step)).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
    }

    /// <summary>The parse step and every other step of the generator that ran, and each source output, produced values
    /// and only cached or unchanged ones. (The compiler's own steps before the parse see the edited tree, so they do change.)</summary>
    private static void AssertEveryStepReused(GeneratorDriver driver)
    {
        AssertReused(Reasons(driver, NetworkGenerator.ParseStep));
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        foreach (string step in new[] { NetworkGenerator.ModelStep, NetworkGenerator.PlanStep, NetworkGenerator.ErrorsStep })
            if (steps.ContainsKey(step)) AssertReused(Reasons(driver, step));
        foreach (var outputs in driver.GetRunResult().Results.Single().TrackedOutputSteps.Values)
            AssertReused([.. outputs.SelectMany(s => s.Outputs).Select(o => o.Reason)]);
    }

    /// <summary>What a change to the declaration must do: a new parse result and model for the one network, its source
    /// regenerated, and no error reported (the network stays valid): only the <paramref name="warnings"/> the change
    /// makes.</summary>
    private static void AssertRegenerated(GeneratorDriver driver, params string[] warnings)
    {
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(driver, NetworkGenerator.ParseStep));
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(driver, NetworkGenerator.ModelStep));
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(driver, NetworkGenerator.PlanStep));
        Assert.Equal([IncrementalStepRunReason.Modified], OutputReasonsFrom(driver, NetworkGenerator.PlanStep));
        Assert.Empty(OutputReasonsFrom(driver, NetworkGenerator.ErrorsStep));
        Assert.Equal(warnings, driver.GetRunResult().Diagnostics.Select(d => $"{d.Severity} {d.Id}"));
    }

    private static GeneratorDriver Rerun(GeneratorDriver driver, CSharpCompilation compilation, int treeIndex, string newText) =>
        driver.RunGenerators(compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.ElementAt(treeIndex),
            CSharpSyntaxTree.ParseText(newText, Harness.ParseOptions, path: compilation.SyntaxTrees.ElementAt(treeIndex).FilePath)));

    private static void AssertReused(IncrementalStepRunReason[] reasons)
    {
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Theory, MemberData(nameof(Networks))]
    public void Edit_in_another_file_leaves_every_step_cached(string network)
    {
        var (driver, compilation) = First(network);
        driver = Rerun(driver, compilation, 1, "namespace App; public class Other { public int X; }");
        // The parse step re-runs (the compilation changed) but yields an equal model, so the output is reused.
        AssertEveryStepReused(driver);
    }

    [Theory, MemberData(nameof(Networks))]
    public void Unrelated_edit_in_the_same_file_leaves_the_output_unchanged(string network)
    {
        var (driver, compilation) = First(network);
        driver = Rerun(driver, compilation, 0, "// a comment that moves every span\n" + network + "\nclass Unrelated { void M() { } }\n");
        AssertEveryStepReused(driver);
    }

    [Fact]
    public void Changing_a_filter_size_regenerates()
    {
        var (driver, compilation) = First(Network);
        driver = Rerun(driver, compilation, 0, Network.Replace("[Conv(10, 5, Pad = 2)]", "[Conv(10, 3, Pad = 1)]"));
        AssertRegenerated(driver);
        Assert.Contains("weight [10,3,3,3]", driver.GetRunResult().GeneratedTrees.Single().ToString());
    }

    /// <summary>Each graph argument is part of the model: changing it regenerates, and the new value shows in the layer table.</summary>
    [Theory]
    [InlineData("[Dropout(0.25)]", "[Dropout(0.5)]", "Dropout p=0.5", null)]
    [InlineData("From = \"input\", Name = \"skip\"", "From = \"bn1\", Name = \"skip\"", "Conv 4@1x1 s1 p0 <- bn1", null)]
    // relu1 is then read by nothing: the generator reports the dead branch.
    [InlineData("[Add(\"relu1\")]", "[Add(\"bn1\")]", "Add(bn1)", "Warning CNN016")]
    [InlineData("[Concat(\"skip\", \"input\")]", "[Concat(\"input\", \"skip\")]", "Concat(input, skip)", null)]
    [InlineData("[BatchNorm(Momentum = 0.2)]", "[BatchNorm(Momentum = 0.3)]", "Momentum = 0.3d", null)]
    public void Changing_a_graph_argument_regenerates(string before, string after, string expected, string? warning)
    {
        var (driver, compilation) = First(GraphNetwork);
        Assert.Contains(before, GraphNetwork, System.StringComparison.Ordinal);
        driver = Rerun(driver, compilation, 0, GraphNetwork.Replace(before, after));
        AssertRegenerated(driver, warning is null ? [] : [warning]);
        Assert.Contains(expected, driver.GetRunResult().GeneratedTrees.Single().ToString(), System.StringComparison.Ordinal);
    }

    private const string BadNetwork = """
        using ConvNet;
        namespace App;
        [Input(1, 7, 7)]
        [Conv(2, 3, Stride = 3)]
        public partial class BadNet { }
        """;

    /// <summary>The errors hold their locations, so moving the class re-reports them at the new line; the model is
    /// equal, so the class (a throwing stub) is not regenerated.</summary>
    [Fact]
    public void Moving_a_class_with_an_error_moves_the_diagnostic_and_regenerates_nothing()
    {
        var (driver, compilation) = First(BadNetwork);
        Assert.Equal(4, driver.GetRunResult().Diagnostics.Single().Location.GetLineSpan().StartLinePosition.Line + 1);
        driver = Rerun(driver, compilation, 0, "// two lines\n// above\n" + BadNetwork);
        Assert.Equal(6, driver.GetRunResult().Diagnostics.Single().Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(driver, NetworkGenerator.ErrorsStep));
        Assert.Equal([IncrementalStepRunReason.Modified], OutputReasonsFrom(driver, NetworkGenerator.ErrorsStep));
        AssertReused(Reasons(driver, NetworkGenerator.ModelStep));
        AssertReused(Reasons(driver, NetworkGenerator.PlanStep));
        AssertReused(OutputReasonsFrom(driver, NetworkGenerator.PlanStep));
    }

    [Fact]
    public void Edit_in_another_file_keeps_an_error_cached()
    {
        var (driver, compilation) = First(BadNetwork);
        driver = Rerun(driver, compilation, 1, "namespace App; public class Other { public int X; }");
        AssertEveryStepReused(driver);
        Assert.Equal("CNN001", driver.GetRunResult().Diagnostics.Single().Id);
    }

    [Theory, MemberData(nameof(Networks))]
    [InlineData(BadNetwork)]
    public void The_model_holds_no_symbols_syntax_or_compilations(string network)
    {
        var (driver, _) = First(network);
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        foreach (var (value, _) in steps[NetworkGenerator.ParseStep].Concat(steps[NetworkGenerator.PlanStep]).SelectMany(s => s.Outputs))
            ModelWalker.AssertPlain(value);
    }
}
