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

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) First(string source)
    {
        var compilation = Harness.Compilation(source, "namespace App; public class Other { }");
        return (Harness.Driver().RunGenerators(compilation), compilation);
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results.Single().TrackedSteps[step]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static IncrementalStepRunReason[] OutputReasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().TrackedOutputSteps
            .SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static GeneratorDriver Rerun(GeneratorDriver driver, CSharpCompilation compilation, int treeIndex, string newText) =>
        driver.RunGenerators(compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.ElementAt(treeIndex),
            CSharpSyntaxTree.ParseText(newText, Harness.ParseOptions, path: compilation.SyntaxTrees.ElementAt(treeIndex).FilePath)));

    private static void AssertReused(IncrementalStepRunReason[] reasons)
    {
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void Edit_in_another_file_leaves_every_step_cached()
    {
        var (driver, compilation) = First(Network);
        driver = Rerun(driver, compilation, 1, "namespace App; public class Other { public int X; }");
        // The parse step re-runs (the compilation changed) but yields an equal model, so the output is reused.
        AssertReused(Reasons(driver, NetworkGenerator.ParseStep));
        AssertReused(OutputReasons(driver));
    }

    [Fact]
    public void Unrelated_edit_in_the_same_file_leaves_the_output_unchanged()
    {
        var (driver, compilation) = First(Network);
        driver = Rerun(driver, compilation, 0, "// a comment that moves every span\n" + Network + "\nclass Unrelated { void M() { } }\n");
        AssertReused(Reasons(driver, NetworkGenerator.ParseStep));
        AssertReused(OutputReasons(driver));
    }

    [Fact]
    public void Changing_a_filter_size_regenerates()
    {
        var (driver, compilation) = First(Network);
        driver = Rerun(driver, compilation, 0, Network.Replace("[Conv(10, 5, Pad = 2)]", "[Conv(10, 3, Pad = 1)]"));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, NetworkGenerator.ParseStep));
        Assert.Contains(IncrementalStepRunReason.Modified, OutputReasons(driver));
        Assert.Contains("weight [10,3,3,3]", driver.GetRunResult().GeneratedTrees.Single().ToString());
    }

    [Fact]
    public void The_model_holds_no_symbols_syntax_or_compilations()
    {
        var (driver, _) = First(Network);
        var outputs = driver.GetRunResult().Results.Single().TrackedSteps[NetworkGenerator.ParseStep].SelectMany(s => s.Outputs);
        foreach (var (value, _) in outputs) ModelWalker.AssertPlain(value);
    }
}
