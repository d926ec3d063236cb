using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ConvNet;

/// <summary>
/// How a classifier did on a labelled set: accuracy, per-class precision and recall, the confusion matrix, and which
/// samples it got wrong.
/// </summary>
/// <remarks>
/// Precision of class c is the fraction of the samples predicted as c that are c; recall is the fraction of the samples
/// labelled c that were predicted as c. Either is NaN where it is undefined: no sample predicted as c (precision), or no
/// sample labelled c (recall), as a 0 there would read as a failure that did not happen.
/// </remarks>
public sealed class ClassificationReport
{
    private readonly int[] _labels;
    private readonly int[] _predictions;
    private readonly int[,] _confusion;

    private ClassificationReport(int[] labels, int[] predictions, int classCount)
    {
        _labels = labels;
        _predictions = predictions;
        ClassCount = classCount;
        _confusion = new int[classCount, classCount];
        var wrong = new List<int>();
        for (int i = 0; i < labels.Length; i++)
        {
            _confusion[labels[i], predictions[i]]++;
            if (labels[i] == predictions[i]) Correct++;
            else wrong.Add(i);
        }
        Misclassified = wrong;
    }

    /// <summary>Runs <paramref name="network"/> over a labelled set, <paramref name="batchSize"/> samples per batch
    /// <c>Forward</c>, and reports on its predictions (<see cref="Inference.Predict(INetwork, ReadOnlySpan{float}, Span{int}, Span{float})"/>).
    /// Like <see cref="Training.Evaluate"/>, it runs the network in evaluation mode and restores the previous mode after.</summary>
    /// <param name="network">The classifier.</param>
    /// <param name="inputs">N samples of <see cref="INetwork.InputLength"/> floats, one after the other.</param>
    /// <param name="labels">The N labels, each in [0, <see cref="INetwork.OutputLength"/>).</param>
    /// <param name="batchSize">Samples per batch Forward, &gt;= 1.</param>
    /// <exception cref="ArgumentException">The lengths do not fit, or the set is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range, or the batch size is not positive.</exception>
    public static ClassificationReport Evaluate(INetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Guard.BatchLength(inputs.Length, labels.Length, network.InputLength, nameof(inputs));
        CheckLabels(labels, network.OutputLength, nameof(labels));
        var predictions = new int[labels.Length];
        var scores = new float[Math.Min(batchSize, labels.Length) * network.OutputLength];
        bool mode = network.Training;
        network.Training = false;
        try
        {
            for (int start = 0; start < labels.Length; start += batchSize)
            {
                int count = Math.Min(batchSize, labels.Length - start);
                network.Predict(inputs.Slice(start * network.InputLength, count * network.InputLength),
                    predictions.AsSpan(start, count), scores.AsSpan(0, count * network.OutputLength));
            }
        }
        finally
        {
            network.Training = mode;
        }
        return new ClassificationReport(labels.ToArray(), predictions, network.OutputLength);
    }

    /// <summary>Reports on predictions made elsewhere.</summary>
    /// <param name="labels">The true class of each sample.</param>
    /// <param name="predictions">The predicted class of each sample; as many as labels.</param>
    /// <param name="classCount">Number of classes, &gt;= 1; every label and prediction is in [0, classCount).</param>
    public static ClassificationReport FromPredictions(ReadOnlySpan<int> labels, ReadOnlySpan<int> predictions, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        Guard.Length(predictions.Length, labels.Length, nameof(predictions));
        CheckLabels(labels, classCount, nameof(labels));
        CheckLabels(predictions, classCount, nameof(predictions));
        return new ClassificationReport(labels.ToArray(), predictions.ToArray(), classCount);
    }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }
    /// <summary>Number of samples.</summary>
    public int SampleCount => _labels.Length;
    /// <summary>Samples predicted correctly.</summary>
    public int Correct { get; }
    /// <summary>Fraction of samples predicted correctly.</summary>
    public float Accuracy => (float)Correct / SampleCount;
    /// <summary>The true class of each sample, in sample order.</summary>
    public IReadOnlyList<int> Labels => _labels;
    /// <summary>The predicted class of each sample, in sample order.</summary>
    public IReadOnlyList<int> Predictions => _predictions;
    /// <summary>Indices of the samples predicted wrongly, in sample order.</summary>
    public IReadOnlyList<int> Misclassified { get; }

    /// <summary>Number of samples labelled <paramref name="label"/> and predicted as <paramref name="predicted"/>.</summary>
    public int Confusion(int label, int predicted)
    {
        CheckClass(label, nameof(label));
        CheckClass(predicted, nameof(predicted));
        return _confusion[label, predicted];
    }

    /// <summary>The confusion matrix as a new array: rows are true classes, columns predicted classes (scikit-learn's order).</summary>
    public int[,] ConfusionMatrix() => (int[,])_confusion.Clone();

    /// <summary>Samples labelled <paramref name="label"/> (the row's sum).</summary>
    public int Support(int label)
    {
        CheckClass(label, nameof(label));
        int sum = 0;
        for (int p = 0; p < ClassCount; p++) sum += _confusion[label, p];
        return sum;
    }

    /// <summary>Of the samples predicted as class <paramref name="c"/>, the fraction labelled <paramref name="c"/>; NaN if none was predicted as c.</summary>
    public float Precision(int c)
    {
        CheckClass(c, nameof(c));
        int predicted = 0;
        for (int l = 0; l < ClassCount; l++) predicted += _confusion[l, c];
        return predicted == 0 ? float.NaN : (float)_confusion[c, c] / predicted;
    }

    /// <summary>Of the samples labelled <paramref name="c"/>, the fraction predicted as <paramref name="c"/>; NaN if none is labelled c.</summary>
    public float Recall(int c)
    {
        int support = Support(c);
        return support == 0 ? float.NaN : (float)_confusion[c, c] / support;
    }

    /// <summary>A plain-text table: accuracy, then precision, recall and support per class, then the confusion matrix.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.Append(culture, $"accuracy {100.0 * Accuracy:F2}% ({Correct} of {SampleCount})\n");
        text.Append("class  precision  recall  support\n");
        for (int c = 0; c < ClassCount; c++)
            text.Append(culture, $"{c,5}  {Percent(Precision(c)),9}  {Percent(Recall(c)),6}  {Support(c),7}\n");
        text.Append("confusion (rows: label, columns: predicted)\n");
        int width = Math.Max(SampleCount.ToString(culture).Length, ClassCount.ToString(culture).Length) + 2;
        text.Append(' ', 5);
        for (int p = 0; p < ClassCount; p++) text.Append(p.ToString(culture).PadLeft(width));
        text.Append('\n');
        for (int l = 0; l < ClassCount; l++)
        {
            text.Append(l.ToString(culture).PadLeft(5));
            for (int p = 0; p < ClassCount; p++) text.Append(_confusion[l, p].ToString(culture).PadLeft(width));
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Percent(float fraction) =>
        float.IsNaN(fraction) ? "n/a" : (100.0 * fraction).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private void CheckClass(int c, string parameter)
    {
        if ((uint)c >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(parameter, c, $"Must be a class in [0, {ClassCount}).");
    }

    private static void CheckLabels(ReadOnlySpan<int> classes, int classCount, string parameter)
    {
        if (classes.IsEmpty) throw new ArgumentException("Expected at least one sample.", parameter);
        for (int i = 0; i < classes.Length; i++)
        {
            if ((uint)classes[i] >= (uint)classCount)
                throw new ArgumentOutOfRangeException(parameter, classes[i], $"{parameter}[{i}] must be in [0, {classCount}).");
        }
    }
}
