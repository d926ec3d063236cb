using ConvNet.Generator.Model;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>The one place that maps a layer kind to its emitter. Every layer's kernels share two signatures, so the
/// network emitter can call them in a loop: p is the whole parameter buffer (each layer knows its offsets),
/// dp the whole gradient buffer, and an empty dInput means "skip the input gradient", and scratch is per-thread working memory (the conv layers' im2col matrix).</summary>
internal static class LayerEmitter
{
    public const string ForwardSignature =
        "internal static void Forward(global::System.ReadOnlySpan<float> p, global::System.ReadOnlySpan<float> input, global::System.Span<float> output, global::System.Span<float> scratch)";

    public const string BackwardSignature =
        "internal static void Backward(global::System.ReadOnlySpan<float> p, global::System.ReadOnlySpan<float> input, " +
        "global::System.ReadOnlySpan<float> output, global::System.ReadOnlySpan<float> dOutput, global::System.Span<float> dp, global::System.Span<float> dInput, global::System.Span<float> scratch)";

    public static void Emit(SourceWriter w, LayerPlan l)
    {
        switch (l.Kind)
        {
            case LayerKind.Conv:
                ConvEmitter.Forward(w, l);
                w.Line();
                ConvEmitter.Backward(w, l);
                break;
            case LayerKind.MaxPool or LayerKind.AvgPool:
                PoolEmitter.Forward(w, l);
                w.Line();
                PoolEmitter.Backward(w, l);
                break;
            case LayerKind.FullyConnected:
                FullyConnectedEmitter.Forward(w, l);
                w.Line();
                FullyConnectedEmitter.Backward(w, l);
                break;
            default:
                ActivationEmitter.Forward(w, l);
                w.Line();
                ActivationEmitter.Backward(w, l);
                break;
        }
    }
}
