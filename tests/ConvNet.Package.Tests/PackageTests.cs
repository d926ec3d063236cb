using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace ConvNet.Package.Tests;

/// <summary>
/// Packs src/ConvNet once, under a version nobody else uses (so no NuGet cache can serve a stale copy), into a
/// temporary folder outside the repository; the build goes to its own artifacts folder, so the repository's
/// bin/ and obj/ are untouched.
/// </summary>
public sealed class PackedConvNet : IDisposable
{
    public string Root { get; }
    public string Feed { get; }
    public string Version { get; } = $"0.0.0-test-{Guid.NewGuid():N}";
    public string PackageFile => Path.Combine(Feed, $"ConvNet.{Version}.nupkg");

    public PackedConvNet()
    {
        Root = Path.Combine(Path.GetTempPath(), "convnet-package-tests-" + Guid.NewGuid().ToString("N"));
        Feed = Path.Combine(Root, "feed");
        Directory.CreateDirectory(Root);
        // Empty stubs stop MSBuild's upward search here, whatever lies above the temporary folder.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        // No <clear/>: the machine's usual sources stay, so Google.Protobuf resolves as it would for a user.
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="convnet-under-test" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        var pack = DotNet.Run(Root, TimeSpan.FromSeconds(150), "pack", Path.Combine(Repo.Root, "src", "ConvNet"),
            "-c", "Release", "-o", Feed, "--property:Version=" + Version,
            "--property:UseArtifactsOutput=true", "--property:ArtifactsPath=" + Path.Combine(Root, "artifacts"));
        if (pack.ExitCode != 0 || !File.Exists(PackageFile))
            throw new InvalidOperationException($"dotnet pack failed ({pack.ExitCode}):\n{pack.Output}");
    }

    /// <summary>
    /// Creates a console project referencing only the packed ConvNet, with the given source files. The exact-version
    /// reference keeps any other feed's ConvNet out of the resolution.
    /// </summary>
    public string CreateConsumer(string name, params (string File, string Text)[] sources)
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ConvNet" Version="[{Version}]" />
              </ItemGroup>
            </Project>
            """);
        foreach (var (file, text) in sources) File.WriteAllText(Path.Combine(dir, file), text);
        return dir;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        // The unique version was extracted into the global packages folder by the consumers' restore; nothing
        // else can use it.
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string extracted = Path.Combine(packages, "convnet", Version);
        try
        {
            if (Directory.Exists(extracted)) Directory.Delete(extracted, recursive: true);
            string id = Path.GetDirectoryName(extracted)!;
            if (Directory.Exists(id) && !Directory.EnumerateFileSystemEntries(id).Any()) Directory.Delete(id);
        }
        catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed partial class PackageTests(PackedConvNet package) : IClassFixture<PackedConvNet>
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromSeconds(120);

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
    public void Consumer_builds_without_warnings_runs_and_prints_what_the_in_repo_build_prints()
    {
        string source = File.ReadAllText(Path.Combine(Repo.Root, "tests", "ConvNet.Package.Tests", "Consumer", "PackNet.cs"));
        string dir = package.CreateConsumer("Consumer",
            ("PackNet.cs", source),
            ("Program.cs", "System.Console.Write(PackConsumer.PackNetDemo.Describe());\n"));

        var build = DotNet.Run(dir, BuildTimeout, "build", "-c", "Release");
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

        var run = DotNet.Run(dir, TimeSpan.FromSeconds(30), Path.Combine(bin, "Consumer.dll"));
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

        var build = DotNet.Run(dir, BuildTimeout, "build", "-c", "Release");
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
