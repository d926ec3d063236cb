using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ConvNet.Generator.Model;

namespace ConvNet.Generator.Shapes;

/// <summary>
/// The lecture's arithmetic, with no Roslyn types: output side = (W - F + 2P) / S + 1, which must be a whole
/// number and at least 1. All counts are checked in 64-bit math and must fit the 32-bit buffers the
/// generated code allocates. Never throws; everything wrong becomes a <see cref="Problem"/>.
/// </summary>
internal static class ShapeInference
{
    /// <summary>Largest buffer .NET allows (Array.MaxLength).</summary>
    public const long MaxBuffer = 0x7FFFFFC7;

    /// <summary>Hard cap on layers per network, so validation and emission stay fast in the editor.</summary>
    public const int MaxLayers = 1000;

    public static (NetworkPlan? Plan, List<Problem> Problems) Infer(Shape3 input, IReadOnlyList<LayerDecl> layers, string typeName = "")
    {
        var problems = new List<Problem>();
        bool ok = CheckPositive(problems, -1, "channels", input.C) & CheckPositive(problems, -1, "height", input.H)
                  & CheckPositive(problems, -1, "width", input.W);
        if (ok && input.Length > MaxBuffer)
        {
            problems.Add(new Problem(ProblemIds.TooLarge, -1, null,
                $"Input {input} has {input.Length} elements, more than the largest .NET array ({MaxBuffer})"));
            ok = false;
        }
        if (layers.Count > MaxLayers)
        {
            problems.Add(new Problem(ProblemIds.TooManyLayers, MaxLayers, null,
                $"Network has {layers.Count} layers; ConvNet compiles at most {MaxLayers}"));
            return (null, problems);
        }
        if (layers.Count == 0)
            problems.Add(new Problem(ProblemIds.NoLayers, -1, null, "Network has no layers after [Input]; Forward copies its input"));

        var names = AssignNames(layers, problems, typeName);
        ok &= names is not null;

        var plans = new List<LayerPlan>(layers.Count);
        Shape3? shape = ok ? input : null;
        long paramOffset = 0, actOffset = input.Length, flops = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            string what = $"{layer.Kind} '{names?[i].Name ?? DefaultPrefix(layer.Kind)}'";
            if (!CheckArguments(problems, i, layer))
            {
                shape = null;
                continue;
            }
            if (shape is not { } inShape) continue;

            var outShape = OutputShape(problems, i, what, layer, inShape);
            if (outShape is not { } o)
            {
                shape = null;
                continue;
            }

            long? weights = layer.Kind switch
            {
                LayerKind.Conv => Mul(Mul(layer.A, inShape.C), Mul(layer.Size, layer.Size)),
                LayerKind.FullyConnected => Mul(layer.A, inShape.Length),
                _ => 0,
            };
            long bias = layer.Kind is LayerKind.Conv or LayerKind.FullyConnected ? layer.A : 0;
            long? layerFlops = layer.Kind switch
            {
                LayerKind.Conv => Mul(Mul(2, weights), Mul(o.H, o.W)),
                LayerKind.FullyConnected => Mul(2, weights),
                _ => 0,
            };
            long? outLength = Mul(Mul(o.C, o.H), o.W);
            long? newParams = Add(Add(paramOffset, weights), bias);
            long? newAct = Add(actOffset, outLength);
            long? newFlops = Add(flops, layerFlops);
            if (outLength is not { } len || len > MaxBuffer || newParams is not { } np || np > MaxBuffer
                || newAct is not { } na || na > MaxBuffer || newFlops is not { } nf)
            {
                problems.Add(new Problem(ProblemIds.TooLarge, i, null,
                    $"{what} makes the network too large: output {o} ({Show(outLength)} elements), {Show(newParams)} parameters and " +
                    $"{Show(newAct)} activation floats so far, {Show(newFlops)} FLOPs; buffers must fit a .NET array ({MaxBuffer} elements)"));
                shape = null;
                continue;
            }

            var (name, identifier) = names![i];
            plans.Add(new LayerPlan(i, name, identifier, layer.Kind, inShape, o,
                (int)layer.Size, (int)layer.Stride, (int)layer.Pad, (int)paramOffset, (int)weights!.Value, (int)(np - paramOffset),
                (int)(actOffset - inShape.Length), (int)actOffset, layerFlops!.Value));
            paramOffset = np;
            actOffset = na;
            flops = nf;
            shape = o;
        }

