using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Xunit;

namespace ConvNet.Tests;

/// <summary>The generated source of small networks, compared with checked-in files. On a difference the new output
/// is written next to it as *.received.txt (git-ignored); review it and rename it to *.verified.txt to accept.</summary>
public class SnapshotTests
{
    [Fact]
    public void Small_network_source_matches_the_verified_snapshot()
    {
        var result = Harness.Run("""
            using ConvNet;
            namespace App;
            [Input(2, 6, 6)]
            [Conv(3, 3, Pad = 1)]
            [Relu]
            [MaxPool(2)]
            [FullyConnected(4)]
            public partial class SnapshotNet { }
            """);
        Verify(result.Generated.Single().Source, "SnapshotNet");
    }

    /// <summary>The generated sources of the other shapes a class takes: a Winograd layer (transformed filters kept
    /// between calls), a batch norm layer (training segments and the statistics between them), a merge (an add and a
    /// concat with their delta placement) and a class with an error (the stub whose members throw).</summary>
    [Theory]
    [InlineData("WinogradNet", "[Input(8, 8, 8)]\n[Conv(4, 3, Pad = 1)]\n[Relu]\n[FullyConnected(3)]")]
    [InlineData("BatchNormNet", "[Input(2, 4, 4)]\n[Conv(3, 3, Pad = 1)]\n[BatchNorm]\n[Relu]\n[FullyConnected(2)]")]
    [InlineData("MergeNet", "[Input(2, 4, 4)]\n[Conv(2, 3, Pad = 1)]\n[Relu]\n[Add(\"input\")]\n[Conv(1, 1, From = \"input\")]\n[Concat(\"add1\")]")]
    [InlineData("StubNet", "[Input(1, 7, 7)]\n[Conv(2, 3, Stride = 3)]")]
    public void Network_source_matches_the_verified_snapshot(string name, string attributes)
    {
        var result = Harness.Run($"using ConvNet;\nnamespace App;\n{attributes}\npublic partial class {name} {{ }}\n");
        Assert.Equal(name == "StubNet" ? ["CNN001"] : [], result.Cnn.Select(d => d.Id));
        Verify(result.Generated.Single().Source, name);
    }

    private static void Verify(string actual, string name, [CallerFilePath] string thisFile = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(thisFile)!, "Snapshots");
        string verified = Path.Combine(folder, name + ".verified.txt");
        string received = Path.Combine(folder, name + ".received.txt");
        string expected = File.Exists(verified) ? File.ReadAllText(verified) : "";
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(received, actual);
        throw new Xunit.Sdk.XunitException(File.Exists(verified)
            ? $"Generated source differs from {verified}; see {received}."
            : $"No snapshot yet; review {received} and rename it to {Path.GetFileName(verified)}.");
    }
}
