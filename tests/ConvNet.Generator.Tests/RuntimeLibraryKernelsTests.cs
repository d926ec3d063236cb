using System.Linq;
using ConvNet.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace ConvNet.Tests;

/// <summary>The kernels all networks share are emitted into the runtime library's own build and nowhere else.</summary>
public sealed class RuntimeLibraryKernelsTests
{
    private const string KernelsHint = "ConvNet.Internal.Kernels.g.cs";

    private static (GeneratorDriverRunResult Run, Compilation Output) Generate(CSharpCompilation compilation)
    {
        var driver = Harness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>A user's project with the README's network, referencing ConvNet.dll.</summary>
    private static CSharpCompilation UserProject(string assemblyName) =>
        CSharpCompilation.Create(assemblyName,
            [CSharpSyntaxTree.ParseText(Harness.TinyNetSource, Harness.ParseOptions)],
            Harness.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    [Fact]
    public void The_library_that_defines_INetwork_gets_the_kernels_and_they_compile_with_their_docs()
    {
        // Documentation mode Diagnose, as in a build with GenerateDocumentationFile, so a missing doc comment is reported.
        var parse = Harness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        var compilation = CSharpCompilation.Create("ConvNet",
            [CSharpSyntaxTree.ParseText("namespace ConvNet;\n/// <summary>A network.</summary>\npublic interface INetwork { }", parse)],
            Basic.Reference.Assemblies.Net100.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var generated = driver.GetRunResult().GeneratedTrees;
        Assert.Single(generated, t => t.FilePath.EndsWith(KernelsHint));
        Assert.Empty(generatorDiagnostics);
        // Warnings included: CS1591 (a public member without XML docs) is one, and the library builds with warnings as errors.
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Theory]
    [InlineData("UserCode")]
    [InlineData("ConvNet")] // a user's project that happens to be called ConvNet references INetwork, it does not define it
    public void A_user_compilation_gets_only_its_networks(string assemblyName)
    {
        var (run, output) = Generate(UserProject(assemblyName));
        Assert.DoesNotContain(run.GeneratedTrees, t => t.FilePath.EndsWith(KernelsHint));
        Assert.Single(run.GeneratedTrees);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
