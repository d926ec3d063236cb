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
/// Every C# block of README.md compiles as it stands, with the generator and the analyzer, under the convention the
/// README states after its first example: a block with statements is the whole Program.cs of a new console project
/// (implicit usings on) referencing ConvNet and, for the serving example, ONNX Runtime; a block of declarations only is
/// a file of such a project; a block with <c>using LeNet;</c> has the LeNet sample's LeNet5.cs beside it. The block's
/// text is compiled exactly as written: nothing is reordered, added to it or left out.
/// </summary>
public sealed class ReadmeTests
{
    private static string RepositoryFile(string relative)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string path = Path.Combine(folder.FullName, relative);
            if (File.Exists(path) && File.Exists(Path.Combine(folder.FullName, "ConvNet.sln"))) return path;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    public static TheoryData<int> Blocks()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < CSharpBlocks().Count; i++) data.Add(i);
        return data;
    }

    private static List<string> CSharpBlocks() =>
        Regex.Matches(File.ReadAllText(RepositoryFile("README.md")).ReplaceLineEndings("\n"), "```csharp\n(.*?)```", RegexOptions.Singleline)
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
    public void The_README_has_csharp_blocks() => Assert.True(CSharpBlocks().Count >= 10, $"{CSharpBlocks().Count} blocks found");

    [Theory, MemberData(nameof(Blocks))]
    public void Compiles_as_written_without_warnings(int index)
    {
        string block = CSharpBlocks()[index];
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(ImplicitUsings, Harness.ParseOptions, path: "GlobalUsings.cs"),
            CSharpSyntaxTree.ParseText(block, Harness.ParseOptions, path: "Program.cs"),
        };
        if (Regex.IsMatch(block, @"^using LeNet;", RegexOptions.Multiline))
            trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(RepositoryFile("samples/LeNet/LeNet5.cs")), Harness.ParseOptions, path: "LeNet5.cs"));
        bool program = trees[1].GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();

        var compilation = CSharpCompilation.Create("Readme", trees,
            [.. Harness.References, MetadataReference.CreateFromFile(typeof(InferenceSession).Assembly.Location)],
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                // The SDK's own NoWarn: ONNX Runtime's managed assembly is built against an older System.Runtime.
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));
        var result = Harness.Run(compilation);
        var problems = result.Cnn.Concat(result.Compiler)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, $"README block {index} does not compile cleanly:\n{string.Join("\n", problems)}\n\n{block}");
    }
}
