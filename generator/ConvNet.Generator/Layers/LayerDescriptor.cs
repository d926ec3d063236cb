using System.Collections.Generic;
using ConvNet.Generator.Emit;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;

namespace ConvNet.Generator.Layers;

/// <summary>The attribute arguments of one layer, read without Roslyn types (the parser adapts AttributeData to it, tests
/// can fake it). Missing or mistyped arguments read as 0, NaN or null: the C# compiler reports those itself.</summary>
internal interface IAttributeArguments
{
    long Int(int position);
    double Real(int position);
    string? String(int position);
    EquatableArray<string> Strings(int position);
    long? NamedInt(string name);
    double? NamedReal(string name);
}

/// <summary>Everything the generator knows about one layer kind, in one place: its attribute and arguments (its spec
/// record, see <see cref="LayerDescriptor{TArguments, TSpec}"/>), their checks, its shape rule, its parameter and buffer
/// counts, its line in the layer table, and its kernels and the calls to them. The pipeline asks
/// <see cref="LayerDescriptors.Of"/>; no other code switches on the kind with a default.
/// <para>Kernel conventions (the network emitter relies on them): activations are per-sample CHW spans, <c>p</c> the whole
/// parameter buffer (kernels know their offsets), <c>dp</c> the gradient buffer they add into, an empty dInput means
/// "skip the input gradient", and a dInput is overwritten unless <see cref="AccumulatesInputGradients"/>.</para></summary>
internal abstract class LayerDescriptor
{
    /// <summary>The common kernel signatures of single-input layers, so the network emitter can call them in a loop.</summary>
    protected const string ForwardSignature =
        "internal static void Forward(global::System.ReadOnlySpan<float> p, global::System.ReadOnlySpan<float> input, global::System.Span<float> output, global::System.Span<float> scratch)";

    protected const string BackwardSignature =
        "internal static void Backward(global::System.ReadOnlySpan<float> p, global::System.ReadOnlySpan<float> input, " +
        "global::System.ReadOnlySpan<float> output, global::System.ReadOnlySpan<float> dOutput, global::System.Span<float> dp, global::System.Span<float> dInput, global::System.Span<float> scratch)";

    public abstract LayerKind Kind { get; }

    /// <summary>The attribute's metadata name in namespace ConvNet, e.g. <c>ConvAttribute</c>.</summary>
    public abstract string Attribute { get; }

    /// <summary>Default names are this prefix and a running index per prefix (<c>conv1</c>).</summary>
    public abstract string Prefix { get; }

    /// <summary>The constructor's parameter names, in order, as problems name them (for locating a diagnostic).</summary>
    public virtual IReadOnlyList<string> Positional => [];

    /// <summary>The attribute's last constructor parameter is a params array (Concat's names), which may also be passed
    /// as one array expression: a problem about its k-th name then points at that expression.</summary>
    public virtual bool ParamsArray => false;

    /// <summary>Reads the arguments; <paramref name="name"/> and <paramref name="from"/> are the base class's properties.</summary>
    public abstract LayerDecl Read(IAttributeArguments args, string? name, string? from);

    /// <summary>CNN003 for each invalid argument; false if any.</summary>
    public abstract bool CheckArguments(ArgumentChecks check, LayerDecl layer);

    /// <summary>The output shape, or null after adding a problem. <paramref name="inputs"/> are the shapes of
    /// the layer's input and then the volumes it names (merges).</summary>
    public abstract Shape3? Output(ShapeChecks check, LayerDecl layer, IReadOnlyList<Shape3> inputs);

    /// <summary>Weights (null on overflow); biases follow them.</summary>
    public abstract long? Weights(LayerDecl layer, Shape3 input, Shape3 output);

    /// <summary>Biases, stored after the weights.</summary>
    public virtual long Biases(Shape3 output) => 0;

    /// <summary>Floats of buffers (running statistics).</summary>
    public virtual long Buffers(Shape3 output) => 0;

    /// <summary>Forward FLOPs (null on overflow).</summary>
    public virtual long? Flops(Shape3 input, Shape3 output, long weights) => 0;

    /// <summary>The plan's spec of a layer whose arguments, shape and counts all passed their checks.</summary>
    public abstract LayerSpec Checked(LayerDecl layer);

    /// <summary>The kind column of the layer table, e.g. <c>Conv 10@5x5 s1 p2</c>.</summary>
    public abstract string Describe(LayerPlan l);

    /// <summary>The output is the input's shape, element for element (activations, batch norm, dropout): shape problems
    /// look through such layers to the layer that made the shape.</summary>
    public virtual bool KeepsShape => false;

