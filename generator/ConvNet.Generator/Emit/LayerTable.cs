using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ConvNet.Generator.Emit.Layers;
using ConvNet.Generator.Model;

namespace ConvNet.Generator.Emit;

/// <summary>The human-readable layer table, one aligned line per layer:
/// <c>conv1  Conv 10@5x5 s1 p2  3x32x32 -> 10x32x32  760 params</c>, and a last line of totals: parameters, forward
/// FLOPs as the <c>Flops</c> constant counts them, and the floats of activations a sample keeps (<c>ActivationBytes</c> / 4).</summary>
internal static class LayerTable
{
    public static IReadOnlyList<string> Lines(NetworkPlan plan)
    {
        var rows = plan.Layers.Select(l => new[]
        {
            l.Name, Describe(l), l.In.ToString(), "->", l.Out.ToString(),
            l.ParamCount.ToString(CultureInfo.InvariantCulture) + " params",
        }).ToList();
        var widths = Enumerable.Range(0, 6).Select(c => rows.Count == 0 ? 0 : rows.Max(r => r[c].Length)).ToArray();
        var lines = new List<string>(rows.Count);
        foreach (var r in rows)
        {
            var line = new StringBuilder();
            line.Append(r[0].PadRight(widths[0])).Append("  ").Append(r[1].PadRight(widths[1])).Append("  ")
                .Append(r[2].PadLeft(widths[2])).Append(" -> ").Append(r[4].PadRight(widths[4])).Append("  ")
                .Append(r[5].PadLeft(widths[5]));
            lines.Add(line.ToString().TrimEnd());
        }
        lines.Add($"total: {NetworkEmitter.Num(plan.ParameterCount)} params, {NetworkEmitter.Num(plan.Flops)} FLOPs, {NetworkEmitter.Num(plan.ActivationLength)} activation floats per sample");
        return lines;
    }

    /// <summary>The kind column: the descriptor's text, and where the layer's input is not the layer above, which it is.</summary>
    public static string Describe(LayerPlan l)
    {
        string text = LayerDescriptors.Of(l.Kind).Describe(l);
        return l.Inputs[0] == l.Index ? text : $"{text} <- {l.InputNames[0]}";
    }
}
