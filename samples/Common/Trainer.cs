using System;
using System.Diagnostics;
using System.Threading;
using ConvNet;

namespace Samples.Common;

/// <summary>What one epoch did: mean training loss, loss and accuracy on the evaluation set, and its timing.</summary>
/// <param name="Epoch">The epoch, counting from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch (each step's loss taken before its update).</param>
/// <param name="EvalLoss">Mean loss on the evaluation set after the epoch.</param>
/// <param name="EvalAccuracy">Fraction of the evaluation set classified correctly after the epoch.</param>
/// <param name="Images">Training digits processed.</param>
/// <param name="TrainTime">Time spent training (batch assembly, steps), evaluation excluded.</param>
public sealed record EpochResult(int Epoch, float TrainLoss, float EvalLoss, float EvalAccuracy, int Images, TimeSpan TrainTime)
{
    /// <summary>Training throughput of the epoch.</summary>
    public double ImagesPerSecond => Images / TrainTime.TotalSeconds;
}

/// <summary>
/// What <see cref="Trainer"/> trains: one optimisation step on a batch, and evaluation. <see cref="NetworkModel"/> is a
/// ConvNet network; the benchmarks put another framework behind the same loop to compare like with like.
/// </summary>
public interface ITrainableModel
{
    /// <summary>Floats in one input sample.</summary>
    int InputLength { get; }

    /// <summary>
    /// One step in training mode on the first <paramref name="count"/> samples of <paramref name="inputs"/> (NCHW)
    /// and <paramref name="labels"/>: forward, mean softmax cross-entropy, backward, and an optimizer update at the
    /// learning rate the run's schedule gives this step. Returns the loss before the update.
    /// </summary>
    float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int count);

    /// <summary>Mean loss and accuracy on <paramref name="set"/>, in evaluation mode.</summary>
    (float Loss, float Accuracy) Evaluate(DigitSet set);

    /// <summary>Whether every weight is still a finite number (a learning rate far too high turns them into NaN).</summary>
    bool WeightsAreFinite();
}

/// <summary>A ConvNet network with the optimizer and learning-rate schedule the options ask for.</summary>
/// <remarks>
/// <see cref="Training.TrainEpoch"/> runs a plain loop with one learning rate and no augmentation, so the recipe's loop
/// is <see cref="Trainer"/>; a step switches the network to training mode (batch norm on batch statistics, dropout
/// dropping) as TrainEpoch does, and restores the previous mode after, so single-sample Forward calls made between
/// steps, or after training, run in evaluation mode. Evaluation is <see cref="Training.Evaluate"/>, in evaluation mode.
/// </remarks>
public sealed class NetworkModel : ITrainableModel
{
    private const int EvaluationBatch = 500;

    private readonly INetwork _network;
    private readonly float[] _outputs;
    private readonly float[] _outputGradients;

    /// <summary>Trains <paramref name="network"/> with <paramref name="options"/>' optimizer, whose schedule spans the
    /// run's epochs over <paramref name="trainingCount"/> digits.</summary>
    public NetworkModel(INetwork network, TrainingOptions options, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trainingCount);
        _network = network;
        Optimizer = options.Optimizer switch
        {
            OptimizerKind.Sgd => new Sgd(network.Parameters.Length, options.LearningRate, Recipe.Momentum, nesterov: true),
            OptimizerKind.Adam => new Adam(network.Parameters.Length, options.LearningRate),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };
        Optimizer.Schedule = Recipe.ScheduleFor(options.Schedule, options.LearningRate, TotalSteps(options, trainingCount));
        int batch = Math.Min(options.BatchSize, trainingCount);
        _outputs = new float[batch * network.OutputLength];
        _outputGradients = new float[batch * network.OutputLength];
    }

    /// <summary>The network trained.</summary>
    public INetwork Network => _network;

    /// <summary>The optimizer; its step count is the schedule's position (a checkpoint carries both).</summary>
    public Optimizer Optimizer { get; }

    /// <inheritdoc/>
    public int InputLength => _network.InputLength;

    /// <summary>Optimizer steps in a run of <paramref name="options"/>' epochs over <paramref name="trainingCount"/> digits.</summary>
    public static long TotalSteps(TrainingOptions options, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (long)options.Epochs * StepsPerEpoch(options, trainingCount);
    }

    /// <summary>Optimizer steps in one epoch over <paramref name="trainingCount"/> digits: one per batch, the last one
    /// possibly partial.</summary>
    public static int StepsPerEpoch(TrainingOptions options, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (int)(((long)trainingCount + options.BatchSize - 1) / options.BatchSize);
    }

    /// <inheritdoc/>
    public float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int count)
    {
        int outputLength = _network.OutputLength;
        var outputs = _outputs.AsSpan(0, count * outputLength);
        var gradients = _outputGradients.AsSpan(0, count * outputLength);
        bool mode = _network.Training;
        _network.Training = true;
        try
        {
            _network.ZeroGradients();
            _network.Forward(inputs[..(count * _network.InputLength)], outputs, count);
            float loss = Losses.SoftmaxCrossEntropy(outputs, labels[..count], outputLength, gradients);
            _network.Backward(gradients, Span<float>.Empty, count);
            Optimizer.Step(_network);
            return loss;
        }
        finally
        {
            _network.Training = mode;
        }
    }

    /// <inheritdoc/>
    public (float Loss, float Accuracy) Evaluate(DigitSet set) => Evaluate(_network, set);

    /// <summary>Mean loss and accuracy of <paramref name="network"/> on <paramref name="set"/>, in evaluation mode.</summary>
    public static (float Loss, float Accuracy) Evaluate(INetwork network, DigitSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return Training.Evaluate(network, set.Images, set.Labels, EvaluationBatch);
    }

    /// <inheritdoc/>
    public bool WeightsAreFinite()
    {
        foreach (float w in _network.Parameters)
        {
            if (!float.IsFinite(w)) return false;
        }
        return true;
    }
}

