using System;
using System.Globalization;
using System.Text;
using ConvNet;

namespace PackConsumer;

// This file is compiled twice: in this test project (generator as a project reference) and, copied verbatim, in a
// fresh console project that gets ConvNet only from the packed package. Both must print the same text.

[Input(1, 8, 8)]
[Conv(3, 3, Pad = 1)]
[Relu]
[MaxPool(2)]
[FullyConnected(5)]
public partial class PackNet { }

public static class PackNetDemo
{
    /// <summary>The summary, then the scores of two Forward calls on a fixed input, in round-trip format.</summary>
    public static string Describe()
    {
        var net = new PackNet(7);
        var input = new float[PackNet.InputLength];
        for (int i = 0; i < input.Length; i++) input[i] = (i % 11) / 10f - 0.5f;
        var text = new StringBuilder();
        text.Append(PackNet.Summary).Append('\n');
        for (int run = 0; run < 2; run++)
        {
            var scores = new float[PackNet.OutputLength];
            net.Forward(input, scores);
            text.Append("scores:");
            foreach (float s in scores) text.Append(' ').Append(s.ToString("R", CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        return text.ToString();
    }
}
