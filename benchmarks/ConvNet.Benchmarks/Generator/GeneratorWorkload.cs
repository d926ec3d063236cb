using System;
using System.Linq;
using ConvNet.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvNet.Benchmarks;

/// <summary>The generator as the compiler runs it (it reports every CNN diagnostic), on one network file next to unrelated user code.
/// Syntax trees are parsed once: parsing is the compiler's cost, not ConvNet's. Every full run starts from a fresh
/// <see cref="Compilation.Clone"/> (no bound symbols cached) and a fresh driver; reference metadata stays loaded, as
/// in a build server or an IDE.</summary>
public sealed class GeneratorWorkload
{
    public static readonly string[] Networks = ["Deep20", "AlexNet"];

    private static readonly MetadataReference[] References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(InputAttribute).Assembly.Location),
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    private readonly CSharpCompilation _compilation;
    private readonly SyntaxTree _unrelated, _unrelatedEdited;
    private GeneratorDriver _warmDriver = null!;
    private Compilation _warmCompilation = null!;
    private bool _edited;

    private readonly bool _floor;

    /// <param name="floor">Run <see cref="FloorGenerator"/> instead of ConvNet's: Roslyn's own share of the same pipeline.</param>
    public GeneratorWorkload(string network, bool floor = false)
    {
        _floor = floor;
        Network = network;
        string source = network switch
        {
            "Deep20" => Deep20,
            "AlexNet" => ConvNet.Tests.BigNets.AlexNet(227),
            _ => throw new ArgumentException($"Unknown network '{network}'; use one of {string.Join(", ", Networks)}."),
        };
        Layers = source.Split('[').Length - 2;
        _unrelated = Parse(Unrelated(0), "Unrelated.cs");
        _unrelatedEdited = Parse(Unrelated(1), "Unrelated.cs");
        _compilation = CSharpCompilation.Create("UserCode",
            [Parse(source, "Network.cs"), Parse(Helpers, "Helpers.cs"), _unrelated],
            References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    public string Network { get; }

    public int Layers { get; }

    private static SyntaxTree Parse(string text, string path) => CSharpSyntaxTree.ParseText(text, ParseOptions, path);

    private GeneratorDriver NewDriver(bool track = false) =>
        CSharpGeneratorDriver.Create([(_floor ? new FloorGenerator() : (IIncrementalGenerator)new NetworkGenerator()).AsSourceGenerator()], parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    /// <summary>A cold generator run: new driver, new compilation. Returns the generated source length.</summary>
    public int Generate()
    {
        var driver = NewDriver().RunGenerators(_compilation.Clone());
        return driver.GetRunResult().GeneratedTrees.Sum(t => t.Length);
    }

    /// <summary>Runs the driver once so that <see cref="Incremental"/> has a warm state to update.</summary>
    public void WarmUp(bool track = false)
    {
        _warmCompilation = _compilation.Clone();
        _warmDriver = NewDriver(track).RunGenerators(_warmCompilation);
        _edited = false;
    }

    /// <summary>One keystroke in an unrelated file: the tree is replaced and the same driver runs again.</summary>
    public GeneratorDriver Incremental()
    {
        var (from, to) = _edited ? (_unrelatedEdited, _unrelated) : (_unrelated, _unrelatedEdited);
        _warmCompilation = _warmCompilation.ReplaceSyntaxTree(from, to);
        _warmDriver = _warmDriver.RunGenerators(_warmCompilation);
        _edited = !_edited;
        return _warmDriver;
    }

    /// <summary>Only the compilation update of <see cref="Incremental"/>, to separate the compiler's share.</summary>
    public Compilation EditOnly()
    {
        var (from, to) = _edited ? (_unrelatedEdited, _unrelated) : (_unrelated, _unrelatedEdited);
        _warmCompilation = _warmCompilation.ReplaceSyntaxTree(from, to);
        _edited = !_edited;
        return _warmCompilation;
    }

    /// <summary>Throws unless the last incremental run reused the cached model and output (the point of measuring it).</summary>
    public void AssertCached()
    {
        var result = _warmDriver.GetRunResult().Results.Single();
        var reasons = result.TrackedSteps[NetworkGenerator.ParseStep].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        if (reasons.Count == 0 || reasons.Any(r => r is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)))
            throw new InvalidOperationException($"{Network}: the incremental run did not reuse the model: {string.Join(", ", reasons)}");
        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        if (outputs.Any(r => r is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)))
            throw new InvalidOperationException($"{Network}: the incremental run regenerated source: {string.Join(", ", outputs)}");
    }

    /// <summary>Checks that the network generates cleanly, and returns the generated source's size in UTF-8 bytes.</summary>
    public long GeneratedBytes()
    {
        NewDriver().RunGeneratorsAndUpdateCompilation(_compilation.Clone(), out var output, out var reported);
        var errors = reported.Concat(output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (errors.Count > 0) throw new InvalidOperationException($"{Network} does not compile cleanly:\n{string.Join("\n", errors)}");
        return output.SyntaxTrees.Where(t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
            .Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t.ToString()));
    }

    /// <summary>20 layers: three conv-relu-conv-relu-pool blocks (16, 32, 64 filters) on 3x32x32, then FC 128, 64, 10.</summary>
    private const string Deep20 = """
        using ConvNet;
        namespace App;
        [Input(3, 32, 32)]
        [Conv(16, 3, Pad = 1)] [Relu] [Conv(16, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(32, 3, Pad = 1)] [Relu] [Conv(32, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [Conv(64, 3, Pad = 1)] [Relu] [Conv(64, 3, Pad = 1)] [Relu] [MaxPool(2)]
        [FullyConnected(128)] [Relu] [FullyConnected(64)] [Relu] [FullyConnected(10)]
        public partial class Deep20 { }
        """;

    /// <summary>Other user code in the project, so the generator's syntax filter has something to skip.</summary>
    private const string Helpers = """
        using System;
        using System.Collections.Generic;
        namespace App;
        [Serializable] public sealed class Settings { public int Epochs { get; set; } = 10; public float Rate { get; set; } = 0.01f; }
        public static class Extensions { public static IEnumerable<int> Upto(this int n) { for (int i = 0; i < n; i++) yield return i; } }
        [Obsolete("old")] public record Sample(float[] Pixels, int Label);
        """;

    private static string Unrelated(int version) => $$"""
        namespace App;
        public static class Program
        {
            public static int Main() => {{version}};
        }
        """;
}

/// <summary>The least a generator keyed on [Input] can do: the same ForAttributeWithMetadataName, a transform that reads
/// the attributes (binding them, as ConvNet's parser must) into an equatable value, and a constant one-line output. Its
/// incremental time is the floor that ConvNet's parser and emitter add to.</summary>
public sealed class FloorGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var names = context.SyntaxProvider.ForAttributeWithMetadataName(
            "ConvNet.InputAttribute",
            static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
            static (ctx, _) => ctx.TargetSymbol.Name + ":" + ctx.TargetSymbol.GetAttributes().Length);
        context.RegisterSourceOutput(names, static (spc, name) => spc.AddSource("Floor.g.cs", "// " + name));
    }
}
