using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace ConvNet.Package.Tests;

/// <summary>
/// Packs src/ConvNet once with the README's command, into a temporary folder outside the repository instead of
/// <c>nupkg</c>; the build goes to its own artifacts folder, so the repository's bin/ and obj/ are untouched. The version
/// is the one the README promises: nothing on the command line sets it.
/// </summary>
public sealed class PackedConvNet : IDisposable
{
    public string Root { get; }
    public string Feed { get; }
    public string PackageFile { get; }
    public string Version { get; }

    /// <summary>The commits in the repository's history and whether it had uncommitted changes, just before packing.</summary>
    public int Commits { get; }
    public bool HadChanges { get; }

    public PackedConvNet()
    {
        Root = Path.Combine(Path.GetTempPath(), "convnet-package-tests-" + Guid.NewGuid().ToString("N"));
        Feed = Path.Combine(Root, "nupkg");
        Directory.CreateDirectory(Root);
        // Empty stubs stop MSBuild's upward search here, whatever lies above the temporary folder.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        // The consumers below restore into a global packages folder of their own: a clean repository packs under the
        // same version as a user's own pack of that commit, whose extracted copy the test must neither use nor delete.
        // Package sources come from each consumer's nuget.config (the README's) and the machine's usual ones.
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Root, "packages")}" />
              </config>
            </configuration>
            """);

        Commits = int.Parse(Git.Run(Repo.Root, "rev-list", "--count", "HEAD").Trim(), CultureInfo.InvariantCulture);
        HadChanges = Git.Run(Repo.Root, "status", "--porcelain").Trim().Length > 0;

        string command = Readme.Block("sh", "dotnet pack").Split('\n').Single(l => l.StartsWith("dotnet pack ", StringComparison.Ordinal));
        var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        int output = args.IndexOf("-o");
        if (output < 0) throw new InvalidOperationException($"The README's pack command names no output folder: {command}");
        args[output + 1] = Feed;
        args.Add("--property:UseArtifactsOutput=true");
        args.Add("--property:ArtifactsPath=" + Path.Combine(Root, "artifacts"));
        var pack = DotNet.Run(Repo.Root, [.. args]);
        string[] packages = Directory.Exists(Feed) ? Directory.GetFiles(Feed, "*.nupkg") : [];
        if (pack.ExitCode != 0 || packages.Length != 1)
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed ({pack.ExitCode}) or made {packages.Length} packages:\n{pack.Output}");
        PackageFile = packages[0];
        Version = Path.GetFileName(PackageFile)["ConvNet.".Length..^".nupkg".Length];
    }

    /// <summary>
    /// Creates a console project the way the README's Install section says: <c>dotnet new console</c>, the README's
    /// <c>nuget.config</c> naming the feed, and its <c>PackageReference</c> with the packed version. The given files
    /// replace the template's Program.cs.
    /// </summary>
    public string CreateConsumer(string name, params (string File, string Text)[] sources)
    {
        string dir = Path.Combine(Root, name);
        var created = DotNet.Run(Root, "new", "console", "--no-restore", "-o", dir, "-n", name);
        if (created.ExitCode != 0) throw new InvalidOperationException($"dotnet new console failed ({created.ExitCode}):\n{created.Output}");

        string config = Readme.Block("xml", "<packageSources>");
        Assert.Matches("key=\"convnet-local\" value=\"[^\"]+\"", config);
        File.WriteAllText(Path.Combine(dir, "nuget.config"), Regex.Replace(config, "(key=\"convnet-local\" value=)\"[^\"]+\"", $"$1\"{Feed}\""));

        string reference = Readme.Block("xml", "<PackageReference").Trim();
        Assert.Matches("^<PackageReference Include=\"ConvNet\" Version=\"[^\"]+\" />$", reference);
        string project = Path.Combine(dir, name + ".csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("</Project>",
            $"  <ItemGroup>\n    {Regex.Replace(reference, "Version=\"[^\"]+\"", $"Version=\"{Version}\"")}\n  </ItemGroup>\n</Project>"));

        File.Delete(Path.Combine(dir, "Program.cs"));
        foreach (var (file, text) in sources) File.WriteAllText(Path.Combine(dir, file), text);
        return dir;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The README's fenced blocks, which these tests follow as a user would.</summary>
internal static class Readme
{
    public static string Block(string language, string containing) =>
        Regex.Matches(File.ReadAllText(Path.Combine(Repo.Root, "README.md")).ReplaceLineEndings("\n"), $"```{language}\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).Single(b => b.Contains(containing, StringComparison.Ordinal));
}

public sealed partial class PackageTests(PackedConvNet package) : IClassFixture<PackedConvNet>
{

    [Fact]
    public void Package_holds_the_library_docs_analyzers_and_metadata_and_depends_only_on_protobuf()
    {
        using var zip = ZipFile.OpenRead(package.PackageFile);
        var files = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/ConvNet.dll", files);
        Assert.Contains("lib/net10.0/ConvNet.xml", files);
        Assert.Contains("analyzers/dotnet/cs/ConvNet.Generator.dll", files);
        Assert.Contains("analyzers/dotnet/cs/ConvNet.CodeFixes.dll", files);
        Assert.Contains("README.md", files);
        // Roslyn is the compiler's own; a copy in the package would shadow it or clash with it.
        Assert.DoesNotContain(files, f => f.Contains("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase));

        using var nuspecStream = zip.Entries.Single(e => e.FullName == "ConvNet.nuspec").Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("ConvNet", metadata.Element(ns + "id")!.Value);
        Assert.Equal(package.Version, metadata.Element(ns + "version")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.Equal("git", metadata.Element(ns + "repository")!.Attribute("type")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")!.Value));
        Assert.Contains("source-generator", metadata.Element(ns + "tags")!.Value);
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToArray();
        Assert.Equal(["Google.Protobuf"], dependencies);
    }

    [Fact]
    public void Version_is_the_next_release_as_a_prerelease_numbered_by_the_commits()
    {
        string prefix = XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        string expected = $"{prefix}-dev.{package.Commits}";
        if (package.HadChanges)
        {
            // Uncommitted changes add the pack's UTC time, to the second.
            Assert.Matches($"^{Regex.Escape(expected)}\\.\\d{{14}}$", package.Version);
            var packed = DateTime.ParseExact(package.Version[^14..], "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            Assert.InRange(DateTime.UtcNow - packed, TimeSpan.Zero, TimeSpan.FromHours(1));
        }
        else
        {
            Assert.Equal(expected, package.Version);
        }
    }

    [Fact]
    public void Readme_first_example_builds_from_the_package_as_installed_and_prints_the_summary_it_shows()
    {
        string example = Readme.Block("csharp", "public partial class TinyNet");
        string dir = package.CreateConsumer("ReadmeExample", ("Program.cs", example));

        var build = DotNet.Run(dir, "build", "-c", "Release");
        Assert.True(build.ExitCode == 0, build.Output);
        Assert.Contains("0 Warning(s)", build.Output);

        var run = DotNet.Run(dir, Path.Combine(dir, "bin", "Release", "net10.0", "ReadmeExample.dll"));
        Assert.True(run.ExitCode == 0, run.Output);
        // The comment lines right after the WriteLine are the output the README shows.
        var lines = example.Split('\n');
        int print = Array.FindIndex(lines, l => l.StartsWith("Console.WriteLine(TinyNet.Summary);", StringComparison.Ordinal));
        string shown = string.Join("\n", lines.Skip(print + 1).TakeWhile(l => l.StartsWith("// ", StringComparison.Ordinal)).Select(l => l[3..]));
        Assert.True(shown.Split('\n').Length >= 4, example);
        Assert.Equal(shown, run.Output.TrimEnd('\n'));
    }

    [Fact]
    public void Consumer_builds_without_warnings_runs_and_prints_what_the_in_repo_build_prints()
    {
        string source = File.ReadAllText(Path.Combine(Repo.Root, "tests", "ConvNet.Package.Tests", "Consumer", "PackNet.cs"));
        string dir = package.CreateConsumer("Consumer",
            ("PackNet.cs", source),
            ("Program.cs", "System.Console.Write(PackConsumer.PackNetDemo.Describe());\n"));

        var build = DotNet.Run(dir, "build", "-c", "Release");
        Assert.True(build.ExitCode == 0, build.Output);
        // CS8032: an analyzer assembly failed to load (e.g. the code fixes' Workspaces reference); AD0001: an
        // analyzer threw. Either would be a warning, so "0 Warning(s)" covers them; they are named for the message.
        Assert.DoesNotContain("CS8032", build.Output);
        Assert.DoesNotContain("AD0001", build.Output);
        Assert.Contains("0 Warning(s)", build.Output);

        string bin = Path.Combine(dir, "bin", "Release", "net10.0");
        Assert.True(File.Exists(Path.Combine(bin, "ConvNet.dll")));
        Assert.True(File.Exists(Path.Combine(bin, "Google.Protobuf.dll")));
        Assert.Empty(Directory.GetFiles(bin, "Microsoft.CodeAnalysis*.dll"));
        Assert.Empty(Directory.GetFiles(bin, "ConvNet.Generator.dll"));

        var run = DotNet.Run(dir, Path.Combine(bin, "Consumer.dll"));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(PackConsumer.PackNetDemo.Describe(), run.Output);

        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("conv1 ", StringComparison.Ordinal) && l.Contains("1x8x8 -> 3x8x8"));
        var scoreLines = lines.Where(l => l.StartsWith("scores:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, scoreLines.Length);
        Assert.Equal(scoreLines[0], scoreLines[1]);
        var scores = scoreLines[0]["scores:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => float.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(PackConsumer.PackNet.OutputLength, scores.Length);
        Assert.All(scores, s => Assert.True(float.IsFinite(s)));
        Assert.Contains(scores, s => s != 0f);
    }

    [Fact]
    public void Consumer_with_a_shape_error_fails_to_build_with_CNN001_at_the_conv_attribute()
    {
        const string source = """
            using ConvNet;

            namespace BadConsumer;

            [Input(1, 7, 7)]
            [Conv(2, 3, Stride = 3)]
            public partial class BadNet { }

            public static class Program
            {
                public static void Main() => System.Console.WriteLine(BadNet.Summary);
            }
            """;
        const int convLine = 6;
        string dir = package.CreateConsumer("BadConsumer", ("BadNet.cs", source));

        var build = DotNet.Run(dir, "build", "-c", "Release");
        Assert.NotEqual(0, build.ExitCode);
        var errors = Regex.Matches(build.Output, @"BadNet\.cs\((\d+),(\d+)\): error (CNN\d{3}|CS\d{4}): ([^\r\n]*)");
        Assert.True(errors.Count > 0, build.Output);
        var cnn001 = errors.Where(m => m.Groups[3].Value == "CNN001").ToArray();
        Assert.True(cnn001.Length > 0, build.Output);
        Assert.All(cnn001, m => Assert.Equal(convLine, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("(7 - 3 + 2*0) / 3 + 1", cnn001[0].Groups[4].Value);
        // Only the shape error: the generated stub keeps BadNet.Summary compiling, so no CS cascade.
        Assert.All(errors, m => Assert.Equal("CNN001", m.Groups[3].Value));
        Assert.DoesNotContain("CS8032", build.Output);
    }
}