/// <summary>
/// Minibatch training with the recipe's augmentation: each digit is randomly shifted as it is copied into the batch.
/// The learning rate follows the schedule of the model's optimizer.
/// </summary>
public sealed class Trainer
{
    private readonly ITrainableModel _model;
    private readonly TrainingOptions _options;
    private readonly float[] _inputs;
    private readonly int[] _labels;

    /// <summary>Trains <paramref name="model"/> with <paramref name="options"/> on a set of <paramref name="trainingCount"/> digits.</summary>
    public Trainer(ITrainableModel model, TrainingOptions options, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trainingCount);
        _model = model;
        _options = options;
        // Its own stream, apart from the weights' seed, so changing the augmentation leaves the initial weights alone.
        Rng = new Rng(unchecked((ulong)options.Seed * 0x9E3779B97F4A7C15UL + 1));
        int batch = Math.Min(options.BatchSize, trainingCount);
        _inputs = new float[batch * model.InputLength];
        _labels = new int[batch];
    }

    /// <summary>The generator behind the shuffling and the shifts, whose state a checkpoint carries.</summary>
    public Rng Rng { get; }

    /// <summary>Digits trained on so far in the current (or last) epoch.</summary>
    public int DigitsDone { get; private set; }

    /// <summary>Whether every weight of the model is still a finite number.</summary>
    public bool WeightsAreFinite() => _model.WeightsAreFinite();

    /// <summary>
    /// Trains one epoch over <paramref name="train"/> in a fresh random order, then evaluates on <paramref name="evaluation"/>.
    /// <paramref name="onBatch"/> receives the digits done so far and the mean loss so far, after every step.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was signalled; it is checked after each
    /// optimizer step, so the weights are those of the last whole step.</exception>
    public EpochResult RunEpoch(int epoch, DigitSet train, DigitSet evaluation, Action<int, float>? onBatch = null, CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(evaluation);
        var clock = Stopwatch.StartNew();
        var order = Shuffled(train.Count);
        int batchSize = _options.BatchSize, inputLength = _model.InputLength;
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
                    Augmentation.RandomShift(train.Image(digit), MnistData.Side, MnistData.Side, _options.MaxShift, MnistData.Background, Rng, destination);
                else
                    train.Image(digit).CopyTo(destination);
                _labels[k] = train.Labels[digit];
            }

            lossSum += _model.Step(_inputs, _labels, count) * count;
            DigitsDone = start + count;
            onBatch?.Invoke(start + count, (float)(lossSum / (start + count)));
            stop.ThrowIfCancellationRequested();
        }
        var trainTime = clock.Elapsed;
        var (evalLoss, evalAccuracy) = _model.Evaluate(evaluation);
        return new EpochResult(epoch, (float)(lossSum / order.Length), evalLoss, evalAccuracy, order.Length, trainTime);
    }

    private int[] Shuffled(int count)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = Rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
