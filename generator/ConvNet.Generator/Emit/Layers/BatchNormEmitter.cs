using System.Collections.Generic;
using System.Globalization;
using ConvNet.Generator.Model;
using ConvNet.Generator.Planning;
using ConvNet.Generator.Shapes;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Batch normalisation per channel, PyTorch semantics. Evaluation: y = (x - running_mean) * rsqrt(running_var +
/// eps) * weight + bias, one scale and shift per channel, as cheap as an activation. Training: mean and biased variance
/// over every sample of the call and the channel's H x W values. Those need the whole batch, so the network runs in
/// segments split at each batch norm layer (see the planner): every worker adds its samples' per-channel mean and
/// squared deviations into its partial (<c>Statistics</c>), the network combines the partials in worker order and
/// updates the running statistics, then every worker normalises. Backward mirrors it: per-channel sums of dy and
/// dy * xhat from every sample (<c>GradientSums</c>), then dx = weight * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
/// <para>Statistics per sample and channel: a two-pass mean and sum of squared deviations in float over H x W values,
/// combined across samples and workers in double with Chan's formula, so a large mean does not cancel the variance.</para></summary>
internal sealed class BatchNormEmitter : LayerDescriptor<BatchNormSpec>
{
    public override LayerKind Kind => LayerKind.BatchNorm;
    public override string Attribute => "BatchNormAttribute";
    public override string Prefix => "bn";

    protected override BatchNormSpec Read(IAttributeArguments args) =>
        new(args.NamedReal("Epsilon") ?? 1e-5, args.NamedReal("Momentum") ?? 0.1);

    protected override bool CheckArguments(ArgumentChecks check, BatchNormSpec bn) =>
        check.Check(bn.Epsilon > 0 && !double.IsInfinity(bn.Epsilon), "Epsilon", $"Epsilon must be positive and finite, got {Number(bn.Epsilon)}")
        & check.Check(bn.Momentum >= 0 && bn.Momentum <= 1, "Momentum", $"Momentum must be in [0, 1], got {Number(bn.Momentum)}");

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    protected override Shape3? Output(ShapeChecks check, BatchNormSpec bn, IReadOnlyList<Shape3> inputs) => inputs[0];
    protected override long? Weights(BatchNormSpec bn, Shape3 input, Shape3 output) => output.C;
    public override long Biases(Shape3 output) => output.C;
    /// <summary>running_mean [C], running_var [C], num_batches_tracked.</summary>
    public override long Buffers(Shape3 output) => 2 * output.C + 1;
    public override string Describe(LayerPlan l) => "BatchNorm";
    public override bool KeepsShape => true;
    public override string LayerInfoProperties(LayerPlan l) => $", Epsilon = {DoubleLiteral(Spec(l).Epsilon)}, Momentum = {DoubleLiteral(Spec(l).Momentum)}";

    public override IReadOnlyList<TensorSpec> ParameterTensors(LayerPlan l) =>
        [new("weight", [l.Out.C], TensorInit.Ones), new("bias", [l.Out.C], TensorInit.Zeros)];

    /// <summary>PyTorch's initial running statistics: mean 0, variance 1, no batches counted.</summary>
    public override IReadOnlyList<TensorSpec> BufferTensors(LayerPlan l) =>
        [new("running_mean", [l.Out.C], TensorInit.Zeros), new("running_var", [l.Out.C], TensorInit.Ones), new("num_batches_tracked", [], TensorInit.Zeros, IsCount: true)];

    /// <summary>ONNX weighs the old running value by momentum, PyTorch (and ConvNet) the new statistic: 1 - m, as
    /// PyTorch's exporter writes it. Inference ignores it; training tools read it.</summary>
    public override OnnxSpec Onnx(LayerPlan l) => new("BatchNormalization", OnnxLayout.Any,
        OnnxAttributeSpec.Float("epsilon", Spec(l).Epsilon), OnnxAttributeSpec.Float("momentum", 1 - Spec(l).Momentum));

    /// <summary>Normalisation sits between a layer and its nonlinearity without changing which initialisation suits it.</summary>
    public override AutoInit AutoInit => AutoInit.LookThrough;

    public override bool BatchStatistics => true;

    /// <summary>Mean [C] then inverse standard deviation [C] (and doubles of its partial sums, mean and squared
    /// deviations, or sum of dy and of dy * xhat).</summary>
    public override int StatisticsLength(LayerPlan l) => 2 * (int)l.Out.C;

    private static string Literal(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

    public override void Kernels(SourceWriter w, LayerPlan l, KernelPlan k)
    {
        int c = (int)l.Out.C, hw = (int)(l.Out.H * l.Out.W), n = l.OutLength;
        int weight = l.ParamOffset, bias = l.BiasOffset, mean = l.BufferOffset, variance = l.BufferOffset + c;
        double epsilon = Spec(l).Epsilon;
        string check = $"throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\")";
        w.Line($"// {l.Name} forward: ({c},{l.Out.H},{l.Out.W}) -> same; per channel y = (x - mean) * invstd * weight[{c}] + bias[{c}], with mean and invstd");
        w.Line($"// from the batch (stats: mean [{c}], invstd [{c}]) in training, from running_mean/running_var (eps {Number(epsilon)}) in evaluation.");
        w.Open($"internal static void Forward({ReadOnlySpanType} p, {ReadOnlySpanType} buffers, {ReadOnlySpanType} stats, bool training, {ReadOnlySpanType} input, {SpanType} output)");
        w.Line($"if (p.Length < {bias + c} || buffers.Length < {variance + c} || stats.Length < {2 * c} || input.Length != {n} || output.Length != {n}) {check};");
        w.Open($"for (int c = 0; c < {c}; c++)");
        w.Line($"float shift = training ? stats[c] : buffers[{mean} + c];");
        w.Line($"float invstd = training ? stats[{c} + c] : 1f / global::System.MathF.Sqrt(buffers[{variance} + c] + {Literal(epsilon)});");
        w.Line($"float scale = invstd * p[{weight} + c];");
        Dispatch(w, hw, KernelsType + ".Affine", $"ref {Marshal}.GetReference(input.Slice(c * {hw}, {hw})), ref {Marshal}.GetReference(output.Slice(c * {hw}, {hw})), {hw}, shift, scale, p[{bias} + c]");
        w.Close();
        w.Close();
        w.Line();
        w.Line($"// {l.Name} training statistics of one sample, folded into partial (mean [{c}], squared deviations [{c}], in double) after");
        w.Line("// `seen` samples: the sample's own two-pass mean and deviations, combined with Chan's formula.");
        w.Open($"internal static void Statistics({ReadOnlySpanType} input, global::System.Span<double> partial, int seen)");
        w.Line($"if (input.Length != {n} || partial.Length < {2 * c}) {check};");
        w.Open($"for (int c = 0; c < {c}; c++)");
        w.Line($"ref float x = ref {Unsafe}.Add(ref {Marshal}.GetReference(input), c * {hw});");
        w.Line("float sum;");
        Dispatch(w, hw, "sum = " + KernelsType + ".Sum", $"ref x, {hw}");
        w.Line($"float m = sum / {hw};");
        w.Line("float squares;");
        Dispatch(w, hw, "squares = " + KernelsType + ".CenteredSquares", $"ref x, {hw}, m");
        w.Line($"double nA = (double)seen * {hw}, nB = {hw}, delta = m - partial[c];");
        w.Line("partial[c] += delta * nB / (nA + nB);");
        w.Line($"partial[{c} + c] += squares + delta * delta * nA * nB / (nA + nB);");
        w.Close();
        w.Close();
        w.Line();
        w.Line($"// {l.Name} backward sums of one sample, added into partial: sum of dy [{c}], then sum of dy * xhat [{c}] (training).");
        w.Open($"internal static void GradientSums({ReadOnlySpanType} stats, {ReadOnlySpanType} input, {ReadOnlySpanType} dOutput, global::System.Span<double> partial)");
        w.Line($"if (stats.Length < {2 * c} || input.Length != {n} || dOutput.Length != {n} || partial.Length < {2 * c}) {check};");
        w.Open($"for (int c = 0; c < {c}; c++)");
        w.Line($"float m = stats[c], dySum, dyx;");
        CenteredSums(w, hw);
        w.Line("partial[c] += dySum;");
        w.Line($"partial[{c} + c] += (double)dyx * stats[{c} + c];");
        w.Close();
        w.Close();
        w.Line();
        w.Line($"// {l.Name} backward: dOutput -> dInput ({c},{l.Out.H},{l.Out.W}). Training: dx = k * (dy - sum(dy) / count - xhat * sum(dy * xhat) / count),");
        w.Line($"// k = weight * invstd, sums over the whole batch (`sums`, added into dWeight and dBias by the network); evaluation:");
        w.Line("// dx = weight * invstd * dy with the running statistics, and dWeight += sum(dy * xhat), dBias += sum(dy) here.");
        w.Open($"internal static void Backward({ReadOnlySpanType} p, {ReadOnlySpanType} buffers, {ReadOnlySpanType} stats, global::System.ReadOnlySpan<double> sums, long count, bool training, {ReadOnlySpanType} input, {ReadOnlySpanType} dOutput, {SpanType} dp, {SpanType} dInput)");
        w.Line($"if (p.Length < {bias + c} || dp.Length < {bias + c} || buffers.Length < {variance + c} || input.Length != {n} || dOutput.Length != {n} || (!dInput.IsEmpty && dInput.Length != {n})) {check};");
        w.Open("if (training)");
        w.Line($"if (stats.Length < {2 * c} || sums.Length < {2 * c}) {check};");
        w.Line("if (dInput.IsEmpty) return;");
        w.Open($"for (int c = 0; c < {c}; c++)");
        w.Line($"float invstd = stats[{c} + c], m = stats[c], k = p[{weight} + c] * invstd;");
        w.Line("float c0 = (float)(-k * sums[c] / count);");
        w.Line($"float c1 = (float)(-k * invstd * sums[{c} + c] / count);");
        Dispatch(w, hw, KernelsType + ".CenteredAffine", $"ref {Unsafe}.Add(ref {Marshal}.GetReference(dOutput), c * {hw}), ref {Unsafe}.Add(ref {Marshal}.GetReference(input), c * {hw}), ref {Unsafe}.Add(ref {Marshal}.GetReference(dInput), c * {hw}), {hw}, k, m, c0, c1");
        w.Close();
        w.Line("return;");
        w.Close();
        w.Open($"for (int c = 0; c < {c}; c++)");
        w.Line($"float m = buffers[{mean} + c], invstd = 1f / global::System.MathF.Sqrt(buffers[{variance} + c] + {Literal(epsilon)}), k = p[{weight} + c] * invstd;");
        w.Line("float dySum, dyx;");
        CenteredSums(w, hw);
        w.Line($"dp[{weight} + c] += dyx * invstd;");
        w.Line($"dp[{bias} + c] += dySum;");
        w.Line("if (dInput.IsEmpty) continue;");
        Dispatch(w, hw, KernelsType + ".CenteredAffine", $"ref {Unsafe}.Add(ref {Marshal}.GetReference(dOutput), c * {hw}), ref {Unsafe}.Add(ref {Marshal}.GetReference(input), c * {hw}), ref {Unsafe}.Add(ref {Marshal}.GetReference(dInput), c * {hw}), {hw}, k, m, 0f, 0f");
        w.Close();
        w.Close();
    }

    /// <summary>dySum and dyx: the sums of dOutput and of dOutput * (input - m) over channel c.</summary>
    private static void CenteredSums(SourceWriter w, int hw) =>
        Dispatch(w, hw, KernelsType + ".CenteredSums", $"ref {Unsafe}.Add(ref {Marshal}.GetReference(dOutput), c * {hw}), ref {Unsafe}.Add(ref {Marshal}.GetReference(input), c * {hw}), {hw}, m, out dySum, out dyx");

    public override void ForwardCall(SourceWriter w, LayerPlan l, LayerCall c) =>
        w.Line($"{l.Identifier}.Forward(p, Buffers, new global::System.ReadOnlySpan<float>(_runStats, {c.StatsOffset}, {StatisticsLength(l)}), {c.Training}, {c.Inputs[0]}, {c.Output});");

    public override void BackwardCall(SourceWriter w, LayerPlan l, LayerCall c) =>
        w.Line($"{l.Identifier}.Backward(p, Buffers, new global::System.ReadOnlySpan<float>(_runStats, {c.StatsOffset}, {StatisticsLength(l)}), new global::System.ReadOnlySpan<double>(_gradientSums, {c.StatsOffset}, {StatisticsLength(l)}), (long)_runSize * {l.Out.H * l.Out.W}, {c.Training}, {c.Inputs[0]}, {c.DOutput}, dp, {c.DInputs[0]});");
}

/// <summary>[BatchNorm(Epsilon = 1e-5, Momentum = 0.1)], PyTorch's meaning of both.</summary>
internal sealed record BatchNormSpec(double Epsilon, double Momentum) : LayerSpec;
