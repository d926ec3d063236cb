using System;
using System.ComponentModel;

namespace ConvNet;

/// <summary>Infrastructure of generated networks, not meant for your code: argument checks they share, so every misuse
/// fails the same clear way before anything is written.</summary>
/// <remarks>Public only because the code generated into your assembly calls it; hidden from IntelliSense.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Guard
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void Length(int actual, int expected, string parameter)
    {
        if (actual != expected)
            throw new ArgumentException($"Expected a span of length {expected}, got {actual}.", parameter);
    }

    /// <summary>Checks a batch size and that a batch span holds exactly <paramref name="batchSize"/> samples of <paramref name="sampleLength"/>.</summary>
    public static void BatchLength(int actual, int batchSize, int sampleLength, string parameter)
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must not be negative.");
        long expected = (long)batchSize * sampleLength;
        if (actual != expected)
            throw new ArgumentException(
                $"Expected a span of length {expected} ({batchSize} samples of {sampleLength}), got {actual}.", parameter);
    }

    /// <summary>
    /// Why a training-mode batch of <paramref name="batchSize"/> samples cannot pass batch norm layer
    /// <paramref name="layer"/>, whose output has <paramref name="height"/> x <paramref name="width"/> values per channel
    /// and sample; null when it can. Training batch norm normalises each channel over the batch, so it needs more than
    /// one value per channel, as PyTorch does.
    /// </summary>
    public static string? BatchNormTrainingProblem(int batchSize, string layer, int height, int width)
    {
        long values = (long)batchSize * height * width;
        if (values > 1) return null;
        return $"In training mode batch norm '{layer}' normalises each channel over the batch and its {height}x{width} values, " +
            $"and batch size {batchSize} leaves {(values == 0 ? "no value" : "one value")} per channel: expected more than 1 value per channel when training.";
    }

    /// <summary>
    /// Checks that a batch's per-sample workspaces (<paramref name="batchSize"/> x <paramref name="floatsPerSample"/>
    /// floats) fit in one array, so a batch method can index them with 32-bit offsets; throws
    /// <see cref="ArgumentException"/> naming the limit and the largest batch that fits otherwise.
    /// </summary>
    /// <param name="batchSize">Samples in the batch (not negative: check it with <see cref="BatchLength"/> first).</param>
    /// <param name="floatsPerSample">Floats one sample's workspace holds (a generated network's <c>ActivationLength</c>).</param>
    /// <param name="parameter">The name of the batch size parameter, for the exception.</param>
    public static void BatchWorkspace(int batchSize, int floatsPerSample, string parameter) =>
        BatchArray(batchSize, floatsPerSample, "activations", parameter);

    // The same for any per-sample array of a batch (what: "activations", "scores"), so every such limit reads alike.
    internal static void BatchArray(int batchSize, int floatsPerSample, string what, string parameter)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(floatsPerSample);
        long floats = (long)batchSize * floatsPerSample;
        if (floats > Array.MaxLength)
            throw new ArgumentException(
                $"A batch of {batchSize:N0} samples needs {batchSize:N0} x {floatsPerSample:N0} = {floats:N0} floats of {what}, " +
                $"more than one array holds ({Array.MaxLength:N0}); this network takes at most {Array.MaxLength / floatsPerSample:N0} samples per call.",
                parameter);
    }
}
