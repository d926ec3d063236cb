using System;
using System.Buffers;

namespace ConvNet;

/// <summary>A class and its probability, as <see cref="Inference.TopK(INetwork, ReadOnlySpan{float}, int)"/> returns them.</summary>
/// <param name="Class">The class index, in [0, <see cref="INetwork.OutputLength"/>).</param>
/// <param name="Probability">Its softmax probability.</param>
public readonly record struct ClassScore(int Class, float Probability);

/// <summary>
/// What to do with a trained network's raw scores: the predicted class, softmax probabilities and the top classes, for
/// one sample or a batch (NCHW, as the batch <c>Forward</c> takes it).
/// </summary>
/// <remarks>
/// <para>
/// Every overload that takes a span to write into allocates nothing; the ones that return arrays are for convenience.
/// Lengths are checked before anything is written, and a wrong one throws <see cref="ArgumentException"/> naming the
/// expected length. Each call runs the network's <c>Forward</c> in evaluation mode (<see cref="INetwork.Training"/>
/// false: batch norm uses its running statistics and leaves them alone, dropout passes everything) and restores the
/// caller's mode after, as <see cref="Training.Evaluate"/> does; the network's one-instance-per-thread rule applies.
/// </para>
/// <para>
/// Ties go to the lower class. A NaN score never wins over a number; probabilities of a sample with a NaN score are
/// all NaN (softmax normalises over every score), and top-k lists NaN probabilities last.
/// </para>
/// </remarks>
public static class Inference
{
    // Scores for up to this many classes live on the stack in the overloads that take no buffer.
    private const int StackClasses = 256;

