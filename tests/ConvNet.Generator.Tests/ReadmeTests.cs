using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace ConvNet.Tests;

/// <summary>
/// Every C# block of README.md compiles, with the generator, as the Program.cs of a new console project (implicit
/// usings on; a block that only declares networks, as a class library), referencing ConvNet and, for the serving
/// example, ONNX Runtime.
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
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [Theory, MemberData(nameof(Blocks))]
    public void CompilesAsAProgram(int index)
    {
        string block = CSharpBlocks()[index];
        // A block that uses the LeNet sample's network gets its declaration, as a project with that file would.
        if (Regex.IsMatch(block, @"\bLeNet5\b") && !block.Contains("class LeNet5"))
            block += File.ReadAllText(RepositoryFile("samples/LeNet/LeNet5.cs")).ReplaceLineEndings("\n").Replace("namespace LeNet;", "");
        var usings = new List<string>();
        var statements = new List<string>();
        var declarations = new List<string>();
        var lines = block.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            // Directives only: `using var x = ...;` is a statement.
            if (Regex.IsMatch(line, @"^using (static )?[\w.]+( = [\w.]+)?;\s*$"))
            {
                usings.Add(line);
                continue;
            }
            if (!line.StartsWith('[') && !line.StartsWith("///", StringComparison.Ordinal))
            {
                statements.Add(line);
                continue;
            }
            // A network: its doc comment and attributes, then the class line. Top-level statements must precede type declarations in
            // a C# file, while the README shows a network before the code that uses it, so declarations go last.
            // (A fragment with no class line ends at the block's end and then fails to compile.)
            while (i < lines.Length - 1 && !Regex.IsMatch(lines[i], @"\bclass\b")) declarations.Add(lines[i++]);
            declarations.Add(lines[i]);
        }
        string program = string.Join("\n", usings.Concat(statements).Concat(declarations));

        var compilation = CSharpCompilation.Create("Readme",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, Harness.ParseOptions), CSharpSyntaxTree.ParseText(program, Harness.ParseOptions)],
            [.. Harness.References, MetadataReference.CreateFromFile(typeof(InferenceSession).Assembly.Location)],
            // A block that only declares a network is a library's source.
            new CSharpCompilationOptions(statements.Any(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("//", StringComparison.Ordinal))
                ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Harness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"README block {index} does not compile:\n{string.Join("\n", errors)}\n\n{program}");
    }
}
