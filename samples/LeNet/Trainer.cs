using System;
using System.Diagnostics;
using System.Threading;
using ConvNet;

namespace LeNet;

/// <summary>What one epoch did: mean training loss, loss and accuracy on the evaluation set, and its timing.</summary>
public sealed record EpochResult(int Epoch, float TrainLoss, float EvalLoss, float EvalAccuracy, int Images, TimeSpan TrainTime)
{
    public double ImagesPerSecond => Images / TrainTime.TotalSeconds;
}

/// <summary>
/// Minibatch training with the recipe's augmentation and learning-rate schedule.
/// </summary>
/// <remarks>
/// <see cref="Training.TrainEpoch"/> runs a plain loop; this one differs in two ways the recipe needs: each digit is
/// randomly shifted as it is copied into the batch, and the learning rate follows the recipe's schedule. Evaluation is
/// <see cref="Training.Evaluate"/> as it is.
/// </remarks>
public sealed class Trainer
{
    private const int EvaluationBatch = 500;

    private readonly INetwork _network;
    private readonly TrainingOptions _options;
    private readonly Optimizer _optimizer;
    private readonly Rng _rng;
    private readonly float[] _inputs;
    private readonly int[] _labels;
    private readonly float[] _outputs;
    private readonly float[] _outputGradients;

    public Trainer(INetwork network, TrainingOptions options, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        _network = network;
        _options = options;
        _optimizer = options.Optimizer switch
        {
            OptimizerKind.Sgd => new Sgd(network.Parameters.Length, options.LearningRate, Recipe.Momentum, nesterov: true),
            OptimizerKind.Adam => new Adam(network.Parameters.Length, options.LearningRate),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };
        long totalSteps = (long)options.Epochs * ((trainingCount + options.BatchSize - 1) / options.BatchSize);
        _optimizer.Schedule = Recipe.ScheduleFor(options.Schedule, options.LearningRate, totalSteps);
        // Its own stream, apart from the weights' seed, so changing the augmentation leaves the initial weights alone.
        _rng = new Rng(unchecked((ulong)options.Seed * 0x9E3779B97F4A7C15UL + 1));
        Checkpoint = new Checkpoint(network, _optimizer, _rng);
        int batch = Math.Min(options.BatchSize, trainingCount);
        _inputs = new float[batch * network.InputLength];
        _labels = new int[batch];
        _outputs = new float[batch * network.OutputLength];
        _outputGradients = new float[batch * network.OutputLength];
    }

    /// <summary>Everything a run must carry over to resume exactly: weights, optimizer state and schedule position, and the
    /// generator behind the shuffling and the shifts.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>Digits trained on so far in the current (or last) epoch.</summary>
    public int DigitsDone { get; private set; }

    /// <summary>Whether every weight is still a finite number (a learning rate far too high turns them into NaN).</summary>
    public bool WeightsAreFinite()
    {
        foreach (float w in _network.Parameters)
        {
            if (!float.IsFinite(w)) return false;
        }
        return true;
    }

    /// <summary>
    /// Trains one epoch over <paramref name="train"/> in a fresh random order, then evaluates on <paramref name="evaluation"/>.
    /// <paramref name="onBatch"/> receives the digits done so far and the mean loss so far, after every step.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was signalled; it is checked after each
    /// optimizer step, so the weights are those of the last whole step.</exception>
    public EpochResult RunEpoch(int epoch, DigitSet train, DigitSet evaluation, Action<int, float>? onBatch = null, CancellationToken stop = default)
    {
        var clock = Stopwatch.StartNew();
        var order = Shuffled(train.Count);
        int batchSize = _options.BatchSize, inputLength = _network.InputLength, outputLength = _network.OutputLength;
        double lossSum = 0;
        DigitsDone = 0;
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int count = Math.Min(batchSize, order.Length - start);
            for (int k = 0; k < count; k++)
            {
                int digit = order[start + k];
                var destination = _inputs.AsSpan(k * inputLength, inputLength);
                if (_options.MaxShift > 0)
                    Augmentation.RandomShift(train.Image(digit), MnistData.Side, MnistData.Side, _options.MaxShift, MnistData.Background, _rng, destination);
                else
                    train.Image(digit).CopyTo(destination);
                _labels[k] = train.Labels[digit];
            }

            var outputs = _outputs.AsSpan(0, count * outputLength);
            var gradients = _outputGradients.AsSpan(0, count * outputLength);
            _network.ZeroGradients();
            _network.Forward(_inputs.AsSpan(0, count * inputLength), outputs, count);
            lossSum += Losses.SoftmaxCrossEntropy(outputs, _labels.AsSpan(0, count), outputLength, gradients) * count;
            _network.Backward(gradients, Span<float>.Empty, count);
            _optimizer.Step(_network);
            DigitsDone = start + count;
            onBatch?.Invoke(start + count, (float)(lossSum / (start + count)));
            stop.ThrowIfCancellationRequested();
        }
        var trainTime = clock.Elapsed;
        var (evalLoss, evalAccuracy) = Evaluate(_network, evaluation);
        return new EpochResult(epoch, (float)(lossSum / order.Length), evalLoss, evalAccuracy, order.Length, trainTime);
    }

    public static (float Loss, float Accuracy) Evaluate(INetwork network, DigitSet set) =>
        Training.Evaluate(network, set.Images, set.Labels, EvaluationBatch);

    private int[] Shuffled(int count)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = _rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
