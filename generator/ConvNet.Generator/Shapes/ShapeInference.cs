using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ConvNet.Generator.Emit.Layers;
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

    /// <summary>Hard cap on layer inputs per network (each layer's input plus every name a merge takes): the generated
    /// code grows with each, and a 4,000-way Concat took half a minute to compile.</summary>
    public const int MaxInputs = 2 * MaxLayers;

    /// <summary>Longest layer name: its nested class's name must fit metadata (1,024 bytes) with room to spare.</summary>
    public const int MaxNameLength = 512;

    /// <summary>The network input's name for <c>From</c>, <c>Add</c> and <c>Concat</c>.</summary>
    public const string InputName = "input";

    public static (NetworkPlan? Plan, List<Problem> Problems) Infer(Shape3 input, IReadOnlyList<LayerDecl> layers, string typeName = "")
    {
        var problems = new List<Problem>();
        string inputWhat = typeName.Length > 0 ? $"[Input] of '{typeName}'" : "[Input]";
        bool ok = CheckPositive(problems, -1, inputWhat, "channels", input.C) & CheckPositive(problems, -1, inputWhat, "height", input.H)
                  & CheckPositive(problems, -1, inputWhat, "width", input.W);
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
            problems.Add(new Problem(ProblemIds.NoLayers, -1, null, $"Network has no layers after [Input]; Forward copies its input"));

        var names = AssignNames(layers, problems, typeName);
        ok &= names is not null;
        long inputCount = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            inputCount += 1 + layers[i].Refs.Count;
            if (inputCount <= MaxInputs) continue;
            problems.Add(new Problem(ProblemIds.TooManyInputs, i, null,
                $"{Describe(layers[i].Kind, names?[i].Name ?? LayerDescriptors.Of(layers[i].Kind).Prefix, typeName)} takes {1 + layers[i].Refs.Count} inputs, which makes {inputCount} layer inputs so far; ConvNet compiles at most {MaxInputs} in all"));
            return (null, problems);
        }
        var inputs = names is null ? null : ResolveInputs(layers, names, problems, typeName);
        ok &= inputs is not null;

        var plans = new List<LayerPlan>(layers.Count);
        // shapes[v]: the shape of value v (0 the input, i + 1 layer i's output); null where it could not be worked out.
        var shapes = new Shape3?[layers.Count + 1];
        var offsets = new int[layers.Count + 1];
        shapes[0] = ok ? input : null;
        long paramOffset = 0, bufferOffset = 0, actOffset = input.Length, flops = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var kind = LayerDescriptors.Of(layer.Kind);
            string what = Describe(layer.Kind, names?[i].Name ?? kind.Prefix, typeName);
            if (!kind.CheckArguments(new ArgumentChecks(problems, i, what), layer) || inputs is null) continue;

            var ins = inputs[i];
            var inShapes = new List<Shape3>(ins.Length);
            foreach (int v in ins)
                if (shapes[v] is { } known) inShapes.Add(known);
            if (inShapes.Count != ins.Length) continue;

            var check = new ShapeChecks(problems, i, what, ins, names!, layer, layers, inputs, input);
            if (kind.Output(check, layer, inShapes) is not { } o) continue;

            long? weights = kind.Weights(layer, inShapes[0], o);
            long? layerFlops = weights is { } wc ? kind.Flops(inShapes[0], o, wc) : null;
            long? outLength = Mul(Mul(o.C, o.H), o.W);
            long? newParams = Add(Add(paramOffset, weights), kind.Biases(o));
            long? newBuffers = Add(bufferOffset, kind.Buffers(o));
            long? newAct = Add(actOffset, outLength);
            long? newFlops = Add(flops, layerFlops);
            if (outLength is not { } len || len > MaxBuffer || newParams is not { } np || np > MaxBuffer
                || newAct is not { } na || na > MaxBuffer || newFlops is not { } nf || newBuffers is not { } nb || nb > MaxBuffer)
            {
                problems.Add(new Problem(ProblemIds.TooLarge, i, null,
                    $"{what} makes the network too large: output {o} ({Show(outLength)} elements), {Show(newParams)} parameters and {Show(newAct)} activation floats so far, {Show(newFlops)} FLOPs; buffers must fit a .NET array ({MaxBuffer} elements)"));
                continue;
            }

            var (name, identifier) = names![i];
            var inNames = new string[ins.Length];
            var inOffsets = new int[ins.Length];
            for (int k = 0; k < ins.Length; k++)
            {
                inNames[k] = ins[k] == 0 ? InputName : names[ins[k] - 1].Name;
                inOffsets[k] = offsets[ins[k]];
            }
            plans.Add(new LayerPlan(i, name, identifier, layer.Kind,
                ins.ToEquatableArray(), inNames.ToEquatableArray(), inShapes.ToEquatableArray(), inOffsets.ToEquatableArray(),
                o, (int)actOffset, kind.Checked(layer),
                (int)paramOffset, (int)weights!.Value, (int)(np - paramOffset), (int)bufferOffset, (int)(nb - bufferOffset), layerFlops!.Value));
            shapes[i + 1] = o;
            offsets[i + 1] = (int)actOffset;
            paramOffset = np;
            bufferOffset = nb;
            actOffset = na;
            flops = nf;
        }
        if (inputs is not null) ReportUnused(layers, inputs, names!, problems, typeName);

        bool valid = plans.Count == layers.Count && !HasError(problems);
        // Only on a network that fits: when a layer fails, its error already asks about channels-last input (ChannelsLast),
        // and one hint per problem is enough.
        if (valid && LooksChannelsLast(input))
            problems.Add(new Problem(ProblemIds.ChannelsLast, -1, null,
                $"{inputWhat} is {input.C} channels of {input.H}x{input.W}, which looks like height, width, channels; [Input] takes channels, height, width: for a {input.C}x{input.H} image of {input.W} channels write [Input({input.W}, {input.C}, {input.H})]"));
        var plan = valid ? new NetworkPlan(input, plans.ToEquatableArray(), (int)paramOffset, (int)bufferOffset, (int)actOffset, flops) : null;
        return (plan, problems);
    }

    /// <summary>Each layer's input values (0: the network input, i + 1: layer i's output): its <c>From</c> (default: the
    /// previous layer), then the layers a merge names. Null after a problem: a name that does not exist, names the layer
    /// itself, or comes later (source order is the order of evaluation, so a graph can have no cycle).</summary>
    private static int[][]? ResolveInputs(IReadOnlyList<LayerDecl> layers, (string Name, string Identifier)[] names, List<Problem> problems, string typeName)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++) index[names[i].Name] = i;
        var result = new int[layers.Count][];
        bool ok = true;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var values = new List<int>();
            int? Resolve(string? reference, string argument)
            {
                if (reference is null) return i;
                if (reference == InputName) return 0;
                string what = Describe(layer.Kind, names[i].Name, typeName);
                FormattableString? problem =
                    !index.TryGetValue(reference, out int target) ? (FormattableString)$"{what} takes \"{reference}\", which is not a layer of this network{DidYouMean(reference, names, i)}"
                    : target == i ? (FormattableString)$"{what} takes its own output as its input; name an earlier layer or \"{InputName}\""
                    : target > i ? (FormattableString)$"{what} takes \"{reference}\", which comes later (layer {target + 1}); layers run in source order, so a layer can only take the output of one above it"
                    : null;
                if (problem is null) return target + 1;
                problems.Add(new Problem(ProblemIds.BadReference, i, argument, problem));
                return null;
            }
            if (Resolve(layer.From, "From") is { } first) values.Add(first);
            for (int k = 0; k < layer.Refs.Count; k++)
                if (Resolve(layer.Refs[k], "refs[" + k.ToString(CultureInfo.InvariantCulture) + "]") is { } v) values.Add(v);
            if (values.Count != 1 + layer.Refs.Count) ok = false;
            result[i] = values.ToArray();
        }
        return ok ? result : null;
    }

    /// <summary>"; did you mean 'conv2'?" for the nearest earlier name within two edits, else "".</summary>
    private static string DidYouMean(string reference, (string Name, string Identifier)[] names, int before)
    {
        string? best = null;
        int bestDistance = 3;
        var candidates = new List<string> { InputName };
        for (int i = 0; i < before; i++) candidates.Add(names[i].Name);
        foreach (var name in candidates)
        {
            int d = Distance(reference, name);
            if (d < bestDistance) { best = name; bestDistance = d; }
        }
        return best is null ? "" : $"; did you mean \"{best}\"?";
    }

    /// <summary>Case-insensitive edit distance, bounded: names of very different lengths are never near.</summary>
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2 || a.Length > 200 || b.Length > 200) return int.MaxValue;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>CNN016: a layer whose output nothing reads (a dead branch); the last layer is the network's output.</summary>
    private static void ReportUnused(IReadOnlyList<LayerDecl> layers, int[][] inputs, (string Name, string Identifier)[] names, List<Problem> problems, string typeName)
    {
        var used = new bool[layers.Count + 1];
        foreach (var ins in inputs)
            foreach (int v in ins) used[v] = true;
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            if (used[i + 1]) continue;
            problems.Add(new Problem(ProblemIds.UnusedOutput, i, null,
                $"{Describe(layers[i].Kind, names[i].Name, typeName)} computes an output that no layer takes (a dead branch): it costs time and never reaches the network's output; take it with From, Add or Concat, or remove it"));
        }
    }

    /// <summary>"Conv 'conv1' in 'Net'": how every message names its layer and class.</summary>
    private static string Describe(LayerKind kind, string name, string typeName) =>
        $"{LayerDescriptors.Of(kind).Kind} '{name}'" + (typeName.Length > 0 ? $" in '{typeName}'" : "");

    public static bool IsError(string id) => id is not (ProblemIds.PadTooLarge or ProblemIds.NoLayers or ProblemIds.UnusedOutput or ProblemIds.ChannelsLast);

    /// <summary>CNN019's rule: a thin width below the channel count, and as many channels as rows, as [Input(32, 32, 3)]
    /// has (a square image written height, width, channels). Real CHW inputs rarely have all three.</summary>
    public static bool LooksChannelsLast(Shape3 input) => input.W <= 4 && input.W < input.C && input.C == input.H;

    private static bool HasError(List<Problem> problems)
    {
        foreach (var p in problems)
            if (IsError(p.Id)) return true;
        return false;
    }

    /// <summary>The windowed layers' rule (conv and pooling): output side (W - F + 2P) / S + 1, whole and at least 1.</summary>
    public static Shape3? WindowOutput(ShapeChecks check, Window layer, Shape3 inShape)
    {
        var problems = check.Problems;
        int i = check.Layer;
        string what = check.What;
        long f = layer.Size, s = layer.Stride, p = layer.Pad;
        bool conv = layer.Padded;
        long nh = inShape.H - f + 2 * p, nw = inShape.W - f + 2 * p;
        if (nh < 0 || nw < 0)
        {
            if (check.FullyConnectedSource(0) is { } fc)
            {
                string via = check.InputName(0) == fc ? "" : $" (through {check.InputName(0)})";
                problems.Add(new Problem(ProblemIds.WindowTooLarge, i, null,
                    $"{what} cannot follow a fully connected layer: its input is {fc}'s {inShape} output{via}, which has no height or width left for a {f}x{f} window; conv and pooling layers go before the first FullyConnected"));
                return null;
            }
            string input = conv ? $"padded input {inShape.H + 2 * p}x{inShape.W + 2 * p}" : $"input {inShape.H}x{inShape.W}";
            problems.Add(new Problem(ProblemIds.WindowTooLarge, i, null,
                $"{what} window {f}x{f} is larger than its {input}: {Formula(inShape.H, inShape.W, f, p, s, conv)} < 1; {TooLargeAdvice(layer, inShape)}{ChannelsLast(check)}")
            {
                Fixes = Problem.ArgumentFixes(WindowTooLargeFixes(layer, inShape), s),
            });
            return null;
        }
        if (conv && p >= f)
            problems.Add(new Problem(ProblemIds.PadTooLarge, i, "pad",
                $"{what} pads {p} with a {f}x{f} filter: outputs along the border see only zeros; use Pad < {f}"));
        if (!Fits(nh, f, s, p) || !Fits(nw, f, s, p))
        {
            problems.Add(new Problem(ProblemIds.NotWhole, i, null,
                $"{what} does not fit: {Formula(inShape.H, inShape.W, f, p, s, conv)} is not a whole number; {NotWholeAdvice(check, layer, inShape)}{ChannelsLast(check)}")
            {
                Fixes = Problem.ArgumentFixes(NotWholeFixes(layer, inShape), s),
            });
            return null;
        }
        return new Shape3(layer.Channels, nh / s + 1, nw / s + 1);
    }

    /// <summary>"; did you mean [Input(3, 32, 32)] ..." when a layer on the network input fails and the input looks written
    /// channels last (NumPy, TensorFlow): a last dimension like a channel count after two like sides.</summary>
    private static string ChannelsLast(ShapeChecks check)
    {
        var input = check.NetworkInput;
        return check.ReadsNetworkInput(0) && input.W <= 4 && input.C >= 8 && input.H >= 8
            ? $"; [Input] takes (channels, height, width): did you mean [Input({input.W}, {input.C}, {input.H})]?"
            : "";
    }

    /// <summary>Whether the windows along one dimension (W - F + 2P = <paramref name="span"/>) leave no input pixel unread
    /// that the stride does not skip anyway. The formula's remainder r is how many trailing positions of the padded
    /// input no window reads: the last P of them are padding, and with S &gt; F every window is followed by a gap of
    /// S - F pixels that no window reads by design. So a layer fits when r &lt;= P + max(0, S - F): a whole number (r = 0)
    /// as in the lecture, or a remainder made only of padding (3x3, stride 2, pad 1 on 32: 16 outputs, the last padded
    /// row unread) or of the stride's own gap (1x1, stride 2 on 32). The lecture's 7x7 input with a 3x3 filter and
    /// stride 3 (r = 1, no padding, no gap) and AlexNet's 224 (r = 1) stay errors: real pixels would be cropped.</summary>
    public static bool Fits(long span, long size, long stride, long pad) =>
        span >= 0 && span % stride <= pad + Math.Max(0, stride - size);

    /// <summary>"(7 - 3 + 2*0) / 3 + 1 = 2.33", once when height and width agree, else per dimension; pooling has no padding term.</summary>
    private static string Formula(long h, long w, long f, long p, long s, bool padded)
    {
        string One(long x) => $"({x} - {f}{(padded ? $" + 2*{p}" : "")}) / {s} + 1 = {Number((double)(x - f + 2 * p) / s + 1)}";
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

    /// <summary>The nearest stride, pad (conv) and size that make both dimensions fit by the checker's rule (<see cref="Fits"/>),
    /// each with its output, ranked by how little they change: the change relative to the stride, or to the filter size for
    /// pad and size (a pad is bounded by it).</summary>
    public static List<(string Argument, long Value, Shape3 Output)> NotWholeFixes(Window layer, Shape3 inShape) =>
        RankedFixes(layer, inShape).Select(x => (x.Argument, x.Value, x.Output)).ToList();

    private static List<(string Argument, long Value, Shape3 Output, double Change)> RankedFixes(Window layer, Shape3 inShape)
    {
        var fixes = new List<(string, long, Shape3, double)>();
        long f = layer.Size, s = layer.Stride, p = layer.Pad;
        long channels = layer.Channels;
        Shape3 Out(long ff, long pp, long ss) =>
            new(channels, (inShape.H - ff + 2 * pp) / ss + 1, (inShape.W - ff + 2 * pp) / ss + 1);
        bool Both(long ff, long pp, long ss) =>
            Fits(inShape.H - ff + 2 * pp, ff, ss, pp) && Fits(inShape.W - ff + 2 * pp, ff, ss, pp);

        long maxStride = Math.Max(1, Math.Max(inShape.H, inShape.W) + 2 * p);
        if (Nearest(s, 1, maxStride, c => Both(f, p, c)) is { } stride) fixes.Add(("Stride", stride, Out(f, p, stride), Math.Abs(stride - s) / (double)s));
        if (layer.Padded && Nearest(p, 0, f - 1, c => Both(f, c, s)) is { } pad)
            fixes.Add(("Pad", pad, Out(f, pad, s), Math.Abs(pad - p) / (double)f));
        // A 1x1 pooling window does nothing, so pool sizes start at 2; a conv's pad must stay below its size (CNN009).
        long low = layer.Padded ? Math.Max(1, p + 1) : 2;
        if (Nearest(f, low, Math.Min(inShape.H, inShape.W) + 2 * p, c => Both(c, p, s)) is { } size)
            fixes.Add(("Size", size, Out(size, p, s), Math.Abs(size - f) / (double)f));
        // Stable: equal changes keep the order stride, pad, size.
        return fixes.OrderBy(x => x.Item4).ToList();
    }

    /// <summary>CNN002: the largest size, and for a conv the smallest pad below the filter size, that fit the input
    /// whole at the current stride (a fix that trades CNN002 for CNN001 or CNN009 would not be a fix).</summary>
    public static List<(string Argument, long Value, Shape3 Output)> WindowTooLargeFixes(Window layer, Shape3 inShape)
    {
        var fixes = new List<(string, long, Shape3)>();
        long f = layer.Size, s = layer.Stride, p = layer.Pad;
        long channels = layer.Channels;
        bool Both(long ff, long pp) => Fits(inShape.H - ff + 2 * pp, ff, s, pp) && Fits(inShape.W - ff + 2 * pp, ff, s, pp);
        Shape3 Out(long ff, long pp) => new(channels, (inShape.H - ff + 2 * pp) / s + 1, (inShape.W - ff + 2 * pp) / s + 1);

        long low = layer.Padded ? 1 : 2;
        long side = Math.Min(inShape.H, inShape.W) + 2 * p;
        if (!layer.Padded || p < f)
            for (long size = Math.Min(side, f - 1); size >= low && f - size <= 100_000; size--)
                if (Both(size, p) && (!layer.Padded || p < size)) { fixes.Add(("Size", size, Out(size, p))); break; }
        if (layer.Padded)
            for (long pad = Math.Max(p + 1, (f - Math.Min(inShape.H, inShape.W) + 1) / 2); pad < f && pad - p <= 100_000; pad++)
                if (Both(f, pad)) { fixes.Add(("Pad", pad, Out(f, pad))); break; }
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

    /// <summary>"try [Input(3, 227, 227)] (output 55x55), Size = 12 (output 54x54), ..." in rank order. The input is
    /// offered for a layer on the network input (the classic fix for AlexNet's 224); its change is relative to the side.</summary>
    private static string NotWholeAdvice(ShapeChecks check, Window layer, Shape3 inShape)
    {
        var fixes = RankedFixes(layer, inShape).Select(x => (Text: $"{x.Argument} = {x.Value}", x.Output, x.Change)).ToList();
        if (check.ReadsNetworkInput(0) && InputFix(layer, inShape) is { } input)
        {
            var network = check.NetworkInput;
            fixes.Add(($"[Input({network.C}, {input.H}, {input.W})]", input.Output, input.Change));
            fixes = fixes.OrderBy(x => x.Change).ToList();
        }
        return Suggest(fixes.Select(x => (x.Text, x.Output)).ToList(), "no nearby stride, padding or size fits");
    }

    /// <summary>The nearest larger (or equal) input height and width that fit the layer as it is. Larger, not nearer: images
    /// can be padded or resized up without losing a pixel, where a smaller input would crop them.</summary>
    private static (long H, long W, Shape3 Output, double Change)? InputFix(Window layer, Shape3 inShape)
    {
        long f = layer.Size, s = layer.Stride, p = layer.Pad;
        long? Side(long side)
        {
            // Within one stride of any start there is a side that fits.
            for (long c = side; c <= side + Math.Min(s, 100_000); c++)
                if (Fits(c - f + 2 * p, f, s, p)) return c;
            return null;
        }
        if (Side(inShape.H) is not { } h || Side(inShape.W) is not { } w) return null;
        long channels = layer.Channels;
        double change = Math.Max(Math.Abs(h - inShape.H) / (double)inShape.H, Math.Abs(w - inShape.W) / (double)inShape.W);
        return (h, w, new Shape3(channels, (h - f + 2 * p) / s + 1, (w - f + 2 * p) / s + 1), change);
    }

    /// <summary>CNN002: the sizes and pads of <see cref="WindowTooLargeFixes"/>, each with its output.</summary>
    private static string TooLargeAdvice(Window layer, Shape3 inShape) =>
        Suggest(WindowTooLargeFixes(layer, inShape).Select(x => ($"{x.Argument} = {x.Value}", x.Output)).ToList(), "no smaller window or larger padding fits");

    /// <summary>"try A (output HxW), B (output HxW) or C (output HxW)".</summary>
    private static string Suggest(IReadOnlyList<(string Text, Shape3 Output)> fixes, string none)
    {
        if (fixes.Count == 0) return none;
        var text = new StringBuilder("try ");
        for (int k = 0; k < fixes.Count; k++)
        {
            text.Append(k == 0 ? "" : k == fixes.Count - 1 ? " or " : ", ");
            text.Append($"{fixes[k].Text} (output {fixes[k].Output.H}x{fixes[k].Output.W})");
        }
        return text.ToString();
    }

    public static bool CheckPositive(List<Problem> problems, int i, string what, string argument, long value)
    {
        if (value >= 1) return true;
        problems.Add(new Problem(ProblemIds.InvalidArgument, i, argument, $"{what}: {Capitalize(argument)} must be at least 1, got {value}"));
        return false;
    }

    public static bool CheckNonNegative(List<Problem> problems, int i, string what, string argument, long value)
    {
        if (value >= 0) return true;
        problems.Add(new Problem(ProblemIds.InvalidArgument, i, argument, $"{what}: {Capitalize(argument)} must not be negative, got {value}"));
        return false;
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s.Substring(1);

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
            string prefix = LayerDescriptors.Of(layers[i].Kind).Prefix;
            counters.TryGetValue(prefix, out int n);
            counters[prefix] = ++n;
            string name = layers[i].Name ?? prefix + n.ToString(CultureInfo.InvariantCulture);
            if (name.Length > MaxNameLength)
            {
                // The layer's nested class is named after it, and metadata names stop at 1,024 bytes (CS7013 at emit).
                problems.Add(new Problem(ProblemIds.BadName, i, "Name",
                    $"Layer name of {name.Length} characters is too long; use at most {MaxNameLength}"));
                ok = false;
                continue;
            }
            if (!IsValidName(name))
            {
                problems.Add(new Problem(ProblemIds.BadName, i, "Name",
                    $"Layer name \"{name}\" is not valid: use letters, digits, '_' and '.', not starting or ending with '.'"));
                ok = false;
                continue;
            }
            string identifier = Identifier(name);
            if (name == InputName)
            {
                problems.Add(new Problem(ProblemIds.BadName, i, "Name",
                    $"Layer name \"{name}\" is reserved: From, Add and Concat use it for the network input; rename the layer"));
                ok = false;
                continue;
            }
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

    public static long? Mul(long? a, long? b)
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

/// <summary>A windowed layer's arguments as its shape rule reads them (<see cref="ShapeInference.WindowOutput"/>): the
/// output's <paramref name="Channels"/> (a conv's filter count, a pool's input channels), and whether the layer takes
/// padding (conv) or not (pooling), so shape fixes may change its pad and its window may be 1x1.</summary>
internal readonly record struct Window(long Channels, long Size, long Stride, long Pad, bool Padded);

/// <summary>Where argument checks report: the problem list, the layer's index, and its description ("Conv 'conv1' in 'Net'"),
/// which starts every message.</summary>
internal readonly struct ArgumentChecks(List<Problem> problems, int layer, string what)
{
    public bool Positive(string argument, long value) => ShapeInference.CheckPositive(problems, layer, what, argument, value);
    public bool NonNegative(string argument, long value) => ShapeInference.CheckNonNegative(problems, layer, what, argument, value);

    /// <summary>CNN003 unless <paramref name="valid"/>.</summary>
    public bool Check(bool valid, string argument, FormattableString message)
    {
        if (!valid) problems.Add(new Problem(ProblemIds.InvalidArgument, layer, argument, $"{what}: {message}"));
        return valid;
    }
}

/// <summary>What a shape rule needs to report: the layer, its description ("Conv 'conv1'"), its input values and the
/// names of all layers (merge messages name the volumes they could not combine).</summary>
internal sealed class ShapeChecks(List<Problem> problems, int layer, string what, int[] inputs, (string Name, string Identifier)[] names,
    LayerDecl decl, IReadOnlyList<LayerDecl> layers, int[][] allInputs, Shape3 networkInput)
{
    /// <summary>The network's [Input] shape.</summary>
    public Shape3 NetworkInput { get; } = networkInput;

    /// <summary>Whether input <paramref name="k"/> is the network input itself.</summary>
    public bool ReadsNetworkInput(int k) => inputs[k] == 0;

    /// <summary>The dense layer (<see cref="LayerDescriptor.Dense"/>: fully connected) that input <paramref name="k"/>
    /// comes from, through layers that keep the shape (<see cref="LayerDescriptor.KeepsShape"/>); null if none.</summary>
    public string? FullyConnectedSource(int k)
    {
        for (int v = inputs[k]; v > 0; v = allInputs[v - 1][0])
        {
            var kind = LayerDescriptors.Of(layers[v - 1].Kind);
            if (kind.Dense) return names[v - 1].Name;
            if (!kind.KeepsShape) return null;
        }
        return null;
    }

    public List<Problem> Problems { get; } = problems;
    public int Layer { get; } = layer;
    public string What { get; } = what;
    public LayerDecl Decl { get; } = decl;

    /// <summary>The layer's own name.</summary>
    public string Name => names[Layer].Name;

    /// <summary>The name of input <paramref name="k"/> ("input" for the network input).</summary>
    public string InputName(int k) => inputs[k] == 0 ? ShapeInference.InputName : names[inputs[k] - 1].Name;

    /// <summary>Whether input <paramref name="k"/> is the layer's default input (the previous layer, no From).</summary>
    public bool ImplicitFirstInput => Decl.From is null;

    public void Add(Problem problem) => Problems.Add(problem);
}
