using System;

namespace ConvNet;

/// <summary>
/// Classification losses over raw scores (the network's output, no softmax applied), each returning the loss and
/// writing its gradient with respect to the scores, ready to pass to <see cref="INetwork.Backward(ReadOnlySpan{float}, Span{float})"/>.
/// </summary>
/// <remarks>
/// Every argument is checked before anything is written. Nothing is allocated. The gradient span may be the very
/// span that holds the scores (in-place), but must not otherwise overlap it. Batch overloads take N samples of
/// <c>classes</c> scores stored one after the other (row-major N x classes), return the mean loss over the batch
/// and write the gradient of that mean, so each sample's gradient is divided by N.
/// </remarks>
public static class Losses
{
    /// <summary>
    /// Softmax cross-entropy for one sample: L = log(sum_j e^s_j) - s_label; dL/ds_j = softmax(s)_j - [j == label].
    /// </summary>
    /// <param name="scores">Raw class scores.</param>
    /// <param name="label">Index of the correct class.</param>
    /// <param name="gradient">Receives dL/dscores; same length as <paramref name="scores"/>.</param>
    /// <returns>The loss.</returns>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> scores, int label, Span<float> gradient)
    {
        CheckSample(scores, label, gradient);
        return (float)SoftmaxCrossEntropyCore(scores, label, gradient, 1f);
    }

    /// <summary>Softmax cross-entropy averaged over a batch; see <see cref="SoftmaxCrossEntropy(ReadOnlySpan{float}, int, Span{float})"/>.</summary>
    /// <param name="scores">N x <paramref name="classes"/> raw scores, row-major.</param>
    /// <param name="labels">The correct class of each of the N samples; N &gt;= 1.</param>
    /// <param name="classes">Scores per sample.</param>
    /// <param name="gradients">Receives the gradient of the mean loss; same length as <paramref name="scores"/>.</param>
    /// <returns>The mean loss over the batch.</returns>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, int classes, Span<float> gradients) =>
        Mean<CrossEntropy>(scores, labels, classes, gradients);

    /// <summary>
    /// Multiclass SVM (hinge) loss for one sample, margin 1 as in CS231n: L = sum over j != label of max(0, s_j - s_label + 1).
    /// </summary>
    /// <remarks>At a hinge (s_j - s_label + 1 exactly 0) the subgradient taken is 0, as in CS231n's reference code. A
    /// sample with a NaN score (or a NaN margin, as +inf - +inf gives) has loss NaN and an all-NaN gradient, as softmax
    /// cross-entropy has, so a diverged network shows in the loss instead of training on quietly.</remarks>
    /// <param name="scores">Raw class scores.</param>
    /// <param name="label">Index of the correct class.</param>
    /// <param name="gradient">Receives dL/dscores; same length as <paramref name="scores"/>.</param>
    /// <returns>The loss.</returns>
    public static float MulticlassSvm(ReadOnlySpan<float> scores, int label, Span<float> gradient)
    {
        CheckSample(scores, label, gradient);
        return (float)MulticlassSvmCore(scores, label, gradient, 1f);
    }

    /// <summary>Multiclass SVM loss averaged over a batch; see <see cref="MulticlassSvm(ReadOnlySpan{float}, int, Span{float})"/>.</summary>
    /// <param name="scores">N x <paramref name="classes"/> raw scores, row-major.</param>
    /// <param name="labels">The correct class of each of the N samples; N &gt;= 1.</param>
    /// <param name="classes">Scores per sample.</param>
    /// <param name="gradients">Receives the gradient of the mean loss; same length as <paramref name="scores"/>.</param>
    /// <returns>The mean loss over the batch.</returns>
    public static float MulticlassSvm(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, int classes, Span<float> gradients) =>
        Mean<Svm>(scores, labels, classes, gradients);

    private interface ILoss
    {
        static abstract double Core(ReadOnlySpan<float> scores, int label, Span<float> gradient, float scale);
    }

