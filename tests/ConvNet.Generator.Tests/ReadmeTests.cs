using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace ConvNet.Tests;

/// <summary>
/// Every C# block of the documentation (README.md, docs/*.md and each sample's README.md) compiles as it stands, with
/// the generator and the analyzer, under the convention the README states after its first example: a block with
/// statements is the whole Program.cs of a new console project (implicit usings on) referencing ConvNet and, for the
/// serving example, ONNX Runtime; a block of declarations only is a file of such a project; a block with
/// <c>using LeNet;</c> has the LeNet sample's LeNet5.cs beside it. The block's text is compiled exactly as written:
/// nothing is reordered, added to it or left out. A block fenced <c>```csharp fragment</c> is a deliberate excerpt and
/// is not compiled; any other word after <c>csharp</c> fails, so that no block escapes the test by a typo.
/// </summary>
public sealed class ReadmeTests
{
    private static string Root()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ConvNet.sln"))) return folder.FullName;
        }
        throw new FileNotFoundException($"ConvNet.sln not found above {AppContext.BaseDirectory}");
    }

    private static string RepositoryFile(string relative) => Path.Combine(Root(), relative);

    /// <summary>The documentation pages, relative to the repository root with '/' separators, in a stable order.</summary>
    private static List<string> Pages()
    {
        string root = Root();
        return new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md"))
            .Concat(Directory.GetDirectories(Path.Combine(root, "samples")).Select(d => Path.Combine(d, "README.md")).Where(File.Exists))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .OrderBy(p => p, StringComparer.Ordinal).ToList();
    }

    private static string Text(string page) => File.ReadAllText(RepositoryFile(page)).ReplaceLineEndings("\n");

    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (string page in Pages())
        {
            for (int i = 0; i < CSharpBlocks(page).Count; i++) data.Add(page, i);
        }
        return data;
    }

    private static List<string> CSharpBlocks(string page) =>
        Regex.Matches(Text(page), "^```csharp\n(.*?)```", RegexOptions.Singleline | RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();

    // What `dotnet new console` puts in scope.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [Fact]
    public void The_pages_have_csharp_blocks()
    {
        Assert.Contains("README.md", Pages());
        Assert.Contains("docs/training.md", Pages());
        Assert.Contains("samples/LeNet/README.md", Pages());
        int blocks = Pages().Sum(p => CSharpBlocks(p).Count);
        Assert.True(blocks >= 10, $"{blocks} blocks found");
    }

    [Fact]
    public void Every_csharp_fence_is_compiled_or_marked_as_a_fragment()
    {
        var unknown = Pages()
            .SelectMany(p => Regex.Matches(Text(p), "^```(csharp|cs|c#)(.*)$", RegexOptions.Multiline | RegexOptions.IgnoreCase)
                .Where(m => m.Groups[1].Value != "csharp" || (m.Groups[2].Value != "" && m.Groups[2].Value != " fragment"))
                .Select(m => $"{p}: {m.Value}"))
            .ToList();
        Assert.True(unknown.Count == 0, "fences that would not be compiled:\n" + string.Join("\n", unknown));
    }

    [Theory, MemberData(nameof(Blocks))]
    public void Compiles_as_written_without_warnings(string page, int index)
    {
        string block = CSharpBlocks(page)[index];
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(ImplicitUsings, Harness.ParseOptions, path: "GlobalUsings.cs"),
            CSharpSyntaxTree.ParseText(block, Harness.ParseOptions, path: "Program.cs"),
        };
        if (Regex.IsMatch(block, @"^using LeNet;", RegexOptions.Multiline))
            trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(RepositoryFile("samples/LeNet/LeNet5.cs")), Harness.ParseOptions, path: "LeNet5.cs"));
        bool program = trees[1].GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();

        var compilation = CSharpCompilation.Create("Page", trees,
            [.. Harness.References, MetadataReference.CreateFromFile(typeof(InferenceSession).Assembly.Location)],
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                // The SDK's own NoWarn: ONNX Runtime's managed assembly is built against an older System.Runtime.
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));
        var result = Harness.Run(compilation);
        var problems = result.Cnn.Concat(result.Compiler)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, $"{page}, C# block {index}, does not compile cleanly:\n{string.Join("\n", problems)}\n\n{block}");
    }
}
