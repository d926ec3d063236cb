using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using ConvNet.Generator.Diagnostics;
using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace ConvNet.Tests;

/// <summary>Hostile input for the generator and analyzer: random attribute lists with extreme or ill-typed arguments,
/// and valid networks with random tokens deleted. Each case is one syntax tree with its own class names, and many cases
/// share a compilation (binding the reference assemblies is the slow part), so every diagnostic maps to its case by tree.
/// The streams are fixed, so every run checks the same cases.</summary>
public class FuzzTests
{
    private const int AttributeCases = 2000;
    private const int DeletionCases = 600;
    private const int Batch = 100;

    private static readonly string[] Values =
    [
        "0", "-1", "1", "2", "3", "4", "5", "7", "28", "int.MinValue", "int.MaxValue", "2147483647", "-2147483648",
        "1000000", "46341", "65536", "\"x\"", "1.5", "null", "true", "'c'", "2L", "(int)3L", "1 << 30", "default",
    ];

    private static readonly string[] Names = ["\"conv1\"", "\"\"", "\"a.b\"", "\".x\"", "\"Forward\"", "\"x y\"", "null", "\"0\"", "\"pool1\"", "3"];

    private static readonly Gen<string> SmallValue = Gen.Int[1, 9].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Mostly small positive numbers, so a good share of cases are valid networks whose generated code must compile.</summary>
    private static readonly Gen<string> Value = Gen.Frequency((3, SmallValue), (1, Gen.OneOf(Values)));

    private static readonly Gen<string> Argument = Gen.Frequency(
        (6, Value),
        (1, Value.Select(v => "Stride = " + v)),
        (1, Value.Select(v => "Pad = " + v)),
        (1, Gen.OneOf(Names).Select(v => "Name = " + v)),
        (1, Value.Select(v => "size: " + v)));

    private static readonly Gen<string> Attribute =
        Gen.Select(Gen.OneOf("Input", "Conv", "MaxPool", "AvgPool", "FullyConnected", "Relu", "Sigmoid", "Tanh", "Conv", "Input"),
                   Argument.Array[0, 4], Gen.Int[0, 9])
           .Select((name, args, shape) => shape == 0 ? name : $"{name}({string.Join(", ", args)})");

    /// <summary>Usually [Input(c, h, w)] first (else almost nothing would reach the shape checks), then random layers,
    /// sometimes several per attribute list, on one of the declaration shapes ConvNet accepts or rejects.</summary>
    private static readonly Gen<Func<int, string>> AttributeSource =
        Gen.Select(Gen.Bool, SmallValue.Array[3, 3], Attribute.Array[0, 6], Gen.Int[0, 3], Gen.Int[0, 9])
           .Select((withInput, input, layers, perList, declaration) => (Func<int, string>)(id =>
           {
               var attributes = (withInput ? new[] { $"Input({string.Join(", ", input)})" } : []).Concat(layers).ToList();
               var lists = new StringBuilder();
               for (int i = 0; i < attributes.Count; i += perList + 1)
                   lists.Append('[').Append(string.Join(", ", attributes.Skip(i).Take(perList + 1))).Append("]\n");
               string type = $"Fuzz{id}_";
               return declaration switch
               {
                   0 => $"using ConvNet;\n{lists}class {type} {{ }}\n",
                   1 => $"using ConvNet;\n{lists}public partial struct {type} {{ }}\n",
                   2 => $"using ConvNet;\n{lists}public static partial class {type} {{ }}\n",
                   3 => $"using ConvNet;\n{lists}public partial class {type}<T> {{ }}\n",
                   4 => $"using ConvNet;\nnamespace N{id} {{ public partial class Outer{id}_ {{\n{lists}internal partial class {type} {{ }} }} }}\n",
                   5 => $"using ConvNet;\n{lists}public partial class {type} {{ public int Extra; }}\n",
                   6 => $"using ConvNet;\n{lists}public partial class {type} {{ public int Forward; }}\n",
                   _ => $"using ConvNet;\nnamespace N{id};\n{lists}public sealed partial class {type} {{ }}\n",
               };
           }));

    private static readonly string[] ValidNetworks =
    [
        """
        using ConvNet;
        namespace Samples{ID};
        /// <summary>LeNet-ish.</summary>
        [Input(1, 28, 28)]
        [Conv(6, 5, Pad = 2, Name = "c1")]
        [Relu]
        [MaxPool(2)]
        [Conv(16, 5)]
        [Tanh]
        [AvgPool(2, Stride = 2)]
        [FullyConnected(120)]
        [Sigmoid]
        [FullyConnected(10)]
        public partial class Fuzz{ID}_ { public int Extra => 1; }
        """,
        """
        using ConvNet;
        public partial class Outer{ID}_
        {
            [Input(3, 8, 8), Conv(4, 3, Stride = 1, Pad = 1)]
            [MaxPool(size: 2), FullyConnected(outputs: 5)]
            internal sealed partial class Fuzz{ID}_ { }
        }
        """,
    ];