    private struct CrossEntropy : ILoss
    {
        public static double Core(ReadOnlySpan<float> scores, int label, Span<float> gradient, float scale) =>
            SoftmaxCrossEntropyCore(scores, label, gradient, scale);
    }

    private struct Svm : ILoss
    {
        public static double Core(ReadOnlySpan<float> scores, int label, Span<float> gradient, float scale) =>
            MulticlassSvmCore(scores, label, gradient, scale);
    }

    // One batch loop for every loss; the static interface call is resolved at JIT time, so it costs nothing.
    private static float Mean<TLoss>(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, int classes, Span<float> gradients)
        where TLoss : struct, ILoss
    {
        CheckBatch(scores, labels, classes, gradients);
        float scale = 1f / labels.Length;
        double total = 0;
        for (int n = 0; n < labels.Length; n++)
            total += TLoss.Core(scores.Slice(n * classes, classes), labels[n], gradients.Slice(n * classes, classes), scale);
        return (float)(total / labels.Length);
    }

    // Subtracting the maximum keeps every exponent <= 0, so nothing overflows and the largest term is exactly 1;
    // the sum is kept in double because it is also the log's argument.
    private static double SoftmaxCrossEntropyCore(ReadOnlySpan<float> scores, int label, Span<float> gradient, float scale)
    {
        float max = scores[0];
        for (int j = 1; j < scores.Length; j++) max = MathF.Max(max, scores[j]);
        double sum = 0;
        for (int j = 0; j < scores.Length; j++) sum += Math.Exp(scores[j] - max);
        double logSumExp = Math.Log(sum);
        // Read before the gradient is written: the two may share memory.
        double loss = logSumExp - (scores[label] - max);
        for (int j = 0; j < scores.Length; j++)
        {
            double probability = Math.Exp(scores[j] - max - logSumExp);
            gradient[j] = (float)((probability - (j == label ? 1 : 0)) * scale);
        }
        return loss;
    }

    private static double MulticlassSvmCore(ReadOnlySpan<float> scores, int label, Span<float> gradient, float scale)
    {
        // Read before the gradient is written: the two may share memory.
        float correct = scores[label];
        // A NaN margin compares false with 0 and would count as no violation: loss 0, gradient 0, the NaN hidden.
        bool nan = float.IsNaN(correct);
        for (int j = 0; j < scores.Length && !nan; j++) nan = float.IsNaN(scores[j] - correct);
        if (nan)
        {
            gradient.Fill(float.NaN);
            return double.NaN;
        }
        double loss = 0;
        int violations = 0;
        for (int j = 0; j < scores.Length; j++)
        {
            if (j == label) continue;
            float margin = scores[j] - correct + 1f;
            bool violated = margin > 0f;
            if (violated)
            {
                loss += margin;
                violations++;
            }
            gradient[j] = violated ? scale : 0f;
        }
        gradient[label] = -violations * scale;
        return loss;
    }

    private static void CheckSample(ReadOnlySpan<float> scores, int label, Span<float> gradient)
    {
        if (scores.IsEmpty)
            throw new ArgumentException("Expected at least one class score.", nameof(scores));
        Guard.Length(gradient.Length, scores.Length, nameof(gradient));
        if ((uint)label >= (uint)scores.Length)
            throw new ArgumentOutOfRangeException(nameof(label), label, $"The label must be in [0, {scores.Length}).");
    }

    private static void CheckBatch(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, int classes, Span<float> gradients)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (labels.IsEmpty)
            throw new ArgumentException("Expected at least one label: the mean loss of an empty batch is undefined.", nameof(labels));
        Guard.BatchLength(scores.Length, labels.Length, classes, nameof(scores));
        Guard.Length(gradients.Length, scores.Length, nameof(gradients));
        for (int n = 0; n < labels.Length; n++)
        {
            if ((uint)labels[n] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[n], $"labels[{n}] must be in [0, {classes}).");
        }
    }
}
