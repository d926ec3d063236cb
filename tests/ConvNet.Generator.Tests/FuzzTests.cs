using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using ConvNet.Generator.Shapes;
using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace ConvNet.Tests;

/// <summary>Hostile input for the generator and analyzer: random attribute lists with extreme or ill-typed arguments,
/// and valid networks with random tokens deleted. Each case is one syntax tree with its own class names, and many cases
/// share a compilation (binding the reference assemblies is the slow part), so every diagnostic maps to its case by tree.
/// The streams are fixed, so every run checks the same cases: the first hundred of each by default, the rest (and the
/// 1,000-way concat) in the exhaustive run.</summary>
public class FuzzTests
{
    private const int AttributeCases = 2000;
    private const int DeletionCases = 600;
    private const int GraphCases = 600;
    private const int Batch = 100;

    // The default run checks the first cases of each stream (one batch: a shared compilation); the exhaustive run
    // (docs/contributing.md) the rest.
    private const int Sample = Batch;

    private static readonly string[] Values =
    [
        "0", "-1", "1", "2", "3", "4", "5", "7", "28", "int.MinValue", "int.MaxValue", "2147483647", "-2147483648",
        "1000000", "46341", "65536", "\"x\"", "1.5", "null", "true", "'c'", "2L", "(int)3L", "1 << 30", "default",
        "0.5", "1e-5", "-0.5", "double.NaN", "1e308", "\"input\"", "\"relu1\"", "new string[0]", "new[] { \"conv1\", null }",
    ];

    private static readonly string[] Names = ["\"conv1\"", "\"\"", "\"a.b\"", "\".x\"", "\"Forward\"", "\"x y\"", "null", "\"0\"", "\"pool1\"", "3", "\"input\"", "\"relu1\""];

    private static readonly Gen<string> SmallValue = Gen.Int[1, 9].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Mostly small positive numbers, so a good share of cases are valid networks whose generated code must compile.</summary>
    private static readonly Gen<string> Value = Gen.Frequency((3, SmallValue), (1, Gen.OneOf(Values)));

    private static readonly Gen<string> Argument = Gen.Frequency(
        (6, Value),
        (1, Value.Select(v => "Stride = " + v)),
        (1, Value.Select(v => "Pad = " + v)),
        (1, Gen.OneOf(Names).Select(v => "Name = " + v)),
        (1, Gen.OneOf(Names).Select(v => "From = " + v)),
        (1, Value.Select(v => (v.Length % 2 == 0 ? "Epsilon = " : "Momentum = ") + v)),
        (1, Value.Select(v => "size: " + v)));

