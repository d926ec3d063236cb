using System.Collections.Generic;
using System.Globalization;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Inverted dropout. The mask is a counter-based hash of (the Forward call's seed, the sample's index in the
/// batch, the element), so it is the same whatever the thread count or partition, and backward recomputes it
/// rather than storing it. Each element is kept when 24 hash bits are at least round(p * 2^24).</summary>
internal sealed class DropoutEmitter : LayerDescriptor<DropoutSpec>
{
    public override LayerKind Kind => LayerKind.Dropout;
    public override string Attribute => "DropoutAttribute";
    public override string Prefix => "dropout";
    public override IReadOnlyList<string> Positional => ["p"];
    public override bool HeadKind => true;
    public override bool KeepsShape => true;
    public override bool DrawsMasks => true;
    public override string LayerInfoProperties(LayerPlan l) => $", Probability = {DoubleLiteral(Spec(l).Probability)}";

    /// <summary>Evaluation-mode dropout is the identity: no ONNX node.</summary>
    public override OnnxSpec Onnx(LayerPlan l) => OnnxSpec.Identity;

    /// <summary>Dropout sits between a layer and its nonlinearity without changing which initialisation suits it.</summary>
    public override AutoInit AutoInit => AutoInit.LookThrough;

    protected override DropoutSpec Read(IAttributeArguments args) => new(args.Real(0));

    protected override bool CheckArguments(ArgumentChecks check, DropoutSpec dropout) =>
        check.Check(dropout.Probability >= 0 && dropout.Probability < 1, "p", $"P must be in [0, 1) (the probability of dropping a value), got {dropout.Probability.ToString("R", CultureInfo.InvariantCulture)}");

    protected override Shape3? Output(ShapeChecks check, DropoutSpec dropout, IReadOnlyList<Shape3> inputs) => inputs[0];
    public override string Describe(LayerPlan l) => $"Dropout p={Spec(l).Probability.ToString("0.###", CultureInfo.InvariantCulture)}";

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        int n = l.OutLength;
        double probability = Spec(l).Probability;
        long threshold = (long)System.Math.Round(probability * (1 << 24));
        string scale = ((float)(1.0 / (1.0 - probability))).ToString("R", CultureInfo.InvariantCulture) + "f";
        string check = $"throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\")";
        // A distinct constant per layer, so two dropout layers of one Forward draw independent masks.
        ulong salt = unchecked((ulong)(l.Index + 1) * 0xD1B54A32D192ED03UL);
        w.Line($"// {l.Name}: ({l.Out.C},{l.Out.H},{l.Out.W}); training: y = keep ? x * {scale} : 0, dropping with probability {probability.ToString("R", CultureInfo.InvariantCulture)}; evaluation: y = x.");
        w.Open($"internal static void Forward({ReadOnlySpanType} input, {SpanType} output, bool training, ulong seed, int sample)");
        w.Line($"if (input.Length != {n} || output.Length != {n}) {check};");
        w.Line("if (!training) { input.CopyTo(output); return; }");
        w.Line($"for (int i = 0; i < {n}; i++) output[i] = Keep(seed, sample, i) ? input[i] * {scale} : 0f;");
        w.Close();
        w.Line();
        w.Line($"// {l.Name} backward: dx = keep ? dy * {scale} : 0 with the forward's mask (training), dx = dy (evaluation).");
        w.Open($"internal static void Backward({ReadOnlySpanType} dOutput, {SpanType} dInput, bool training, ulong seed, int sample)");
        w.Line("if (dInput.IsEmpty) return;");
        w.Line($"if (dOutput.Length != {n} || dInput.Length != {n}) {check};");
        w.Line("if (!training) { dOutput.CopyTo(dInput); return; }");
        w.Line($"for (int i = 0; i < {n}; i++) dInput[i] = Keep(seed, sample, i) ? dOutput[i] * {scale} : 0f;");
        w.Close();
        w.Line();
        w.Line("// SplitMix64's finaliser over the element's counter: uniform 24-bit draws, independent of the thread that asks.");
        w.Line(Inline);
        w.Open("private static bool Keep(ulong seed, int sample, int i)");
        w.Line($"ulong z = seed + {salt}UL + ((ulong)(uint)sample * {n}UL + (ulong)i + 1UL) * 0x9E3779B97F4A7C15UL;");
        w.Line("z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;");
        w.Line("z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;");
        w.Line($"return ((z ^ (z >> 31)) >> 40) >= {threshold}UL;");
        w.Close();
    }

    public override void ForwardCall(SourceWriter w, LayerPlan l, LayerCall c) =>
        w.Line($"{l.Identifier}.Forward({c.Inputs[0]}, {c.Output}, _runTraining, _runSeed, {c.Sample});");

    public override void BackwardCall(SourceWriter w, LayerPlan l, LayerCall c) =>
        w.Line($"{l.Identifier}.Backward({c.DOutput}, {c.DInputs[0]}, _runTraining, _runSeed, {c.Sample});");
}

/// <summary>[Dropout(p)]: the probability of dropping a value.</summary>
internal sealed record DropoutSpec(double Probability) : LayerSpec;