    /// <summary>A dense layer (fully connected): its output is a vector of features with no height or width, so a
    /// windowed layer after it, even through layers that keep its shape, is misplaced rather than mis-sized.</summary>
    public virtual bool Dense => false;

    /// <summary>A windowed layer's window as its runtime <c>LayerInfo</c> takes it (size, stride, pad); zeros for
    /// other kinds.</summary>
    public virtual (int Size, int Stride, int Pad) LayerInfoWindow(LayerPlan l) => (0, 0, 0);

    /// <summary>The kind's own properties of its runtime <c>LayerInfo</c> (its attribute's real arguments), each as
    /// <c>", Name = value"</c> for the object initialiser; empty for a kind without any.</summary>
    public virtual string LayerInfoProperties(LayerPlan l) => "";

    /// <summary>The parameter tensors, in order from the layer's parameter offset (lengths summing to its parameter
    /// count), as the runtime's <c>LayerInfo.Tensors</c> describes them; none by default.</summary>
    public virtual IReadOnlyList<TensorSpec> ParameterTensors(LayerPlan l) => [];

    /// <summary>The buffer tensors, in order from the layer's buffer offset (<c>LayerInfo.BufferTensors</c>); none by default.</summary>
    public virtual IReadOnlyList<TensorSpec> BufferTensors(LayerPlan l) => [];

    /// <summary>The layer's ONNX node (<c>LayerInfo.Onnx</c>); every kind says, so none is exported without attributes.</summary>
    public abstract OnnxSpec Onnx(LayerPlan l);

    /// <summary>What the Auto initialisation makes of the layer after a weighted one (<c>LayerInfo.AutoInit</c>).</summary>
    public virtual AutoInit AutoInit => AutoInit.Kaiming;

