using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using ConvNet.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace ConvNet.Tests;

/// <summary>Each code fix applied in an in-memory workspace; the fixed source must then build with the generator
/// with no CNN diagnostic and no compiler error, which is what the user expects from choosing the fix.</summary>
public class CodeFixTests
{
    /// <summary>Every action offered for the source's <paramref name="id"/> diagnostics: its title and the fixed text.</summary>
    private static List<(string Title, string Fixed)> Fixes(string source, string id)
    {
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Default, "UserCode", "UserCode",
            LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: Harness.ParseOptions, metadataReferences: Harness.References));
        var document = workspace.AddDocument(project.Id, "Net0.cs", SourceText.From(source));
        var compilation = document.Project.GetCompilationAsync().GetAwaiter().GetResult()!;
        // The code fixes are keyed on the diagnostic's ID and span: errors carry file locations, warnings tree locations.
        Harness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out _, out var generatorDiagnostics);
        var diagnostics = generatorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.NotEmpty(diagnostics);

        var provider = new NetworkCodeFixProvider();
        var result = new List<(string, string)>();
        foreach (var diagnostic in diagnostics)
        {
            var actions = new List<CodeAction>();
            provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None))
                .GetAwaiter().GetResult();
            foreach (var action in actions)
            {
                var operation = action.GetOperationsAsync(CancellationToken.None).GetAwaiter().GetResult()
                    .OfType<ApplyChangesOperation>().Single();
                var text = operation.ChangedSolution.GetDocument(document.Id)!.GetTextAsync().GetAwaiter().GetResult().ToString();
                result.Add((action.Title, text));
            }
        }
        return result;
    }

    private static void AssertClean(string source)
    {
        var result = Harness.Run(source);
        var bad = result.Cnn.Where(d => d.Id.StartsWith("CNN", System.StringComparison.Ordinal))
            .Concat(result.Compiler.Where(d => d.Severity == DiagnosticSeverity.Error)).ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad) + "\n" + source);
        Assert.Single(result.Generated);
    }

    private static void AssertFixes(string source, string id, params (string Title, string Expected)[] expected)
    {
        var fixes = Fixes(source, id);
        Assert.Equal(expected.Select(e => e.Title), fixes.Select(f => f.Title));
        for (int i = 0; i < fixes.Count; i++)
        {
            Assert.Equal(expected[i].Expected.ReplaceLineEndings("\n"), fixes[i].Fixed.ReplaceLineEndings("\n"));
            AssertClean(fixes[i].Fixed);
        }
    }

    [Fact]
    public void CNN014_add_inserts_the_projection_and_keeps_later_conv_names()
    {
        // The shortcut relu1 (4x8x8) cannot be added to bn2 (8x4x4): a 1x1 Conv(8, 1, Stride = 2) on relu1 fits. The inserted
        // Conv would make the later default-named conv3 into conv4, so its name is written out.
        AssertFixes("""
            using ConvNet;
            [Input(1, 8, 8)]
            [Conv(4, 3, Pad = 1)]
            [Relu]
            [Conv(8, 3, Stride = 2, Pad = 1)]
            [BatchNorm]
            [Add("relu1")]
            [Conv(8, 3, Pad = 1)]
            [GlobalAvgPool]
            public partial class Net { }
            """, "CNN014",
            ("Insert a 1x1 projection Conv(8, 1, Stride = 2) on relu1", """
            using ConvNet;
            [Input(1, 8, 8)]
            [Conv(4, 3, Pad = 1)]
            [Relu]
            [Conv(8, 3, Stride = 2, Pad = 1)]
            [BatchNorm]
            [Conv(8, 1, Stride = 2, From = "relu1", Name = "add1_proj")]
            [Add("add1_proj", From = "bn1")]
            [Conv(8, 3, Pad = 1, Name = "conv3")]
            [GlobalAvgPool]
            public partial class Net { }
            """));
    }

    [Fact]
    public void CNN001_conv_offers_stride_pad_and_size()
    {
        AssertFixes("""
            using ConvNet;
            [Input(1, 7, 7)]
            [Conv(4, 3, Stride = 3)]
            [FullyConnected(10)]
            public partial class Net { }
            """, "CNN001",
            ("Use Stride = 2 (output 3x3)", """
            using ConvNet;
            [Input(1, 7, 7)]
            [Conv(4, 3, Stride = 2)]
            [FullyConnected(10)]
            public partial class Net { }
            """),
            ("Use Pad = 1 (output 3x3)", """
            using ConvNet;
            [Input(1, 7, 7)]
            [Conv(4, 3, Stride = 3, Pad = 1)]
            [FullyConnected(10)]
            public partial class Net { }
            """),
            ("Use Size = 4 (output 2x2)", """
            using ConvNet;
            [Input(1, 7, 7)]
            [Conv(4, 4, Stride = 3)]
            [FullyConnected(10)]
            public partial class Net { }
            """));
    }

    [Fact]
    public void CNN001_pool_size_fix_keeps_the_implicit_stride()
    {
        // Without Stride = 2 the pool's stride would follow the new size and misfit again ((7 - 3) / 3).
        AssertFixes("""
            using ConvNet;
            [Input(2, 7, 7)]
            [MaxPool(2)]
            public partial class Net { }
            """, "CNN001",
            ("Use Stride = 1 (output 6x6)", """
            using ConvNet;
            [Input(2, 7, 7)]
            [MaxPool(2, Stride = 1)]
            public partial class Net { }
            """),
            ("Use Size = 3, Stride = 2 (output 3x3)", """
            using ConvNet;
            [Input(2, 7, 7)]
            [MaxPool(3, Stride = 2)]
            public partial class Net { }
            """));
    }

    [Fact]
    public void CNN001_pool_with_explicit_stride_changes_only_the_size()
    {
        AssertFixes("""
            using ConvNet;
            [Input(2, 8, 8)]
            [AvgPool(size: 3, Stride = 2)]
            public partial class Net { }
            """, "CNN001",
            ("Use Stride = 1 (output 6x6)", """
            using ConvNet;
            [Input(2, 8, 8)]
            [AvgPool(size: 3, Stride = 1)]
            public partial class Net { }
            """),
            ("Use Size = 2 (output 4x4)", """
            using ConvNet;
            [Input(2, 8, 8)]
            [AvgPool(size: 2, Stride = 2)]
            public partial class Net { }
            """));
    }

    [Fact]
    public void CNN002_conv_offers_smaller_size_and_more_pad()
    {
        AssertFixes("""
            using ConvNet;
            [Input(1, 4, 4)]
            [Conv(2, 3)]
            [Conv(2, 5)]
            public partial class Net { }
            """, "CNN002",
            ("Use Pad = 2 (output 2x2)", """
            using ConvNet;
            [Input(1, 4, 4)]
            [Conv(2, 3)]
            [Conv(2, 5, Pad = 2)]
            public partial class Net { }
            """),
            ("Use Size = 2 (output 1x1)", """
            using ConvNet;
            [Input(1, 4, 4)]
            [Conv(2, 3)]
            [Conv(2, 2)]
            public partial class Net { }
            """));
    }

    [Fact]
    public void CNN002_pool_offers_a_smaller_size()
    {
        AssertFixes("""
            using ConvNet;
            [Input(1, 3, 3)]
            [MaxPool(4)]
            public partial class Net { }
            """, "CNN002",
            ("Use Size = 3, Stride = 4 (output 1x1)", """
            using ConvNet;
            [Input(1, 3, 3)]
            [MaxPool(3, Stride = 4)]
            public partial class Net { }
            """));
    }

    [Fact]
    public void CNN004_adds_partial()
    {
        AssertFixes("using ConvNet;\n[Input(1, 8, 8)]\n[Relu]\npublic sealed class Net { }\n", "CNN004",
            ("Make 'Net' partial", "using ConvNet;\n[Input(1, 8, 8)]\n[Relu]\npublic sealed partial class Net { }\n"));
        AssertFixes("using ConvNet;\n[Input(1, 8, 8)]\n[Relu]\nclass Net { }\n", "CNN004",
            ("Make 'Net' partial", "using ConvNet;\n[Input(1, 8, 8)]\n[Relu]\npartial class Net { }\n"));
    }

    [Fact]
    public void CNN004_points_at_the_containing_type_and_fixes_it()
    {
        AssertFixes("using ConvNet;\npublic class Outer\n{\n    [Input(1, 8, 8)]\n    [Relu]\n    public partial class Net { }\n}\n", "CNN004",
            ("Make 'Outer' partial", "using ConvNet;\npublic partial class Outer\n{\n    [Input(1, 8, 8)]\n    [Relu]\n    public partial class Net { }\n}\n"));
    }

    [Fact]
    public void CNN005_moves_input_first()
    {
        AssertFixes("using ConvNet;\n/// <summary>Doc.</summary>\n[Relu]\n[Input(1, 4, 4)]\n[FullyConnected(3)]\npublic partial class Net { }\n", "CNN005",
            ("Move [Input] to be the first attribute",
             "using ConvNet;\n/// <summary>Doc.</summary>\n[Input(1, 4, 4)]\n[Relu]\n[FullyConnected(3)]\npublic partial class Net { }\n"));
    }

    [Fact]
    public void CNN005_splits_input_out_of_a_shared_list()
    {
        AssertFixes("using ConvNet;\nnamespace N\n{\n    [Relu, Input(1, 4, 4)]\n    public partial class Net { }\n}\n", "CNN005",
            ("Move [Input] to be the first attribute",
             "using ConvNet;\nnamespace N\n{\n    [Input(1, 4, 4)]\n    [Relu]\n    public partial class Net { }\n}\n"));
    }

    [Fact]
    public void CNN005_missing_input_gets_a_placeholder()
    {
        // A 1x1x1 placeholder can legitimately misfit later layers, so this network is chosen to fit it; the fix's
        // promise is only that CNN005 goes away and the shape is left to fill in.
        AssertFixes("using ConvNet;\n[Relu]\n[FullyConnected(10)]\npublic partial class Net { }\n", "CNN005",
            ("Add [Input(1, 1, 1)] first (then fill in channels, height, width)",
             "using ConvNet;\n[Input(1, 1, 1)]\n[Relu]\n[FullyConnected(10)]\npublic partial class Net { }\n"));
        var fixes = Fixes("using ConvNet;\n[Conv(2, 3)]\npublic partial class Net { }\n", "CNN005");
        var result = Harness.Run(Assert.Single(fixes).Fixed);
        Assert.DoesNotContain(result.Cnn, d => d.Id == "CNN005");
        Assert.Contains(result.Cnn, d => d.Id == "CNN002");
        Assert.Empty(result.Compiler.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void CNN005_repeated_input_has_no_fix()
    {
        Assert.Empty(Fixes("using ConvNet;\n[Input(1, 4, 4)]\n[Input(1, 4, 4)]\n[Relu]\npublic partial class Net { }\n", "CNN005"));
    }
}