    private static readonly Gen<string> Attribute =
        Gen.Select(Gen.OneOf("Input", "Conv", "MaxPool", "AvgPool", "FullyConnected", "Relu", "Sigmoid", "Tanh", "Conv", "Input",
                             "Add", "Concat", "BatchNorm", "Dropout", "GlobalAvgPool"),
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

    /// <summary>Names a graph's references draw from: the layers' own names (so cycles, self-references and later layers
    /// come up), default names, the input, near misses, and nothing at all.</summary>
    private static readonly string[] ReferenceNames =
        ["\"a\"", "\"b\"", "\"c\"", "\"a.b\"", "\"input\"", "\"relu1\"", "\"conv1\"", "\"add1\"", "\"concat1\"", "\"\"", "null", "\"A\"", "\"zz\""];

    private static readonly Gen<string> GraphLayer =
        Gen.Select(Gen.Int[0, 10], Gen.OneOf(ReferenceNames).Array[1, 3], Gen.Int[0, 5], Gen.OneOf(ReferenceNames))
           .Select((kind, refs, extra, from) =>
           {
               var args = new List<string>();
               string name = kind switch
               {
                   0 => "Relu", 1 => "Tanh", 2 => "Conv", 3 => "Conv", 4 => "MaxPool", 5 => "BatchNorm", 6 => "Dropout",
                   7 => "GlobalAvgPool", 8 => "FullyConnected", 9 => "Add", _ => "Concat",
               };
               args.AddRange(kind switch
               {
                   2 => ["2", "1"],
                   3 => ["3", "3", "Pad = 1"],
                   4 => ["2"],
                   6 => ["0.5"],
                   8 => ["3"],
                   9 => [refs[0]],
                   10 => refs,
                   _ => [],
               });
               // Explicit names for half the layers (from a small pool, so some repeat), From for a third.
               if (extra < 3) args.Add("Name = " + new[] { "\"a\"", "\"b\"", "\"c\"", "\"a.b\"" }[extra]);
               if (extra % 3 == 0) args.Add("From = " + from);
               return args.Count == 0 ? $"[{name}]" : $"[{name}({string.Join(", ", args)})]";
           });

    /// <summary>Random graphs over one input: layers that keep or change the shape, merges naming any of the names above,
    /// and From anywhere. Valid ones (about a quarter) must compile; the others must get CNN diagnostics, never an exception.</summary>
    [Fact]
    public void Random_graphs_first_cases() => RandomGraphs(0, Sample);

    [Fact, Trait(Exhaustive.Category, Exhaustive.Name)]
    public void Random_graphs() => RandomGraphs(Sample, GraphCases);

    private static void RandomGraphs(int first, int end)
    {
        var layers = GraphLayer.Array[1, 7].Array[GraphCases, GraphCases].Generate(new PCG(0, 20261201), null, out _);
        var stats = Check([.. layers.Select((l, i) => $"using ConvNet;\n[Input(2, 4, 4)]\n{string.Join("\n", l)}\npublic partial class Fuzz{i}_ {{ }}\n")], first, end);
        Assert.True(stats.Clean >= (end - first) / 10, $"only {stats.Clean} clean cases");
        Assert.True(stats.Broken >= (end - first) / 4, $"only {stats.Broken} broken cases");
    }

    /// <summary>Generator and analyzer on one hostile source, with a time limit: neither may throw (the harness fails on a
    /// generator exception; an analyzer's would be AD0001) or hang. Returns the CNN diagnostics as (id, line, column), and
    /// asserts the compiler reports no error (a broken network gets a stub that compiles).</summary>
    private static List<(string Id, int Line, int Column)> Hostile(string source)
    {
        var result = WithinMinutes(() => Harness.Run(source), "the generator and the analyzer");
        Assert.DoesNotContain(result.Cnn, d => d.Id == "AD0001");
        Assert.Empty(result.Compiler.Where(d => d.Severity == DiagnosticSeverity.Error));
        return [.. result.Cnn.Select(d => (d.Id, d.Location.GetLineSpan().StartLinePosition.Line + 1, d.Location.GetLineSpan().StartLinePosition.Character + 1))
            .OrderBy(d => d.Item2).ThenBy(d => d.Item3)];
    }

    /// <summary>A hang fails the test rather than the run (a generous bound: the machine may be busy).</summary>
    private static T WithinMinutes<T>(Func<T> work, string what)
    {
        var task = System.Threading.Tasks.Task.Run(work);
        Assert.True(task.Wait(TimeSpan.FromMinutes(5)), $"{what} did not finish within 5 minutes");
        return task.Result;
    }

    /// <summary>A cycle needs a layer to take a later one, which CNN015 rejects at each such reference.</summary>
    [Theory]
    [InlineData("[Relu(Name = \"a\", From = \"b\")]\n[Relu(Name = \"b\", From = \"a\")]", new[] { 3 })]
    [InlineData("[Add(\"c\", Name = \"a\")]\n[Concat(\"a\", Name = \"b\", From = \"c\")]\n[Relu(Name = \"c\", From = \"b\")]", new[] { 3, 4 })]
    [InlineData("[Relu(Name = \"a\", From = \"c\")]\n[Tanh(Name = \"b\", From = \"a\")]\n[Add(\"a\", Name = \"c\", From = \"b\")]", new[] { 3 })]
    [InlineData("[Concat(\"b\", \"a\", \"b\", Name = \"a\")]\n[Relu(Name = \"b\")]", new[] { 3, 3, 3 })]
    [InlineData("[Add(\"add1\")]", new[] { 3 })]
    [InlineData("[Concat(\"x\", Name = \"x\")]", new[] { 3 })]
    [InlineData("[Relu(Name = \"y\", From = \"y\")]\n[Tanh(From = \"y\")]", new[] { 3 })]
    public void Cycles_and_self_references_are_CNN015(string layers, int[] lines)
    {
        var found = Hostile($"using ConvNet;\n[Input(2, 4, 4)]\n{layers}\npublic partial class Net {{ }}\n");
        Assert.All(found, d => Assert.Equal("CNN015", d.Id));
        Assert.Equal(lines, found.Select(d => d.Line));
    }

    /// <summary>A 1,000-way concat is a valid layer: it compiles (its 1,000 copies are statements, no huge expression) and
    /// computes what the reference does, gradients of the volumes it names many times summed; a bad 1,000th name is
    /// reported at that argument.</summary>
    [Fact, Trait(Exhaustive.Category, Exhaustive.Name)]
    public void A_thousand_way_concat_compiles_and_matches_the_reference()
    {
        string[] names = [.. Enumerable.Range(0, 1000).Select(i => (i % 3) switch { 0 => "r", 1 => "t", _ => "input" })];
        var r = new ReferenceNetwork((1, 2, 2), RefLayer.Relu.Named("r"), RefLayer.Tanh.Taking("input").Named("t"), RefLayer.Concat(names));
        Assert.Empty(Hostile(r.Source("Wide", null)));
        var net = Harness.Create(WithinMinutes(() => Harness.Load(r.Source("Wide")), "compiling the 1,000-way concat"), "Numerics.Wide");
        Assert.Equal(1001 * 4, net.OutputLength);
        var rng = new Random(1000);
        var input = Numerics.Uniform(rng, 4);
        var dOut = Numerics.Uniform(rng, net.OutputLength);
        var output = new float[net.OutputLength];
        var dInput = new float[4];
        net.Forward(input, output);
        net.Backward(dOut, dInput);
        var pass = r.Run([], [], [ReferenceNetwork.D(input)]);
        var (dInputs, _) = r.Backward([], pass, [ReferenceNetwork.D(dOut)]);
        Numerics.AssertClose(pass.Output(), output, "output");
        Numerics.AssertClose(dInputs[0], dInput, "dInput");

        string arguments = string.Join(", ", names.Take(999).Append("nope").Select(n => $"\"{n}\""));
        var found = Hostile($"using ConvNet;\n[Input(1, 2, 2)]\n[Relu(Name = \"r\")] [Tanh(From = \"input\", Name = \"t\")] [Concat({arguments})]\npublic partial class Net {{ }}\n");
        string line3 = $"[Relu(Name = \"r\")] [Tanh(From = \"input\", Name = \"t\")] [Concat({arguments})]";
        Assert.Equal([("CNN015", 3, line3.IndexOf("\"nope\"", StringComparison.Ordinal) + 1)], found);
    }

    /// <summary>Unusual but valid names (an underscore, digits only, dots in a row, the input's name in other cases, the
    /// longest allowed) work as names and as references, and the network computes what the reference does.</summary>
    [Fact]
    public void Odd_valid_names_compile_and_match_the_reference()
    {
        var r = new ReferenceNetwork((2, 2, 2),
            RefLayer.Relu.Named("_"),
            RefLayer.Tanh.Taking("input").Named("1"),
            RefLayer.Sigmoid.Taking("_").Named("a..b"),
            RefLayer.Add("1").Named("INPUT"),
            RefLayer.Concat("_", "a..b").Named("Input"),
            RefLayer.Fc(3).Named(new string('n', ShapeInference.MaxNameLength)),
            RefLayer.Relu.Taking(new string('n', ShapeInference.MaxNameLength)));
        Assert.Empty(Hostile(r.Source("OddNames", null)));
        var net = Harness.Create(Harness.Load(r.Source("OddNames")), "Numerics.OddNames");
        Assert.Equal(r.Names, net.Layers.Select(l => l.Name));
        var rng = new Random(512);
        NumericTests.Perturb(net, rng);
        var input = Numerics.Uniform(rng, net.InputLength);
        var dOut = Numerics.Uniform(rng, net.OutputLength);
        var output = new float[net.OutputLength];
        var dInput = new float[net.InputLength];
        net.Forward(input, output);
        net.Backward(dOut, dInput);
        var p = ReferenceNetwork.D(net.Parameters);
        var pass = r.Run(p, [], [ReferenceNetwork.D(input)]);
        var (dInputs, dParams) = r.Backward(p, pass, [ReferenceNetwork.D(dOut)]);
        Numerics.AssertClose(pass.Output(), output, "output");
        Numerics.AssertClose(dInputs[0], dInput, "dInput");
        Numerics.AssertClose(dParams, net.Gradients, "dParameters");
    }

    /// <summary>Invalid names are CNN011 at the Name argument; a reference to one adds nothing (the names are not resolved).</summary>
    [Theory]
    [InlineData("a b")]
    [InlineData("ä")]
    [InlineData(".x")]
    [InlineData("x.")]
    [InlineData("")]
    [InlineData("a\"b")]
    [InlineData("a\\b")]
    [InlineData("🙂")]
    [InlineData("a-b")]
    [InlineData("line\nbreak")]
    [InlineData("input")]
    public void Invalid_names_are_CNN011_and_references_to_them_add_nothing(string name)
    {
        string literal = Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(name, quote: true);
        var found = Hostile($"using ConvNet;\n[Input(2, 4, 4)]\n[Relu(Name = {literal})]\n[Tanh(From = {literal})]\n[Add({literal})]\npublic partial class Net {{ }}\n");
        Assert.Equal([("CNN011", 3, 7)], found);
    }

    /// <summary>Found by these tests: a layer name of 2,000 characters passed every check, and the build then failed in the
    /// generated file (CS7013: the nested class's name is longer than metadata allows). Now it is CNN011 at the name.</summary>
    [Theory]
    [InlineData(513)]
    [InlineData(2000)]
    [InlineData(100_000)]
    public void Overlong_names_are_CNN011(int length)
    {
        string name = new('a', length);
        var result = WithinMinutes(() => Harness.Run($"using ConvNet;\n[Input(2, 4, 4)]\n[Relu(Name = \"{name}\")]\n[Tanh(From = \"{name}\")]\npublic partial class Net {{ }}\n"), "a long name");
        var d = Assert.Single(result.Cnn);
        Assert.Equal("CNN011", d.Id);
        Assert.Equal((2, 6), (d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character));
        Assert.Equal($"Layer name of {length} characters is too long; use at most 512", d.GetMessage());
        Assert.Empty(result.Compiler.Where(x => x.Severity == DiagnosticSeverity.Error));
    }

    /// <summary>Two names that make the same nested class name are CNN011 on the second.</summary>
    [Theory]
    [InlineData("a.b", "a_b")]
    [InlineData("1", "Layer1")]
    [InlineData("x", "X")]
    public void Names_that_make_the_same_identifier_are_CNN011(string first, string second)
    {
        var found = Hostile($"using ConvNet;\n[Input(2, 4, 4)]\n[Relu(Name = \"{first}\")]\n[Tanh(Name = \"{second}\")]\npublic partial class Net {{ }}\n");
        Assert.Equal([("CNN011", 4, 7)], found);
    }

    /// <summary>Empty, null and missing references: "" names no layer (CNN015 at it), From = null is the default input, and a
    /// concat with no names is CNN003 (at the attribute, or at the null or empty array).</summary>
    [Theory]
    [InlineData("[Relu(From = \"\")]", "CNN015", 7)]
    [InlineData("[Relu] [Add(null)]", "CNN015", 13)]
    [InlineData("[Relu] [Add(\"\")]", "CNN015", 13)]
    [InlineData("[Relu] [Concat(\"relu1\", null)]", "CNN015", 25)]
    [InlineData("[Relu] [Concat((string)null)]", "CNN015", 16)]
    [InlineData("[Relu] [Concat()]", "CNN003", 9)]
    [InlineData("[Relu] [Concat]", "CNN003", 9)]
    [InlineData("[Relu] [Concat(null)]", "CNN003", 16)]
    [InlineData("[Relu] [Concat(new string[0])]", "CNN003", 16)]
    public void Empty_and_null_references(string layers, string id, int column)
    {
        var found = Hostile($"using ConvNet;\n[Input(2, 4, 4)]\n{layers}\npublic partial class Net {{ }}\n");
        Assert.Equal([(id, 3, column)], found);
    }

    [Fact]
    public void From_null_is_the_previous_layer()
    {
        Assert.Empty(Hostile("using ConvNet;\n[Input(2, 4, 4)]\n[Relu(From = null)]\n[Tanh(From = null, Name = null)]\npublic partial class Net { }\n"));
    }

    [Fact]
    public void Random_attribute_lists_first_cases() => RandomAttributeLists(0, Sample);

    [Fact, Trait(Exhaustive.Category, Exhaustive.Name)]
    public void Random_attribute_lists() => RandomAttributeLists(Sample, AttributeCases);

    private static void RandomAttributeLists(int first, int end)
    {
        var makers = AttributeSource.Array[AttributeCases, AttributeCases].Generate(new PCG(0, 20261129), null, out _);
        var stats = Check(makers.Select((m, i) => m(i)).ToList(), first, end);
        // Guards the generators' mix: the interesting assertion needs clean cases, the robustness needs broken ones.
        Assert.True(stats.Clean >= (end - first) / 20, $"only {stats.Clean} clean cases");
        Assert.True(stats.Broken >= (end - first) / 2, $"only {stats.Broken} broken cases");
    }

    [Fact]
    public void Valid_networks_with_tokens_deleted_first_cases() => ValidNetworksWithTokensDeleted(0, Sample);

    [Fact, Trait(Exhaustive.Category, Exhaustive.Name)]
    public void Valid_networks_with_tokens_deleted() => ValidNetworksWithTokensDeleted(Sample, DeletionCases);

    private static void ValidNetworksWithTokensDeleted(int first, int end)
    {
        var makers = DeletionSource.Array[DeletionCases, DeletionCases].Generate(new PCG(0, 1129), null, out _);
        var stats = Check(makers.Select((m, i) => m(i)).ToList(), first, end);
        // Most deletions break the syntax; the few harmless ones (a modifier, an expression-bodied member) still check generated code.
        Assert.True(stats.Clean >= 1 + 2 * (end - first) / DeletionCases, $"only {stats.Clean} clean cases");
    }

    /// <summary>Runs cases [first, end) of a stream, in batches; returns how many were clean (so their generated code was
    /// checked) and how many were not.</summary>
    private static (int Clean, int Broken) Check(IReadOnlyList<string> sources, int first, int end)
    {
        int clean = 0, broken = 0;
        for (int start = first; start < end; start += Batch)
        {
            var batch = sources.Skip(start).Take(Math.Min(Batch, end - start)).ToList();
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

        var all = output.GetDiagnostics();
        var analyzer = all.Concat(generatorDiagnostics).Where(d => d.Id.StartsWith("CNN", StringComparison.Ordinal)).ToList();
        var compiler = all.Where(d => !d.Id.StartsWith("CNN", StringComparison.Ordinal)).ToList();
        var userTrees = compilation.SyntaxTrees.ToList();
        int clean = 0;
        for (int i = 0; i < sources.Count; i++)
        {
            var tree = userTrees[i];
            bool userError = compiler.Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == tree)
                             // The generator's errors carry file locations (no tree).
                             || analyzer.Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path == tree.FilePath);
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
        var d = Assert.Single(result.Cnn);
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