        bool valid = shape is not null && plans.Count == layers.Count && !HasError(problems);
        var plan = valid ? new NetworkPlan(input, plans.ToEquatableArray(), (int)paramOffset, (int)actOffset, flops) : null;
        return (plan, problems);
    }

    public static bool IsError(string id) => id is not (ProblemIds.PadTooLarge or ProblemIds.NoLayers);

    private static bool HasError(List<Problem> problems)
    {
        foreach (var p in problems)
            if (IsError(p.Id)) return true;
        return false;
    }

    private static Shape3? OutputShape(List<Problem> problems, int i, string what, LayerDecl layer, Shape3 inShape)
    {
        switch (layer.Kind)
        {
            case LayerKind.FullyConnected:
                return new Shape3(layer.A, 1, 1);
            case LayerKind.Relu or LayerKind.Sigmoid or LayerKind.Tanh:
                return inShape;
        }

        long f = layer.Size, s = layer.Stride, p = layer.Pad;
        long nh = inShape.H - f + 2 * p, nw = inShape.W - f + 2 * p;
        if (nh < 0 || nw < 0)
        {
            problems.Add(new Problem(ProblemIds.WindowTooLarge, i, null,
                $"{what} window {f}x{f} is larger than its padded input {inShape.H + 2 * p}x{inShape.W + 2 * p}: " +
                $"{Formula(inShape.H, inShape.W, f, p, s)} < 1; {TooLargeAdvice(layer, inShape)}")
            {
                Fixes = Problem.ArgumentFixes(WindowTooLargeFixes(layer, inShape), s),
            });
            return null;
        }
        if (layer.Kind == LayerKind.Conv && p >= f)
            problems.Add(new Problem(ProblemIds.PadTooLarge, i, "pad",
                $"{what} pads {p} with a {f}x{f} filter: outputs along the border see only zeros; use Pad < {f}"));
        if (nh % s != 0 || nw % s != 0)
        {
            problems.Add(new Problem(ProblemIds.NotWhole, i, null,
                $"{what} does not fit: {Formula(inShape.H, inShape.W, f, p, s)} is not a whole number; {NotWholeAdvice(layer, inShape)}")
            {
                Fixes = Problem.ArgumentFixes(NotWholeFixes(layer, inShape), s),
            });
            return null;
        }
        return new Shape3(layer.Kind == LayerKind.Conv ? layer.A : inShape.C, nh / s + 1, nw / s + 1);
    }

    /// <summary>"(7 - 3 + 2*0) / 3 + 1 = 2.33", once when height and width agree, else per dimension.</summary>
    private static string Formula(long h, long w, long f, long p, long s)
    {
        string One(long x) => $"({x} - {f} + 2*{p}) / {s} + 1 = {Number((double)(x - f + 2 * p) / s + 1)}";
        return h == w ? One(h) : $"height {One(h)}, width {One(w)}";
    }

    private static string Number(double value)
    {
        string text = value.ToString("0.##", CultureInfo.InvariantCulture);
        // Two decimals can round a fraction to a whole number (1000.999 -> "1001"); never show that for a misfit.
        return Math.Abs(value - Math.Round(value)) > 1e-12 && !text.Contains(".")
            ? value.ToString("R", CultureInfo.InvariantCulture)
            : text;
    }

    /// <summary>The nearest stride, pad (conv) or size (pool) that makes both dimensions whole, each with its output.</summary>
    public static List<(string Argument, long Value, Shape3 Output)> NotWholeFixes(LayerDecl layer, Shape3 inShape)
    {
        var fixes = new List<(string, long, Shape3)>();
        long f = layer.Size, s = layer.Stride, p = layer.Pad;
        long channels = layer.Kind == LayerKind.Conv ? layer.A : inShape.C;
        Shape3 Out(long ff, long pp, long ss) =>
            new(channels, (inShape.H - ff + 2 * pp) / ss + 1, (inShape.W - ff + 2 * pp) / ss + 1);
        bool Fits(long ff, long pp, long ss) =>
            inShape.H - ff + 2 * pp >= 0 && inShape.W - ff + 2 * pp >= 0
            && (inShape.H - ff + 2 * pp) % ss == 0 && (inShape.W - ff + 2 * pp) % ss == 0;

        long maxStride = Math.Max(1, Math.Max(inShape.H, inShape.W) + 2 * p);
        if (Nearest(s, 1, maxStride, c => Fits(f, p, c)) is { } stride) fixes.Add(("Stride", stride, Out(f, p, stride)));
        if (layer.Kind == LayerKind.Conv)
        {
            if (Nearest(p, 0, f - 1, c => Fits(f, c, s)) is { } pad) fixes.Add(("Pad", pad, Out(f, pad, s)));
        }
        // A 1x1 pooling window does nothing, so sizes start at 2.
        else if (Nearest(f, 2, Math.Min(inShape.H, inShape.W), c => Fits(c, 0, s)) is { } size)
        {
            fixes.Add(("Size", size, Out(size, 0, s)));
        }
        return fixes;
    }

    /// <summary>CNN002: the largest size, and for a conv the smallest pad below the filter size, that fit the input
    /// whole at the current stride (a fix that trades CNN002 for CNN001 or CNN009 would not be a fix).</summary>
    public static List<(string Argument, long Value, Shape3 Output)> WindowTooLargeFixes(LayerDecl layer, Shape3 inShape)
    {
        var fixes = new List<(string, long, Shape3)>();
        long f = layer.Size, s = layer.Stride, p = layer.Pad;
        long channels = layer.Kind == LayerKind.Conv ? layer.A : inShape.C;
        bool Fits(long ff, long pp) =>
            inShape.H - ff + 2 * pp >= 0 && inShape.W - ff + 2 * pp >= 0
            && (inShape.H - ff + 2 * pp) % s == 0 && (inShape.W - ff + 2 * pp) % s == 0;
        Shape3 Out(long ff, long pp) => new(channels, (inShape.H - ff + 2 * pp) / s + 1, (inShape.W - ff + 2 * pp) / s + 1);

        long low = layer.Kind == LayerKind.Conv ? 1 : 2;
        long side = Math.Min(inShape.H, inShape.W) + 2 * p;
        if (layer.Kind != LayerKind.Conv || p < f)
            for (long size = Math.Min(side, f - 1); size >= low && f - size <= 100_000; size--)
                if (Fits(size, p) && (layer.Kind != LayerKind.Conv || p < size)) { fixes.Add(("Size", size, Out(size, p))); break; }
        if (layer.Kind == LayerKind.Conv)
            for (long pad = Math.Max(p + 1, (f - Math.Min(inShape.H, inShape.W) + 1) / 2); pad < f && pad - p <= 100_000; pad++)
                if (Fits(f, pad)) { fixes.Add(("Pad", pad, Out(f, pad))); break; }
        return fixes;
    }

    private static long? Nearest(long current, long low, long high, Func<long, bool> fits)
    {
        // Bounded by the input side, so this stays cheap even for absurd arguments.
        for (long d = 1; d <= Math.Max(current - low, high - current) && d <= 100_000; d++)
        {
            if (current - d >= low && current - d <= high && fits(current - d)) return current - d;
            if (current + d >= low && current + d <= high && fits(current + d)) return current + d;
        }
        return null;
    }

    private static string NotWholeAdvice(LayerDecl layer, Shape3 inShape)
    {
        var fixes = NotWholeFixes(layer, inShape);
        if (fixes.Count == 0) return "no nearby stride or padding fits";
        var text = new StringBuilder("try ");
        for (int k = 0; k < fixes.Count; k++)
        {
            if (k > 0) text.Append(" or ");
            var (argument, value, output) = fixes[k];
            text.Append($"{argument} = {value} (output {output.H}x{output.W})");
        }
        return text.ToString();
    }

    private static string TooLargeAdvice(LayerDecl layer, Shape3 inShape)
    {
        long side = Math.Min(inShape.H, inShape.W);
        string smaller = $"use Size <= {side + 2 * layer.Pad}";
        if (layer.Kind != LayerKind.Conv) return smaller;
        long pad = (layer.Size - side + 1) / 2;
        return $"{smaller} or Pad >= {pad}";
    }

    private static bool CheckArguments(List<Problem> problems, int i, LayerDecl layer) => layer.Kind switch
    {
        LayerKind.Conv => CheckPositive(problems, i, "filters", layer.A) & CheckPositive(problems, i, "size", layer.Size)
                          & CheckPositive(problems, i, "stride", layer.Stride) & CheckNonNegative(problems, i, "pad", layer.Pad),
        LayerKind.MaxPool or LayerKind.AvgPool => CheckPositive(problems, i, "size", layer.Size)
                                                  & CheckPositive(problems, i, "stride", layer.Stride),
        LayerKind.FullyConnected => CheckPositive(problems, i, "outputs", layer.A),
        _ => true,
    };

    private static bool CheckPositive(List<Problem> problems, int i, string argument, long value)
    {
        if (value >= 1) return true;
        problems.Add(new Problem(ProblemIds.InvalidArgument, i, argument, $"{Capitalize(argument)} must be at least 1, got {value}"));
        return false;
    }

    private static bool CheckNonNegative(List<Problem> problems, int i, string argument, long value)
    {
        if (value >= 0) return true;
        problems.Add(new Problem(ProblemIds.InvalidArgument, i, argument, $"{Capitalize(argument)} must not be negative, got {value}"));
        return false;
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s.Substring(1);

    public static string DefaultPrefix(LayerKind kind) => kind switch
    {
        LayerKind.Conv => "conv",
        LayerKind.MaxPool or LayerKind.AvgPool => "pool",
        LayerKind.FullyConnected => "fc",
        LayerKind.Relu => "relu",
        LayerKind.Sigmoid => "sigmoid",
        _ => "tanh",
    };

    /// <summary>Names (default: kind + running index per kind) and the C# identifiers of their constants classes.
    /// Null when a name is invalid or taken twice (tensor names must be unique).</summary>
    private static (string Name, string Identifier)[]? AssignNames(IReadOnlyList<LayerDecl> layers, List<Problem> problems, string typeName)
    {
        var result = new (string, string)[layers.Count];
        var counters = new Dictionary<string, int>();
        var seenNames = new Dictionary<string, int>(StringComparer.Ordinal);
        var seenIdentifiers = new Dictionary<string, int>(StringComparer.Ordinal);
        bool ok = true;
        for (int i = 0; i < layers.Count; i++)
        {
            string prefix = DefaultPrefix(layers[i].Kind);
            counters.TryGetValue(prefix, out int n);
            counters[prefix] = ++n;
            string name = layers[i].Name ?? prefix + n.ToString(CultureInfo.InvariantCulture);
            if (!IsValidName(name))
            {
                problems.Add(new Problem(ProblemIds.BadName, i, "Name",
                    $"Layer name \"{name}\" is not valid: use letters, digits, '_' and '.', not starting or ending with '.'"));
                ok = false;
                continue;
            }
            string identifier = Identifier(name);
            if (identifier == typeName || KnownNames.GeneratedMembers.Contains(identifier))
            {
                problems.Add(new Problem(ProblemIds.BadName, i, layers[i].Name is null ? null : "Name",
                    $"Layer name \"{name}\" would make a nested class {identifier}, which clashes with a member of the network class; rename the layer"));
                ok = false;
                continue;
            }
            if (seenNames.TryGetValue(name, out int first) || seenIdentifiers.TryGetValue(identifier, out first))
            {
                problems.Add(new Problem(ProblemIds.BadName, i, layers[i].Name is null ? null : "Name",
                    $"Layer name \"{name}\" is already used by layer {first + 1} ({result[first].Item1}); layer names must be unique"));
                ok = false;
                continue;
            }
            seenNames[name] = i;
            seenIdentifiers[identifier] = i;
            result[i] = (name, identifier);
        }
        return ok ? result : null;
    }

    private static bool IsValidName(string name)
    {
        if (name.Length == 0 || name[0] == '.' || name[name.Length - 1] == '.') return false;
        foreach (char c in name)
            if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '.')) return false;
        return true;
    }

    /// <summary>"conv1" -> "Conv1", "features.0" -> "Features_0", "0" -> "Layer0".</summary>
    public static string Identifier(string name)
    {
        var text = new StringBuilder(name.Replace('.', '_'));
        if (char.IsDigit(text[0])) text.Insert(0, "Layer");
        text[0] = char.ToUpperInvariant(text[0]);
        return text.ToString();
    }

    private static long? Mul(long? a, long? b)
    {
        if (a is not { } x || b is not { } y) return null;
        try { return checked(x * y); }
        catch (OverflowException) { return null; }
    }

    private static long? Add(long? a, long? b)
    {
        if (a is not { } x || b is not { } y) return null;
        try { return checked(x + y); }
        catch (OverflowException) { return null; }
    }

    private static string Show(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "more than 2^63";
}