    /// <summary>A valid network with 1 or 2 tokens removed (their trivia stays, so neighbours do not fuse).</summary>
    private static readonly Gen<Func<int, string>> DeletionSource =
        Gen.Select(Gen.Int[0, ValidNetworks.Length - 1], Gen.Int[0, int.MaxValue].Array[1, 2])
           .Select((which, picks) => (Func<int, string>)(id =>
           {
               string source = ValidNetworks[which].Replace("{ID}", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
               var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();
               var removed = picks.Select(p => tokens[p % tokens.Count].Span).Distinct().OrderByDescending(s => s.Start);
               var text = new StringBuilder(source);
               foreach (var span in removed) text.Remove(span.Start, span.Length).Insert(span.Start, " ");
               return text.ToString();
           }));

    [Fact]
    public void Random_attribute_lists()
    {
        var makers = AttributeSource.Array[AttributeCases, AttributeCases].Generate(new PCG(20261129), null, out _);
        var stats = Check(makers.Select((m, i) => m(i)).ToList());
        // Guards the generators' mix: the interesting assertion needs clean cases, the robustness needs broken ones.
        Assert.True(stats.Clean >= AttributeCases / 20, $"only {stats.Clean} clean cases");
        Assert.True(stats.Broken >= AttributeCases / 2, $"only {stats.Broken} broken cases");
    }

    [Fact]
    public void Valid_networks_with_tokens_deleted()
    {
        var makers = DeletionSource.Array[DeletionCases, DeletionCases].Generate(new PCG(1129), null, out _);
        var stats = Check(makers.Select((m, i) => m(i)).ToList());
        // Most deletions break the syntax; the few harmless ones (a modifier, an expression-bodied member) still check generated code.
        Assert.True(stats.Clean >= 3, $"only {stats.Clean} clean cases");
    }

    /// <summary>Runs every case, in batches; returns how many were clean (so their generated code was checked) and how many were not.</summary>
    private static (int Clean, int Broken) Check(IReadOnlyList<string> sources)
    {
        int clean = 0, broken = 0;
        for (int start = 0; start < sources.Count; start += Batch)
        {
            var batch = sources.Skip(start).Take(Batch).ToList();
            var (c, b) = CheckBatch(batch, start);
            clean += c;
            broken += b;
        }
        return (clean, broken);
    }

    private static readonly Regex CaseOfFile = new(@"Fuzz(\d+)_", RegexOptions.CultureInvariant);

    private static (int Clean, int Broken) CheckBatch(IReadOnlyList<string> sources, int firstId)
    {
        var compilation = Harness.Compilation([.. sources]);
        var driver = Harness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var exception = driver.GetRunResult().Results.Select(r => r.Exception).FirstOrDefault(e => e is not null);
        if (exception is not null || generatorDiagnostics.Any(d => d.Id is "CS8784" or "CS8785"))
            throw new Xunit.Sdk.XunitException($"generator threw in batch starting at case {firstId}: {exception}\n{Culprit(sources)}");

        var exceptions = new List<string>();
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]),
            (e, _, d) => { lock (exceptions) exceptions.Add(e + "\n" + d); }, concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        // One pass for compiler and analyzer diagnostics, so the batch is bound once.
        var all = output.WithAnalyzers([new NetworkAnalyzer()], options).GetAllDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(exceptions.Count == 0, string.Join("\n", exceptions));
        Assert.DoesNotContain(all, d => d.Id == "AD0001");
        var analyzer = all.Where(d => d.Id.StartsWith("CNN", StringComparison.Ordinal)).ToList();
        var compiler = all.Where(d => !d.Id.StartsWith("CNN", StringComparison.Ordinal)).ToList();
        var userTrees = compilation.SyntaxTrees.ToList();
        int clean = 0;
        for (int i = 0; i < sources.Count; i++)
        {
            var tree = userTrees[i];
            bool userError = compiler.Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == tree)
                             || analyzer.Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == tree);
            if (userError) continue;
            clean++;
            var generatedErrors = compiler.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } t
                                                      && !userTrees.Contains(t)
                                                      && CaseOfFile.Match(t.FilePath) is { Success: true } m
                                                      && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) == firstId + i)
                .ToList();
            Assert.True(generatedErrors.Count == 0,
                $"case {firstId + i} is clean but its generated code does not compile:\n{string.Join("\n", generatedErrors)}\n{sources[i]}");
        }
        return (clean, sources.Count - clean);
    }

    /// <summary>Found by the fuzzer: a user member named like a generated one gave CS0102 inside the generated file
    /// (which the user cannot edit) and no CNN diagnostic. Now CNN013 points at the user's member and nothing is generated.</summary>
    [Fact]
    public void User_member_named_like_a_generated_one_is_CNN013()
    {
        var result = Harness.Run("using ConvNet;\n[Input(4, 1, 1)]\n[Relu]\npublic partial class Net { public int Forward; public void Backward(int x) { } }\n");
        var d = Assert.Single(result.Analyzer);
        Assert.Equal("CNN013", d.Id);
        Assert.Equal("'Net.Forward' clashes with a member ConvNet generates; rename it", d.GetMessage());
        Assert.Equal(4, d.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Empty(result.Compiler.Where(x => x.Severity == DiagnosticSeverity.Error));
    }

    /// <summary>The first single case on which the generator throws, for the failure message.</summary>
    private static string Culprit(IReadOnlyList<string> sources)
    {
        foreach (var source in sources)
        {
            var driver = Harness.Driver().RunGenerators(Harness.Compilation(source));
            if (driver.GetRunResult().Results.Any(r => r.Exception is not null)) return source;
        }
        return "(no single case throws alone)";
    }
}
