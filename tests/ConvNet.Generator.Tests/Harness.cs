using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using ConvNet.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvNet.Tests;

/// <summary>Runs the generator on in-memory sources, the way the compiler does in a user's build.</summary>
internal static class Harness
{
    internal static readonly MetadataReference[] References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(InputAttribute).Assembly.Location),
    ];

    /// <summary>The README's example network, as a user would write it.</summary>
    public const string TinyNetSource = """
        using ConvNet;
        namespace App;
        [Input(3, 32, 32)]
        [Conv(10, 5, Pad = 2)]
        [Relu]
        [MaxPool(2)]
        [FullyConnected(10)]
        public partial class TinyNet { }
        """;

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create("UserCode",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Net{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary><see cref="Cnn"/>: everything ConvNet reports (the generator reports every CNN diagnostic), as a build
    /// shows them: suppressed warnings left out.</summary>
    public sealed record Result(Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<Diagnostic> Compiler, IReadOnlyList<(string HintName, string Source)> Generated)
    {
        public ImmutableArray<Diagnostic> Cnn => [.. GeneratorDiagnostics.Where(d => !d.IsSuppressed)];
    }

    /// <summary>Generator, then compiler diagnostics on the result. Fails the test if the generator threw.</summary>
    public static Result Run(params string[] sources) => Run(Compilation(sources));

    /// <inheritdoc cref="Run(string[])"/>
    public static Result Run(CSharpCompilation compilation)
    {
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var run = driver.GetRunResult();
        foreach (var r in run.Results)
            if (r.Exception is not null) throw new Xunit.Sdk.XunitException("generator threw: " + r.Exception);
        var compiler = output.GetDiagnostics();
        var generated = run.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
        return new Result(output, generatorDiagnostics, compiler, generated);
    }

    /// <summary>Compiles with the generator and loads the assembly, for numeric tests of generated code.</summary>
    public static Assembly Load(string source, params string[] allowedWarnings) => Load(Run(source), allowedWarnings);

    /// <summary>Loads the assembly of a <see cref="Run(string[])"/> whose output must compile cleanly, for tests that
    /// also read its generated sources or diagnostics.</summary>
    public static Assembly Load(Result result, params string[] allowedWarnings)
    {
        string source = string.Join("\n", result.Output.SyntaxTrees.Take(result.Output.SyntaxTrees.Count() - result.Generated.Count).Select(t => t.ToString()));
        var errors = result.Compiler.Concat(result.Cnn)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed && !(d.Severity == DiagnosticSeverity.Warning && allowedWarnings.Contains(d.Id)))
            .ToList();
        if (errors.Count > 0)
            throw new Xunit.Sdk.XunitException("generated code does not compile cleanly:\n" + string.Join("\n", errors) + "\n" + source);
        using var stream = new MemoryStream();
        var emit = result.Output.WithOptions(((CSharpCompilationOptions)result.Output.Options).WithOptimizationLevel(OptimizationLevel.Release)).Emit(stream);
        if (!emit.Success) throw new Xunit.Sdk.XunitException(string.Join("\n", emit.Diagnostics));
        return Assembly.Load(stream.ToArray());
    }

    public static INetwork Create(Assembly assembly, string typeName, int seed = 0) =>
        (INetwork)Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!, seed)!;
}
