namespace ConvNet.Generator.Model;

// Everything in this folder flows through the incremental pipeline, so it must compare by value:
// records of strings, numbers and EquatableArray only. Never ISymbol, SyntaxNode, Location or
// Compilation: they compare by reference (every edit would regenerate) and root old compilations.

/// <summary>Mirrors ConvNet.LayerKind in the runtime library (same names, same order).</summary>
internal enum LayerKind { Conv, MaxPool, AvgPool, FullyConnected, Relu, Sigmoid, Tanh, Add, Concat, BatchNorm, Dropout, GlobalAvgPool }

internal readonly record struct Shape3(long C, long H, long W)
{
    public long Length => C * H * W;
    public override string ToString() => $"{C}x{H}x{W}";
}

/// <summary>One layer attribute as written: raw argument values, not yet checked. <see cref="A"/> is the filter count
/// (conv) or output count (FC); <see cref="Real"/> the epsilon (batch norm) or drop probability (dropout),
/// <see cref="Real2"/> the momentum. <see cref="From"/> is the input's layer name (null: the previous layer) and
/// <see cref="Refs"/> the other inputs a merge names. Integers are long so that no argument can overflow the arithmetic.</summary>
internal sealed record LayerDecl(
    LayerKind Kind, string? Name, string? From, EquatableArray<string> Refs,
    long A, long Size, long Stride, long Pad, double Real, double Real2);

/// <summary>A checked layer, a node of the network's graph, with every number the emitter needs; the emitter never
/// redoes shape arithmetic. Values are numbered: 0 is the network input, i + 1 the output of layer i.
/// <see cref="Inputs"/> lists the values the layer reads, <see cref="InShapes"/> their shapes and
/// <see cref="InOffsets"/> their offsets in the per-sample activation buffer; <see cref="OutOffset"/> is where its
/// output goes. <see cref="ParamOffset"/> indexes the flat parameter buffer (weight, then bias at
/// <see cref="BiasOffset"/>), <see cref="BufferOffset"/> the buffers (running statistics).</summary>
internal sealed record LayerPlan(
    int Index, string Name, string Identifier, LayerKind Kind,
    EquatableArray<int> Inputs, EquatableArray<string> InputNames, EquatableArray<Shape3> InShapes, EquatableArray<int> InOffsets,
    Shape3 Out, int OutOffset,
    int Size, int Stride, int Pad, double Real, double Real2,
    int ParamOffset, int WeightCount, int ParamCount, int BufferOffset, int BufferCount, long Flops)
{
    /// <summary>The first input's shape (the only one, except for merges).</summary>
    public Shape3 In => InShapes[0];
    public int InOffset => InOffsets[0];
    public int BiasOffset => ParamOffset + WeightCount;
    public int InLength => (int)In.Length;
    public int OutLength => (int)Out.Length;
    /// <summary>This layer's output value.</summary>
    public int Value => Index + 1;
}

/// <summary>A network whose shapes all fit. <see cref="ActivationLength"/> covers the input copy and every layer output.</summary>
internal sealed record NetworkPlan(
    Shape3 Input, EquatableArray<LayerPlan> Layers, int ParameterCount, int BufferCount, int ActivationLength, long Flops)
{
    public int InputLength => (int)Input.Length;
    public int OutputLength => Layers.Count == 0 ? InputLength : Layers[Layers.Count - 1].OutLength;
    public int OutputOffset => Layers.Count == 0 ? 0 : Layers[Layers.Count - 1].OutOffset;

    /// <summary>Offset of value <paramref name="value"/> in the per-sample activation buffer.</summary>
    public int ValueOffset(int value) => value == 0 ? 0 : Layers[value - 1].OutOffset;

    /// <summary>Length of value <paramref name="value"/>.</summary>
    public int ValueLength(int value) => value == 0 ? InputLength : Layers[value - 1].OutLength;
}

/// <summary>Where the generated partial goes: namespace, containing type headers (outermost first), and the type itself.
/// <see cref="UserImplemented"/>: the INetwork and IDropoutNetwork members the user's code implements explicitly (a CNN017 error), which the
/// generated code then leaves out rather than declare them twice.</summary>
internal sealed record TypeHeader(
    string? Namespace, EquatableArray<string> ContainingTypes, string Name, string DisplayName, string HintName,
    EquatableArray<string> UserImplemented);

/// <summary>The generator's whole input for one class. <see cref="Plan"/> is null when the declaration has errors
/// (reported by the generator itself, see <see cref="NetworkParse"/>); the emitter then writes members that throw, so the user sees one CNN diagnostic
/// rather than a cascade of missing-member errors.</summary>
internal sealed record NetworkModel(TypeHeader Type, NetworkPlan? Plan);
