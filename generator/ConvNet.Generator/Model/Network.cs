namespace ConvNet.Generator.Model;

// Everything in this folder flows through the incremental pipeline, so it must compare by value:
// records of strings, numbers and EquatableArray only. Never ISymbol, SyntaxNode, Location or
// Compilation: they compare by reference (every edit would regenerate) and root old compilations.

/// <summary>Mirrors ConvNet.LayerKind in the runtime library (same names, same order).</summary>
internal enum LayerKind { Conv, MaxPool, AvgPool, FullyConnected, Relu, Sigmoid, Tanh, Add, Concat, BatchNorm, Dropout, GlobalAvgPool, LeakyRelu }

internal readonly record struct Shape3(long C, long H, long W)
{
    public long Length => C * H * W;
    public override string ToString() => $"{C}x{H}x{W}";
}

/// <summary>A layer kind's own arguments, with named fields: the attribute as written in a <see cref="LayerDecl"/>, checked
/// in a <see cref="LayerPlan"/>. Each kind declares its spec next to its descriptor (<c>ConvSpec</c> in ConvEmitter.cs),
/// so a kind's argument lives in one file; specs follow this folder's rule (records of numbers, strings and
/// EquatableArray). Kinds whose integer arguments need checking take them as <c>long</c> as written (arithmetic on an
/// unchecked argument cannot overflow) and as <c>int</c> in the plan, whose counts all fit the generated int buffers.</summary>
internal abstract record LayerSpec
{
    /// <summary>The layers a merge names as its other inputs, after its <c>From</c>; none for other kinds.</summary>
    public virtual EquatableArray<string> Refs => default;
}

/// <summary>The spec of a kind without arguments of its own (activations, global average pooling).</summary>
internal sealed record NoSpec : LayerSpec
{
    public static readonly NoSpec Value = new();

    private NoSpec() { }
}

/// <summary>A merge's other inputs (Add's one, Concat's many), by layer name.</summary>
internal sealed record MergeSpec(EquatableArray<string> Others) : LayerSpec
{
    public override EquatableArray<string> Refs => Others;
}

/// <summary>One layer attribute as written: its kind's arguments in <see cref="Spec"/>, raw values, not yet checked.
/// <see cref="From"/> is the input's layer name (null: the previous layer).</summary>
internal sealed record LayerDecl(LayerKind Kind, string? Name, string? From, LayerSpec Spec)
{
    /// <summary>The other inputs a merge names.</summary>
    public EquatableArray<string> Refs => Spec.Refs;
}

/// <summary>A checked layer, a node of the network's graph, with every number the emitter needs; the emitter never
/// redoes shape arithmetic. Values are numbered: 0 is the network input, i + 1 the output of layer i.
/// <see cref="Inputs"/> lists the values the layer reads, <see cref="InShapes"/> their shapes and
/// <see cref="InOffsets"/> their offsets in the per-sample activation buffer; <see cref="OutOffset"/> is where its
/// output goes. <see cref="ParamOffset"/> indexes the flat parameter buffer (weight, then bias at
/// <see cref="BiasOffset"/>), <see cref="BufferOffset"/> the buffers (running statistics). <see cref="Spec"/> is the
/// kind's checked spec, read by its descriptor.</summary>
internal sealed record LayerPlan(
    int Index, string Name, string Identifier, LayerKind Kind,
    EquatableArray<int> Inputs, EquatableArray<string> InputNames, EquatableArray<Shape3> InShapes, EquatableArray<int> InOffsets,
    Shape3 Out, int OutOffset,
    LayerSpec Spec,
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
