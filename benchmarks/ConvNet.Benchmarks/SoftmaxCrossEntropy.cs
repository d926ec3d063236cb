using System;

namespace ConvNet.Benchmarks;

/// <summary>Mean softmax cross-entropy over a batch and its gradient, as PyTorch's <c>cross_entropy</c> computes them.</summary>
/// <remarks>Inline until the runtime library has <c>ConvNet.Losses</c>; then the training step should call that instead.</remarks>
internal static class SoftmaxCrossEntropy
{
    /// <summary>Returns the mean loss and writes dLoss/dLogits, (softmax - onehot) / batch, into <paramref name="dLogits"/>.</summary>
    public static float LossAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, Span<float> dLogits)
    {
        int batch = labels.Length;
        double loss = 0;
        float scale = 1f / batch;
        for (int n = 0; n < batch; n++)
        {
            var z = logits.Slice(n * classes, classes);
            var d = dLogits.Slice(n * classes, classes);
            // Subtracting the max keeps exp from overflowing; it cancels in the ratio.
            float max = float.NegativeInfinity;
            foreach (float v in z) max = MathF.Max(max, v);
            float sum = 0f;
            for (int k = 0; k < classes; k++)
            {
                d[k] = MathF.Exp(z[k] - max);
                sum += d[k];
            }
            for (int k = 0; k < classes; k++) d[k] = d[k] / sum * scale;
            d[labels[n]] -= scale;
            loss += Math.Log(sum) + max - z[labels[n]];
        }
        return (float)(loss / batch);
    }
}