    /// <summary>The index of the highest score; ties go to the lower index, and NaN loses to any number.</summary>
    /// <exception cref="ArgumentException"><paramref name="scores"/> is empty.</exception>
    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        if (scores.IsEmpty) throw new ArgumentException("Expected at least one score.", nameof(scores));
        int best = 0;
        for (int j = 1; j < scores.Length; j++)
        {
            if (Beats(scores[j], scores[best])) best = j;
        }
        return best;
    }

    /// <summary>
    /// Softmax: probabilities[j] = e^(s_j - max) / sum_k e^(s_k - max). Subtracting the maximum keeps every exponent
    /// &lt;= 0, so nothing overflows; the sum is kept in double. <paramref name="probabilities"/> may be the very span
    /// that holds <paramref name="scores"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length, or are empty.</exception>
    public static void Softmax(ReadOnlySpan<float> scores, Span<float> probabilities)
    {
        if (scores.IsEmpty) throw new ArgumentException("Expected at least one score.", nameof(scores));
        Guard.Length(probabilities.Length, scores.Length, nameof(probabilities));
        float max = scores[0];
        for (int j = 1; j < scores.Length; j++) max = MathF.Max(max, scores[j]);
        double sum = 0;
        for (int j = 0; j < scores.Length; j++) sum += Math.Exp(scores[j] - max);
        for (int j = 0; j < scores.Length; j++) probabilities[j] = (float)(Math.Exp(scores[j] - max) / sum);
    }

    /// <summary>
    /// The <c>top.Length</c> highest of <paramref name="probabilities"/> (or any scores), highest first, ties in class order.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="top"/> is empty or longer than <paramref name="probabilities"/>.</exception>
    public static void TopK(ReadOnlySpan<float> probabilities, Span<ClassScore> top)
    {
        if (top.IsEmpty || top.Length > probabilities.Length)
            throw new ArgumentException($"Expected between 1 and {probabilities.Length} places for the top classes, got {top.Length}.", nameof(top));
        // Insertion into a sorted list of k: k is small (a top 5 of 1,000 classes), so this beats a sort and allocates nothing.
        int filled = 0;
        for (int c = 0; c < probabilities.Length; c++)
        {
            float p = probabilities[c];
            if (filled == top.Length && !Beats(p, top[filled - 1].Probability)) continue;
            int position = filled < top.Length ? filled++ : filled - 1;
            while (position > 0 && Beats(p, top[position - 1].Probability))
            {
                top[position] = top[position - 1];
                position--;
            }
            top[position] = new ClassScore(c, p);
        }
    }

    /// <summary>The predicted class of one sample (the highest score).</summary>
    public static int Predict(this INetwork network, ReadOnlySpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(network);
        float[]? rented = null;
        Span<float> scores = network.OutputLength <= StackClasses
            ? stackalloc float[StackClasses]
            : rented = ArrayPool<float>.Shared.Rent(network.OutputLength);
        try
        {
            return network.Predict(input, scores[..network.OutputLength]);
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>The predicted class of one sample; its raw scores are left in <paramref name="scores"/> (length <see cref="INetwork.OutputLength"/>).</summary>
    public static int Predict(this INetwork network, ReadOnlySpan<float> input, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckSample(network, input, scores.Length, nameof(scores));
        Evaluate(network, input, scores);
        return ArgMax(scores);
    }

    /// <summary>The softmax probabilities of one sample's classes.</summary>
    public static float[] Probabilities(this INetwork network, ReadOnlySpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(network);
        var probabilities = new float[network.OutputLength];
        network.Probabilities(input, probabilities);
        return probabilities;
    }

    /// <summary>Writes the softmax probabilities of one sample's classes into <paramref name="probabilities"/> (length <see cref="INetwork.OutputLength"/>).</summary>
    public static void Probabilities(this INetwork network, ReadOnlySpan<float> input, Span<float> probabilities)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckSample(network, input, probabilities.Length, nameof(probabilities));
        Evaluate(network, input, probabilities);
        Softmax(probabilities, probabilities);
    }

    /// <summary>The <paramref name="k"/> most probable classes of one sample, most probable first.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [1, <see cref="INetwork.OutputLength"/>].</exception>
    public static ClassScore[] TopK(this INetwork network, ReadOnlySpan<float> input, int k)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckK(network, k);
        var top = new ClassScore[k];
        network.TopK(input, top, new float[network.OutputLength]);
        return top;
    }

    /// <summary>
    /// Writes the <c>top.Length</c> most probable classes of one sample into <paramref name="top"/>, most probable first;
    /// <paramref name="probabilities"/> (length <see cref="INetwork.OutputLength"/>) receives every class's probability.
    /// </summary>
    public static void TopK(this INetwork network, ReadOnlySpan<float> input, Span<ClassScore> top, Span<float> probabilities)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckK(network, top.Length, nameof(top));
        network.Probabilities(input, probabilities);
        TopK(probabilities, top);
    }

    /// <summary>The predicted class of each of <paramref name="batchSize"/> samples.</summary>
    public static int[] Predict(this INetwork network, ReadOnlySpan<float> inputs, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckBatch(network, inputs, batchSize);
        var scores = NewScores(network, batchSize);
        var classes = new int[batchSize];
        network.Predict(inputs, classes, scores);
        return classes;
    }

    /// <summary>
    /// Writes the predicted class of each sample into <paramref name="classes"/>, whose length is the batch size;
    /// <paramref name="scores"/> (batch size x <see cref="INetwork.OutputLength"/>) receives the raw scores.
    /// </summary>
    public static void Predict(this INetwork network, ReadOnlySpan<float> inputs, Span<int> classes, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(network);
        int batchSize = classes.Length;
        CheckBatch(network, inputs, batchSize);
        Guard.BatchLength(scores.Length, batchSize, network.OutputLength, nameof(scores));
        if (batchSize == 0) return;
        Evaluate(network, inputs, scores, batchSize);
        int n = network.OutputLength;
        for (int i = 0; i < batchSize; i++) classes[i] = ArgMax(scores.Slice(i * n, n));
    }

    /// <summary>The softmax probabilities of each of <paramref name="batchSize"/> samples, one row of <see cref="INetwork.OutputLength"/> per sample.</summary>
    public static float[] Probabilities(this INetwork network, ReadOnlySpan<float> inputs, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckBatch(network, inputs, batchSize);
        var probabilities = NewScores(network, batchSize);
        network.Probabilities(inputs, probabilities, batchSize);
        return probabilities;
    }

    /// <summary>Writes the softmax probabilities of each sample into <paramref name="probabilities"/> (batch size x <see cref="INetwork.OutputLength"/>).</summary>
    public static void Probabilities(this INetwork network, ReadOnlySpan<float> inputs, Span<float> probabilities, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckBatch(network, inputs, batchSize);
        Guard.BatchLength(probabilities.Length, batchSize, network.OutputLength, nameof(probabilities));
        if (batchSize == 0) return;
        Evaluate(network, inputs, probabilities, batchSize);
        int n = network.OutputLength;
        for (int i = 0; i < batchSize; i++) Softmax(probabilities.Slice(i * n, n), probabilities.Slice(i * n, n));
    }

    /// <summary>The <paramref name="k"/> most probable classes of each of <paramref name="batchSize"/> samples, most probable first.</summary>
    public static ClassScore[][] TopK(this INetwork network, ReadOnlySpan<float> inputs, int batchSize, int k)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckBatch(network, inputs, batchSize);
        CheckK(network, k);
        var probabilities = NewScores(network, batchSize);
        var flat = new ClassScore[batchSize * k];
        network.TopK(inputs, flat, probabilities, batchSize);
        var top = new ClassScore[batchSize][];
        for (int i = 0; i < batchSize; i++) top[i] = flat.AsSpan(i * k, k).ToArray();
        return top;
    }

    /// <summary>
    /// Writes the k most probable classes of each sample into <paramref name="top"/> (batch size x k, k =
    /// <c>top.Length / batchSize</c>), most probable first; <paramref name="probabilities"/> (batch size x
    /// <see cref="INetwork.OutputLength"/>) receives every probability.
    /// </summary>
    public static void TopK(this INetwork network, ReadOnlySpan<float> inputs, Span<ClassScore> top, Span<float> probabilities, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckBatch(network, inputs, batchSize);
        if (batchSize == 0)
        {
            Guard.Length(top.Length, 0, nameof(top));
            return;
        }
        if (top.Length % batchSize != 0)
            throw new ArgumentException($"Expected k places per sample ({batchSize} samples), got {top.Length} places in all.", nameof(top));
        int k = top.Length / batchSize;
        CheckK(network, k, nameof(top));
        network.Probabilities(inputs, probabilities, batchSize);
        int n = network.OutputLength;
        for (int i = 0; i < batchSize; i++) TopK(probabilities.Slice(i * n, n), top.Slice(i * k, k));
    }

    // Predictions are evaluation whatever mode a training loop left the network in.
    private static void Evaluate(INetwork network, ReadOnlySpan<float> input, Span<float> output)
    {
        using var mode = new ModeScope(network, training: false);
        network.Forward(input, output);
    }

    private static void Evaluate(INetwork network, ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        using var mode = new ModeScope(network, training: false);
        network.Forward(inputs, outputs, batchSize);
    }

    // The scores of a batch in one array (k <= the class count, so a top-k array of the batch fits whenever this does).
    private static float[] NewScores(INetwork network, int batchSize)
    {
        Guard.BatchArray(batchSize, network.OutputLength, "scores", nameof(batchSize));
        return new float[batchSize * network.OutputLength];
    }

    // a beats b: greater, or a number against NaN. Equal values do not beat, so the earlier class stays ahead.
    private static bool Beats(float a, float b) => a > b || (float.IsNaN(b) && !float.IsNaN(a));

    private static void CheckSample(INetwork network, ReadOnlySpan<float> input, int outputLength, string outputName)
    {
        Guard.Length(input.Length, network.InputLength, nameof(input));
        Guard.Length(outputLength, network.OutputLength, outputName);
    }

    private static void CheckBatch(INetwork network, ReadOnlySpan<float> inputs, int batchSize) =>
        Guard.BatchLength(inputs.Length, batchSize, network.InputLength, nameof(inputs));

    private static void CheckK(INetwork network, int k, string parameter = "k")
    {
        if (k < 1 || k > network.OutputLength)
            throw new ArgumentOutOfRangeException(parameter, k, $"k must be between 1 and the network's {network.OutputLength} classes.");
    }
}
