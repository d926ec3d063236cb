using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace ConvNet.Package.Tests;

/// <summary>
/// The package version changes with every commit and with every pack of uncommitted changes, so a consumer never
/// restores a stale copy from NuGet's global packages folder. Checked in a clone of HEAD, which can be committed to and
/// edited, through the target <c>dotnet pack</c> runs (no build needed to read the version).
/// </summary>
public sealed class PackageVersionTests : IDisposable
{
    private readonly string _clone = Path.Combine(Path.GetTempPath(), "convnet-version-tests-" + Guid.NewGuid().ToString("N"));

    private string PackageVersion()
    {
        var result = DotNet.Run(_clone, "msbuild", Path.Combine("src", "ConvNet", "ConvNet.csproj"),
            "-nologo", "-t:ConvNetDevPackageVersion", "-getProperty:PackageVersion");
        Assert.True(result.ExitCode == 0, result.Output);
        return result.Output.Trim();
    }

    [Fact]
    public void A_commit_raises_the_version_and_uncommitted_changes_add_the_time()
    {
        Git.Run(Path.GetTempPath(), "clone", "--quiet", "--no-checkout", Repo.Root, _clone);
        Git.Run(_clone, "checkout", "--quiet", Git.Run(Repo.Root, "rev-parse", "HEAD").Trim());
        int commits = int.Parse(Git.Run(_clone, "rev-list", "--count", "HEAD").Trim(), CultureInfo.InvariantCulture);
        string prefix = XDocument.Load(Path.Combine(_clone, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;

        Assert.Equal($"{prefix}-dev.{commits}", PackageVersion());

        Git.Run(_clone, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "--quiet", "--allow-empty", "-m", "one more");
        Assert.Equal($"{prefix}-dev.{commits + 1}", PackageVersion());

        File.AppendAllText(Path.Combine(_clone, "README.md"), "\nAn uncommitted line.\n");
        string before = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        string edited = PackageVersion();
        string after = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        Assert.Matches($"^{Regex.Escape($"{prefix}-dev.{commits + 1}")}\\.\\d{{14}}$", edited);
        Assert.InRange(string.CompareOrdinal(edited[^14..], before), 0, int.MaxValue);
        Assert.InRange(string.CompareOrdinal(edited[^14..], after), int.MinValue, 0);
    }

    public void Dispose()
    {
        try { Directory.Delete(_clone, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
