using System;

namespace ConvNet;

/// <summary>Labeled samples in memory: <see cref="Count"/> samples of <see cref="SampleLength"/> floats (CHW) stored one
/// after the other, and each sample's class.</summary>
/// <remarks>The arrays are kept, not copied: changing them changes the data set.</remarks>
public sealed class Dataset
{
    /// <summary>A data set over <paramref name="inputs"/> and <paramref name="labels"/>.</summary>
    /// <param name="inputs">The samples, one after the other; its length is a multiple of the label count.</param>
    /// <param name="labels">Each sample's class, &gt;= 0 (the network's output length bounds it when training).</param>
    /// <exception cref="ArgumentException">There are no labels, the input length is no multiple of the label count, or a label is negative.</exception>
    public Dataset(float[] inputs, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length == 0)
            throw new ArgumentException("Expected at least one sample.", nameof(labels));
        if (inputs.Length == 0 || inputs.Length % labels.Length != 0)
            throw new ArgumentException($"{inputs.Length} floats do not divide into {labels.Length} samples of equal length.", nameof(inputs));
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"labels[{i}] is negative.");
        }
        Inputs = inputs;
        Labels = labels;
        SampleLength = inputs.Length / labels.Length;
    }

    /// <summary>The samples, one after the other.</summary>
    public float[] Inputs { get; }

    /// <summary>Each sample's class.</summary>
    public int[] Labels { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Floats in one sample.</summary>
    public int SampleLength { get; }

    /// <summary>The floats of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Sample(int index) => Inputs.AsSpan(checked(index * SampleLength), SampleLength);

    /// <summary>The samples at <paramref name="indices"/>, in that order, copied into a new data set.</summary>
    /// <exception cref="ArgumentException"><paramref name="indices"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        if (indices.IsEmpty)
            throw new ArgumentException("Expected at least one index.", nameof(indices));
        var inputs = new float[indices.Length * SampleLength];
        var labels = new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            if ((uint)indices[k] >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[k], $"indices[{k}] must be in [0, {Count}).");
            Sample(indices[k]).CopyTo(inputs.AsSpan(k * SampleLength));
            labels[k] = Labels[indices[k]];
        }
        return new Dataset(inputs, labels);
    }
}

/// <summary>
/// A random change of a training sample (a shift, a flip, a crop), drawn anew each time the sample enters a batch, so
/// the network sees a slightly different sample every epoch. <see cref="Training.Fit"/> applies it from the run's seeded
/// generator, so a run is reproducible.
/// </summary>
public interface IAugmentation
{
    /// <summary>Writes a randomly changed copy of <paramref name="sample"/> into <paramref name="destination"/>, drawing
    /// from <paramref name="rng"/> only.</summary>
    /// <param name="sample">One sample of <paramref name="shape"/> (CHW).</param>
    /// <param name="destination">As long as <paramref name="sample"/>; must not overlap it.</param>
    /// <param name="shape">The sample's shape: the network's <see cref="INetwork.InputShape"/>.</param>
    /// <param name="rng">The run's generator.</param>
    void Apply(ReadOnlySpan<float> sample, Span<float> destination, Shape shape, Rng rng);
}
