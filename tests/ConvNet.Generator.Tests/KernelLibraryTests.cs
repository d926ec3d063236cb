using System.Linq;
using ConvNet.Generator;
using ConvNet.Generator.Emit;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace ConvNet.Tests;

/// <summary>The kernels all networks share are checked-in code of the runtime library (ConvNet.Internal): the generator
/// emits none of them, and the tile sizes its emitters assume are the library's.</summary>
public sealed class KernelLibraryTests
{
    [Fact]
    public void The_tile_sizes_the_emitters_assume_are_the_runtime_kernels()
    {
        // Generated layers split rows into blocks of TileRows (conv filters, batch chunks for DotsBatch's groups); a
        // mismatch would still compute the right values, only slower, so nothing but this test would notice.
        Assert.Equal(ConvNet.Internal.Kernels.TileRows, KernelHelpers.TileRows);
        Assert.Equal(ConvNet.Internal.Kernels.TileVectors, KernelHelpers.TileVectors);
    }

    [Theory]
    [InlineData("UserCode")]
    [InlineData("ConvNet")] // a user's project that happens to be called ConvNet
    public void A_compilation_gets_only_its_networks(string assemblyName)
    {
        var compilation = CSharpCompilation.Create(assemblyName,
            [CSharpSyntaxTree.ParseText(Harness.TinyNetSource, Harness.ParseOptions)],
            Harness.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = Harness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        Assert.Single(driver.GetRunResult().GeneratedTrees);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void The_runtime_library_itself_gets_nothing_generated()
    {
        var compilation = CSharpCompilation.Create("ConvNet",
            [CSharpSyntaxTree.ParseText("namespace ConvNet;\n/// <summary>A network.</summary>\npublic interface INetwork { }", Harness.ParseOptions)],
            Basic.Reference.Assemblies.Net100.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var driver = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: Harness.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics);
        Assert.Empty(driver.GetRunResult().GeneratedTrees);
        Assert.Empty(diagnostics);
    }
}
