using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace ConvNet.Imaging.Tests;

/// <summary>docs/images.md shows the Images sample's code in <c>csharp fragment</c> blocks (which the README test does not
/// compile): each is a verbatim part of its Program.cs, which the build compiles, so the page cannot drift from code
/// that works.</summary>
public sealed class DocsTests
{
    private static string RepositoryFile(string relative)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ConvNet.sln"))) return Path.Combine(folder.FullName, relative);
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Every_csharp_block_is_part_of_the_sample()
    {
        string page = File.ReadAllText(RepositoryFile("docs/images.md")).ReplaceLineEndings("\n");
        string program = File.ReadAllText(RepositoryFile("samples/Images/Program.cs")).ReplaceLineEndings("\n");
        var blocks = Regex.Matches(page, "```csharp fragment\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        Assert.True(blocks.Count >= 3, $"{blocks.Count} blocks");
        Assert.All(blocks, block => Assert.Contains(block, program));
    }
}
