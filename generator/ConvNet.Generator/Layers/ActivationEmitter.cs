using System.Collections.Generic;
using ConvNet.Generator.Emit;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;

namespace ConvNet.Generator.Layers;

/// <summary>Elementwise activations. Backward uses the saved output y: ReLU y &gt; 0, sigmoid y(1 - y), tanh 1 - y^2.
/// ReLU is written x &lt; 0 ? 0 : x so that NaN propagates instead of turning into 0.
/// <para>Each kind's code is data given to the constructor (<see cref="Vectorised"/> or <see cref="Scalar"/>), so no
/// kernel here asks which kind it is and a new activation cannot fall into another's formula.</para></summary>
internal sealed class ActivationEmitter : LayerDescriptor<NoSpec>
{
    private readonly string _label, _onnx;
    private readonly string? _kernel, _forward, _backward;

    private ActivationEmitter(LayerKind kind, string label, string onnx, AutoInit init, string? kernel, string? forward, string? backward)
    {
        Kind = kind;
        _label = label;
        _onnx = onnx;
        AutoInit = init;
        _kernel = kernel;
        _forward = forward;
        _backward = backward;
    }

    /// <summary>An activation run by the library's vector kernels <c>Kernels.{kernel}</c> and <c>{kernel}Backward</c>;
    /// <paramref name="onnx"/> is its ONNX operator (no attributes), <paramref name="init"/> the Auto initialisation of
    /// the weights before it.</summary>
    public static ActivationEmitter Vectorised(LayerKind kind, string label, string onnx, AutoInit init, string kernel) =>
        new(kind, label, onnx, init, kernel, null, null);

    /// <summary>An activation run as a scalar loop: <paramref name="forward"/> computes the output from <c>x</c>,
    /// <paramref name="backward"/> dInput[i] from the saved output <c>y</c> and <c>dOutput[i]</c>.</summary>
    public static ActivationEmitter Scalar(LayerKind kind, string label, string onnx, AutoInit init, string forward, string backward) =>
        new(kind, label, onnx, init, null, forward, backward);

    public override LayerKind Kind { get; }
    public override string Attribute => Kind + "Attribute";
    public override string Prefix => Kind.ToString().ToLowerInvariant();
    protected override NoSpec Read(IAttributeArguments args) => NoSpec.Value;
    protected override Shape3? Output(ShapeChecks check, NoSpec none, IReadOnlyList<Shape3> inputs) => inputs[0];
    public override string Describe(LayerPlan l) => _label;
    public override OnnxSpec Onnx(LayerPlan l) => new(_onnx, OnnxLayout.Any);
    public override AutoInit AutoInit { get; }
    public override bool HeadKind => true;
    public override bool KeepsShape => true;

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        Forward(w, l);
        w.Line();
        Backward(w, l);
    }

    private void Forward(SourceWriter w, LayerPlan l)
    {
        w.Line($"// {l.Name} forward: {l.Kind} over ({l.In.C},{l.In.H},{l.In.W}) = {l.InLength} values.");
        w.Open(ForwardSignature);
        if (_kernel is not null)
        {
            // Lengths checked once here, then the vector kernel runs unchecked.
            w.Line($"if (input.Length != {l.InLength} || output.Length != {l.InLength}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
            KernelHelpers.Dispatch(w, l.InLength, $"{KernelHelpers.KernelsType}.{_kernel}", $"ref {KernelHelpers.Marshal}.GetReference(input), ref {KernelHelpers.Marshal}.GetReference(output), {l.InLength}");
            w.Close();
            return;
        }
        // Sigmoid and tanh stay scalar: MathF.Exp/Tanh are exact to the last bit, and these layers are rare in practice.
        ScalarLoop(w, l, "x", "input", $"output[i] = {_forward};");
    }

    private void Backward(SourceWriter w, LayerPlan l)
    {
        w.Line($"// {l.Name} backward: dOutput {l.OutLength} -> dInput {l.InLength}, from the saved output.");
        w.Open(BackwardSignature);
        w.Line("if (dInput.IsEmpty) return;");
        if (_kernel is not null)
        {
            w.Line($"if (output.Length != {l.InLength} || dOutput.Length != {l.InLength} || dInput.Length != {l.InLength}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
            KernelHelpers.Dispatch(w, l.InLength, $"{KernelHelpers.KernelsType}.{_kernel}Backward", $"ref {KernelHelpers.Marshal}.GetReference(output), ref {KernelHelpers.Marshal}.GetReference(dOutput), ref {KernelHelpers.Marshal}.GetReference(dInput), {l.InLength}");
            w.Close();
            return;
        }
        ScalarLoop(w, l, "y", "output", $"dInput[i] = {_backward};");
    }

    /// <summary>The loop of a scalar kernel, closing the kernel too: <paramref name="statement"/> for each element, with
    /// <paramref name="variable"/> the element of <paramref name="source"/> (shared by the activations with arguments).</summary>
    internal static void ScalarLoop(SourceWriter w, LayerPlan l, string variable, string source, string statement)
    {
        w.Open($"for (int i = 0; i < {l.InLength}; i++)");
        w.Line($"float {variable} = {source}[i];");
        w.Line(statement);
        w.Close().Close();
    }
}