    /// <summary>A double as a C# literal that reads back as the same bits.</summary>
    public static string DoubleLiteral(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "d";

    /// <summary>May run in the fully connected head, layer by layer over many samples.</summary>
    public virtual bool HeadKind => false;

    /// <summary>Has a kernel over many samples at once (<see cref="BatchForwardCall"/>): what makes a head worth having.</summary>
    public virtual bool Batched => false;

    /// <summary>In the head, the layer runs over all the worker's samples at once if this writes a call and returns true
    /// (the workspace <c>a</c> holds <c>count</c> samples ActivationLength apart); else sample by sample.</summary>
    public virtual bool BatchForwardCall(SourceWriter w, LayerPlan l) => false;

    /// <summary>The head's backward counterpart of <see cref="BatchForwardCall"/>; deltas in <c>d</c>, laid out as <c>a</c>.</summary>
    public virtual bool BatchBackwardCall(SourceWriter w, LayerPlan l, string dInput) => false;

    /// <summary>Backward adds into its dInputs (merges) rather than overwriting them.</summary>
    public virtual bool AccumulatesInputGradients => false;

    /// <summary>The layer's kernel decisions, asked once by the planner, which records them in the plan: the algorithm of
    /// each pass, the floats of per-thread scratch its kernels need, and the floats of weights it derives from its
    /// parameters once per forward call, before any sample runs (a Winograd conv layer's transformed filters: kept in the
    /// network, shared by all workers, read by its ForwardCall). The emitting methods receive the same decisions.</summary>
    public virtual KernelPlan Choose(LayerPlan l) => KernelPlan.Direct;

    /// <summary>Training normalises by statistics over the whole batch (batch norm): the planner splits the training
    /// passes into segments at the layer and gives it <see cref="StatisticsLength"/> floats of statistics, and a training
    /// batch needs more than one value per channel (<c>LayerInfo.UsesBatchStatistics</c>).</summary>
    public virtual bool BatchStatistics => false;

    /// <summary>Floats of a layer's batch statistics, when <see cref="BatchStatistics"/>.</summary>
    public virtual int StatisticsLength(LayerPlan l) => 0;

    /// <summary>Training draws random masks (dropout): the network then keeps a masks' generator and seeds each training
    /// forward call from it; checkpoints save that generator (<c>LayerInfo.IsStochastic</c>).</summary>
    public virtual bool DrawsMasks => false;

    /// <summary>The statement that derives the prepared weights from <c>p</c> into <c>prepared</c> at <paramref name="offset"/>.</summary>
    public virtual void PrepareCall(SourceWriter w, LayerPlan l, int offset) { }

    /// <summary>The kernels, Forward and Backward side by side, inside the layer's nested class, as
    /// <paramref name="k"/> (the layer's <see cref="Choose"/>) decided.</summary>
    public abstract void Kernels(SourceWriter w, LayerPlan l, KernelPlan k);

    /// <summary>The statement(s) that run the layer forward for one sample.</summary>
    public virtual void ForwardCall(SourceWriter w, LayerPlan l, LayerCall c) =>
        w.Line($"{l.Identifier}.Forward(p, {c.Inputs[0]}, {c.Output}, scratch);");

    /// <summary>The statement(s) that run the layer backward for one sample.</summary>
    public virtual void BackwardCall(SourceWriter w, LayerPlan l, LayerCall c) =>
        w.Line($"{l.Identifier}.Backward(p, {c.Inputs[0]}, {c.Output}, {c.DOutput}, dp, {c.DInputs[0]}, scratch);");

    /// <summary>"relu1" (one input) or "relu3, conv5" (a merge): the names a layer table shows in parentheses.</summary>
    protected static string Inputs(LayerPlan l) => string.Join(", ", l.InputNames);
}

/// <summary>A descriptor whose kind reads its attribute into <typeparamref name="TArguments"/> and keeps it checked in the
/// plan as <typeparamref name="TSpec"/>.
/// <para>Why generic: the pipeline holds layers of every kind in one list, so a <see cref="LayerDecl"/> or
/// <see cref="LayerPlan"/> can carry its spec only as the abstract <see cref="LayerSpec"/>. The one cast to the kind's
/// own record is made here, once for every member the pipeline calls with a declaration (the reading, checking, shape
/// and weight members are sealed and forward to typed overloads) and in <see cref="Spec"/> for the plan; a kind's
/// descriptor reads named fields (<c>conv.Size</c>, <c>Spec(l).Stride</c>) and never casts, and a new argument
/// touches only its kind's spec record and descriptor. The cast cannot fail: the registry maps each kind to one
/// descriptor, which made the declaration's spec (<see cref="Read"/>) and the plan's (<see cref="Checked"/>).
/// The alternative, one record of every kind's arguments, is what this replaced: each kind carried fields it does not
/// have under names that did not say what they were (<c>A</c>, <c>Real2</c>), and a new argument changed every
/// constructor call of every kind.</para></summary>
internal abstract class LayerDescriptor<TArguments, TSpec> : LayerDescriptor
    where TArguments : LayerSpec
    where TSpec : LayerSpec
{
    public sealed override LayerDecl Read(IAttributeArguments args, string? name, string? from) => new(Kind, name, from, Read(args));

    public sealed override bool CheckArguments(ArgumentChecks check, LayerDecl layer) => CheckArguments(check, Arguments(layer));

    public sealed override Shape3? Output(ShapeChecks check, LayerDecl layer, IReadOnlyList<Shape3> inputs) => Output(check, Arguments(layer), inputs);

    public sealed override long? Weights(LayerDecl layer, Shape3 input, Shape3 output) => Weights(Arguments(layer), input, output);

    public sealed override LayerSpec Checked(LayerDecl layer) => Checked(Arguments(layer));

    /// <summary>The kind's arguments as written; missing or mistyped ones read as <see cref="IAttributeArguments"/> says.</summary>
    protected abstract TArguments Read(IAttributeArguments args);

    /// <summary>CNN003 for each invalid argument; false if any.</summary>
    protected virtual bool CheckArguments(ArgumentChecks check, TArguments args) => true;

    /// <summary>See <see cref="LayerDescriptor.Output"/>.</summary>
    protected abstract Shape3? Output(ShapeChecks check, TArguments args, IReadOnlyList<Shape3> inputs);

    /// <summary>See <see cref="LayerDescriptor.Weights"/>.</summary>
    protected virtual long? Weights(TArguments args, Shape3 input, Shape3 output) => 0;

    /// <summary>The plan's spec from arguments that passed every check (so each integer fits an int).</summary>
    protected abstract TSpec Checked(TArguments args);

    /// <summary>The checked spec of a layer of this kind.</summary>
    internal static TSpec Spec(LayerPlan l) => (TSpec)l.Spec;

    private static TArguments Arguments(LayerDecl layer) => (TArguments)layer.Spec;
}

/// <summary>A descriptor whose kind's spec needs no conversion once checked (real numbers, names, or nothing).</summary>
internal abstract class LayerDescriptor<TSpec> : LayerDescriptor<TSpec, TSpec>
    where TSpec : LayerSpec
{
    protected sealed override TSpec Checked(TSpec args) => args;
}

/// <summary>The span expressions of one call site, for one sample: input activations, output activation, the
/// output's delta, the inputs' deltas ("default" where not wanted), and which of those a merge adds into.</summary>
internal sealed class LayerCall
{
    public string[] Inputs { get; set; } = [];
    public string Output { get; set; } = "";
    public string DOutput { get; set; } = "";
    public string[] DInputs { get; set; } = [];
    public IReadOnlyList<bool> Accumulate { get; set; } = [];
    /// <summary>The sample's index in the whole batch (dropout masks depend on it, not on the worker).</summary>
    public string Sample { get; set; } = "0";
    /// <summary>Batch norm: offset of the layer's statistics in the run's statistics arrays.</summary>
    public int StatsOffset { get; set; }
    /// <summary>Offset of the layer's prepared weights in the network's prepared-weights array (see
    /// <see cref="KernelPlan.PreparedLength"/>), or -1.</summary>
    public int PreparedOffset { get; set; } = -1;
    /// <summary>The layer's kernel decisions (<see cref="LayerDescriptor.Choose"/>), which its calls follow.</summary>
    public KernelPlan Kernels { get; set; } = KernelPlan.Direct;
    /// <summary>Batch norm: true in the training segments (batch statistics), false in evaluation.</summary>
    public string Training { get; set; } = "false";
}

/// <summary>The one registry of layer kinds: exactly one descriptor per <see cref="LayerKind"/> and per attribute.</summary>
internal static class LayerDescriptors
{
    private static readonly LayerDescriptor[] All =
    [
        new ConvEmitter(), new PoolEmitter(LayerKind.MaxPool, max: true), new PoolEmitter(LayerKind.AvgPool, max: false), new FullyConnectedEmitter(),
        ActivationEmitter.Vectorised(LayerKind.Relu, "ReLU", "Relu", AutoInit.Kaiming, "Relu"),
        ActivationEmitter.Scalar(LayerKind.Sigmoid, "Sigmoid", "Sigmoid", AutoInit.Xavier, "1f / (1f + global::System.MathF.Exp(-x))", "dOutput[i] * y * (1f - y)"),
        ActivationEmitter.Scalar(LayerKind.Tanh, "Tanh", "Tanh", AutoInit.Xavier, "global::System.MathF.Tanh(x)", "dOutput[i] * (1f - y * y)"),
        new AddEmitter(), new ConcatEmitter(), new BatchNormEmitter(), new DropoutEmitter(), new GlobalAvgPoolEmitter(),
        new LeakyReluEmitter(),
    ];

