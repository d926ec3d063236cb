using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Xunit;

namespace ConvNet.Tests;

/// <summary>The generated source of one small network, compared with a checked-in file. On a difference the new output
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
