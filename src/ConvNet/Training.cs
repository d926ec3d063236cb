using System;
using System.Threading;

namespace ConvNet;

/// <summary>The loss a training loop minimises.</summary>
public enum LossKind
{
    /// <summary><see cref="Losses.SoftmaxCrossEntropy(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/>.</summary>
    SoftmaxCrossEntropy,
    /// <summary><see cref="Losses.MulticlassSvm(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/>.</summary>
    MulticlassSvm,
}

/// <summary>A plain minibatch training loop and evaluation over in-memory data sets.</summary>
/// <remarks>
/// Inputs are N samples of <see cref="INetwork.InputLength"/> floats stored one after the other; labels are class
/// indices in [0, <see cref="INetwork.OutputLength"/>). Every argument and label is checked before the first step,
/// so bad data never leaves a half-trained network.
/// </remarks>
public static partial class Training
{
    /// <summary>
    /// One pass over the data in an order shuffled by <paramref name="rng"/>: for each minibatch, zero the gradients,
    /// run Forward, compute the mean loss, run Backward and take one optimizer step. The last batch may be smaller,
    /// unless <paramref name="dropLastPartialBatch"/> leaves it out.
    /// </summary>
    /// <param name="network">The network to train.</param>
    /// <param name="optimizer">Its optimizer, for the network's parameter count.</param>
    /// <param name="inputs">The samples, one after the other.</param>
    /// <param name="labels">Each sample's class.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="rng">Draws the epoch's order.</param>
    /// <param name="loss">The loss to minimise.</param>
    /// <param name="dropLastPartialBatch">Skip the last batch when it is smaller than <paramref name="batchSize"/>, as
    /// PyTorch's <c>DataLoader(drop_last=True)</c>: its samples (a different few each epoch, as the order is shuffled)
    /// sit the epoch out. A batch norm layer after a fully connected one cannot train on a batch of one sample, which
    /// the last batch otherwise is when the sample count is one more than a multiple of the batch size.</param>
    /// <returns>The mean training loss over the samples trained on (each batch's loss taken before its step).</returns>
    /// <remarks>Runs the network in training mode (<see cref="INetwork.Training"/>) and restores the previous mode after.
    /// Every batch is checked before the first step, so an epoch either trains on every batch or changes nothing.</remarks>
    /// <exception cref="ArgumentException">A label is out of range, the lengths disagree, a batch of the epoch is too
    /// small for a batch norm layer in training mode (more than one value per channel is needed), or
    /// <paramref name="dropLastPartialBatch"/> leaves no batch.</exception>
    public static float TrainEpoch(INetwork network, Optimizer optimizer, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels,
        int batchSize, Rng rng, LossKind loss = LossKind.SoftmaxCrossEntropy, bool dropLastPartialBatch = false)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(rng);
        int trained = CheckEpoch(network, optimizer, inputs, labels, batchSize, loss, dropLastPartialBatch);
        var batch = new Batch(network, Math.Min(batchSize, labels.Length));
        using (new ModeScope(network, training: true))
            return (float)(RunEpoch(network, optimizer, inputs, labels, trained, batchSize, rng, loss, batch, null, null, default).LossSum / trained);
    }

    /// <summary>Optimizer steps in one epoch over <paramref name="samples"/> samples in batches of
    /// <paramref name="batchSize"/>: one per batch, the last one partial unless <paramref name="dropLastPartialBatch"/>
    /// leaves it out. Times the epochs, the step count a schedule spans.</summary>
    public static int StepsPerEpoch(int samples, int batchSize, bool dropLastPartialBatch = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return dropLastPartialBatch ? samples / batchSize : (int)(((long)samples + batchSize - 1) / batchSize);
    }

    // Everything TrainEpoch and Fit check before the first step; returns the samples an epoch trains on.
    private static int CheckEpoch(INetwork network, Optimizer optimizer, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels,
        int batchSize, LossKind loss, bool dropLastPartialBatch)
    {
        Check(network, inputs, labels, batchSize, loss);
        Guard.Length(optimizer.ParameterCount, network.Parameters.Length, nameof(optimizer));
        int trained = labels.Length, partial = labels.Length % batchSize;
        if (dropLastPartialBatch)
        {
            if (labels.Length < batchSize)
                throw new ArgumentException(
                    $"{labels.Length} samples make no full batch of {batchSize}, and dropLastPartialBatch drops the partial one: nothing would train.", nameof(labels));
            trained -= partial;
            partial = 0;
        }
        CheckBatchNorm(network, Math.Min(batchSize, trained), "A batch", "use a larger batch");
        if (partial > 0 && labels.Length > batchSize)
            CheckBatchNorm(network, partial, $"The last batch ({labels.Length} samples = {labels.Length / batchSize} x {batchSize} + {partial})",
                "choose another batch size, or pass dropLastPartialBatch: true");
        return trained;
    }

    // Told after every step: the batch's number in the epoch (from 1), the samples done, the sum of their losses and the
    // step's learning rate.
    private delegate void BatchDone(int batch, int samples, double lossSum, float learningRate);

    // One epoch in training mode (the caller's scope) over the first `trained` samples of a fresh order; each sample is
    // copied (or augmented) into the batch. Returns early, after a whole step, when `cancel` is signalled.
    private static (double LossSum, int Done) RunEpoch(INetwork network, Optimizer optimizer, ReadOnlySpan<float> inputs,
        ReadOnlySpan<int> labels, int trained, int batchSize, Rng rng, LossKind loss, Batch batch, IAugmentation? augmentation,
        BatchDone? batchDone, CancellationToken cancel)
    {
        // The order is drawn over every sample, dropped ones included, so dropping the partial batch leaves out a
        // different few each epoch.
        var order = new int[labels.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        int length = batch.InputLength;
        double total = 0;
        for (int start = 0, index = 1; start < trained; start += batchSize, index++)
        {
            int count = Math.Min(batchSize, trained - start);
            for (int k = 0; k < count; k++)
            {
                int sample = order[start + k];
                var source = inputs.Slice(sample * length, length);
                var destination = batch.Inputs.AsSpan(k * length, length);
                if (augmentation is null) source.CopyTo(destination);
                else augmentation.Apply(source, destination, network.InputShape, rng);
                batch.Labels[k] = labels[sample];
            }
            network.ZeroGradients();
            total += batch.ForwardAndLoss(batch.Inputs, batch.Labels, count, loss) * count;
            network.Backward(batch.OutputGradients.AsSpan(0, count * batch.OutputLength), Span<float>.Empty, count);
            float learningRate = optimizer.LearningRate;
            optimizer.Step(network);
            batchDone?.Invoke(index, start + count, total, learningRate);
            if (cancel.IsCancellationRequested) return (total, start + count);
        }
        return (total, trained);
    }

    // Training batch norm needs more than one value per channel; a batch that has not would throw in the middle of the
    // epoch, after earlier batches had stepped.
    private static void CheckBatchNorm(INetwork network, int size, string which, string remedy)
    {
        foreach (var layer in network.Layers)
        {
            if (layer.UsesBatchStatistics
                && Guard.BatchNormTrainingProblem(size, layer.Name, layer.Output.Height, layer.Output.Width) is { } problem)
                throw new ArgumentException(
                    $"{which} has {size} sample{(size == 1 ? "" : "s")}. {problem} Every batch is checked before the first step: {remedy}.",
                    "batchSize");
        }
    }

    /// <summary>Mean loss and accuracy (fraction of samples whose highest score is the label, as <see cref="Inference.ArgMax"/> picks it).</summary>
    /// <remarks>Runs the network in evaluation mode (<see cref="INetwork.Training"/> false) and restores the previous mode after.</remarks>
    public static (float Loss, float Accuracy) Evaluate(INetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels,
        int batchSize, LossKind loss = LossKind.SoftmaxCrossEntropy)
    {
        Check(network, inputs, labels, batchSize, loss);
        var batch = new Batch(network, Math.Min(batchSize, labels.Length));
        double total = 0;
        int correct = 0;
        using (new ModeScope(network, training: false))
        {
            for (int start = 0; start < labels.Length; start += batchSize)
            {
                int count = Math.Min(batchSize, labels.Length - start);
                var batchLabels = labels.Slice(start, count);
                total += batch.ForwardAndLoss(inputs.Slice(start * batch.InputLength), batchLabels, count, loss) * count;
                for (int k = 0; k < count; k++)
                {
                    if (Inference.ArgMax(batch.Outputs.AsSpan(k * batch.OutputLength, batch.OutputLength)) == batchLabels[k]) correct++;
                }
            }
        }
        return ((float)(total / labels.Length), (float)correct / labels.Length);
    }

    private static void Check(INetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize, LossKind loss)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (loss is not (LossKind.SoftmaxCrossEntropy or LossKind.MulticlassSvm))
            throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss.");
        if (labels.IsEmpty)
            throw new ArgumentException("Expected at least one sample.", nameof(labels));
        Guard.BatchLength(inputs.Length, labels.Length, network.InputLength, nameof(inputs));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)network.OutputLength)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"labels[{i}] must be in [0, {network.OutputLength}).");
        }
    }

    // Buffers for one minibatch, allocated once per call; evaluation reads its inputs and labels in place.
    private sealed class Batch(INetwork network, int size)
    {
        public int InputLength { get; } = network.InputLength;
        public int OutputLength { get; } = network.OutputLength;
        public float[] Inputs { get; } = new float[size * network.InputLength];
        public int[] Labels { get; } = new int[size];
        public float[] Outputs { get; } = new float[size * network.OutputLength];
        public float[] OutputGradients { get; } = new float[size * network.OutputLength];

        public float ForwardAndLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int count, LossKind loss)
        {
            var outputs = Outputs.AsSpan(0, count * OutputLength);
            network.Forward(inputs[..(count * InputLength)], outputs, count);
            labels = labels[..count];
            var gradients = OutputGradients.AsSpan(0, count * OutputLength);
            return loss == LossKind.SoftmaxCrossEntropy
                ? Losses.SoftmaxCrossEntropy(outputs, labels, OutputLength, gradients)
                : Losses.MulticlassSvm(outputs, labels, OutputLength, gradients);
        }
    }
}

// Puts a network in a mode for a using block and gives back the caller's mode at its end, exception or not.
internal readonly struct ModeScope : IDisposable
{
    private readonly INetwork _network;
    private readonly bool _callerMode;

    public ModeScope(INetwork network, bool training)
    {
        _network = network;
        _callerMode = network.Training;
        network.Training = training;
    }

    public void Dispose() => _network.Training = _callerMode;
}