    // Indexed by kind; built once, and the registry test builds it too, so a shipped generator cannot hold a gap or a
    // duplicate (Index would throw on one inside the type initialiser).
    private static readonly LayerDescriptor[] ByKind = Index(All);

    private static readonly Dictionary<string, LayerDescriptor> ByAttribute = ByAttributeName(All);

    /// <summary>The descriptors in kind order; throws on a kind with none or with two, or an attribute named twice (an
    /// inconsistency of this assembly, which <c>LayerKindTests</c> pins).</summary>
    internal static LayerDescriptor[] Index(IReadOnlyList<LayerDescriptor> descriptors)
    {
        var kinds = (LayerKind[])System.Enum.GetValues(typeof(LayerKind));
        var byKind = new LayerDescriptor[kinds.Length];
        foreach (var d in descriptors)
        {
            int k = (int)d.Kind;
            if (k < 0 || k >= byKind.Length || kinds[k] != d.Kind)
                throw new System.ArgumentException($"Layer kind {d.Kind} is not a value of LayerKind.", nameof(descriptors));
            if (byKind[k] is not null)
                throw new System.ArgumentException($"Layer kind {d.Kind} has two descriptors.", nameof(descriptors));
            byKind[k] = d;
        }
        foreach (var kind in kinds)
            if (byKind[(int)kind] is null)
                throw new System.ArgumentException($"Layer kind {kind} has no descriptor.", nameof(descriptors));
        ByAttributeName(descriptors);
        return byKind;
    }

    private static Dictionary<string, LayerDescriptor> ByAttributeName(IReadOnlyList<LayerDescriptor> descriptors)
    {
        var map = new Dictionary<string, LayerDescriptor>();
        foreach (var d in descriptors)
        {
            if (map.ContainsKey(d.Attribute))
                throw new System.ArgumentException($"Attribute {d.Attribute} has two descriptors ({map[d.Attribute].Kind}, {d.Kind}).", nameof(descriptors));
            map.Add(d.Attribute, d);
        }
        return map;
    }

    /// <summary>The descriptor of <paramref name="kind"/> (every kind has one: see <see cref="Index"/>).</summary>
    public static LayerDescriptor Of(LayerKind kind) => ByKind[(int)kind];

    /// <summary>The descriptor of a layer attribute's metadata name, or null for other attributes.</summary>
    public static LayerDescriptor? OfAttribute(string metadataName) =>
        ByAttribute.TryGetValue(metadataName, out var d) ? d : null;

    public static IReadOnlyList<LayerDescriptor> Kinds => All;
}
