namespace ConvNet.Generator.Model;

// Everything in this folder flows through the incremental pipeline, so it must compare by value:
// records of strings, numbers and EquatableArray only. Never ISymbol, SyntaxNode, Location or
// Compilation: they compare by reference (every edit would regenerate) and root old compilations.

/// <summary>Mirrors ConvNet.LayerKind in the runtime library (same names, same order).</summary>
internal enum LayerKind { Conv, MaxPool, AvgPool, FullyConnected, Relu, Sigmoid, Tanh }

internal readonly record struct Shape3(long C, long H, long W)
{
    public long Length => C * H * W;
    public override string ToString() => $"{C}x{H}x{W}";
}

/// <summary>One layer attribute as written: raw argument values, not yet checked.
/// <see cref="A"/> is the filter count (conv) or output count (FC); values are long so that no argument can overflow the arithmetic.</summary>
internal sealed record LayerDecl(LayerKind Kind, string? Name, long A, long Size, long Stride, long Pad);

/// <summary>A checked layer, with every number the emitter needs; the emitter never redoes shape arithmetic.
/// Offsets: <see cref="InOffset"/>/<see cref="OutOffset"/> into the per-sample activation buffer,
/// <see cref="ParamOffset"/> into the flat parameter buffer (weight, then bias at <see cref="BiasOffset"/>).</summary>
internal sealed record LayerPlan(
    int Index, string Name, string Identifier, LayerKind Kind, Shape3 In, Shape3 Out,
    int Size, int Stride, int Pad, int ParamOffset, int WeightCount, int ParamCount,
    int InOffset, int OutOffset, long Flops)
{
    public int BiasOffset => ParamOffset + WeightCount;
    public int InLength => (int)In.Length;
    public int OutLength => (int)Out.Length;
}

/// <summary>A network whose shapes all fit. <see cref="ActivationLength"/> covers the input copy and every layer output.</summary>
internal sealed record NetworkPlan(
    Shape3 Input, EquatableArray<LayerPlan> Layers, int ParameterCount, int ActivationLength, long Flops)
{
    public int InputLength => (int)Input.Length;
    public int OutputLength => Layers.Count == 0 ? InputLength : Layers[Layers.Count - 1].OutLength;
    public int OutputOffset => Layers.Count == 0 ? 0 : Layers[Layers.Count - 1].OutOffset;
}

/// <summary>Where the generated partial goes: namespace, containing type headers (outermost first), and the type itself.</summary>
internal sealed record TypeHeader(
    string? Namespace, EquatableArray<string> ContainingTypes, string Name, string DisplayName, string HintName);

/// <summary>The generator's whole input for one class. <see cref="Plan"/> is null when the declaration has errors
/// (reported by the analyzer); the emitter then writes members that throw, so the user sees one CNN diagnostic
/// rather than a cascade of missing-member errors.</summary>
internal sealed record NetworkModel(TypeHeader Type, NetworkPlan? Plan);
