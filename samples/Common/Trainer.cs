using System;
using System.Diagnostics;
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
    /// and <paramref name="labels"/>: forward, mean softmax cross-entropy, backward, and an optimizer update at
    /// <paramref name="learningRate"/>. Returns the loss before the update.
    /// </summary>
    float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int count, float learningRate);

    /// <summary>Mean loss and accuracy on <paramref name="set"/>, in evaluation mode.</summary>
    (float Loss, float Accuracy) Evaluate(DigitSet set);
}

/// <summary>A ConvNet network with the optimizer the options ask for.</summary>
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
    private readonly Optimizer _optimizer;
    private readonly float[] _outputs;
    private readonly float[] _outputGradients;

    /// <summary>Trains <paramref name="network"/> with <paramref name="options"/>' optimizer, in batches of up to
    /// <paramref name="batchSize"/> samples.</summary>
    public NetworkModel(INetwork network, TrainingOptions options, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _network = network;
        _optimizer = options.Optimizer switch
        {
            OptimizerKind.Sgd => new Sgd(network.Parameters.Length, options.LearningRate, Recipe.Momentum, nesterov: true),
            OptimizerKind.Adam => new Adam(network.Parameters.Length, options.LearningRate),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };
        _outputs = new float[batchSize * network.OutputLength];
        _outputGradients = new float[batchSize * network.OutputLength];
    }

    /// <inheritdoc/>
    public int InputLength => _network.InputLength;

    /// <inheritdoc/>
    public float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int count, float learningRate)
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
            _optimizer.LearningRate = learningRate;
            _optimizer.Step(_network);
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
}

/// <summary>
/// Minibatch training with the recipe's augmentation and learning-rate schedule: each digit is randomly shifted as it
/// is copied into the batch, and the learning rate changes every step.
/// </summary>
public sealed class Trainer
{
    private readonly ITrainableModel _model;
    private readonly TrainingOptions _options;
    private readonly Rng _rng;
    private readonly long _totalSteps;
    private readonly float[] _inputs;
    private readonly int[] _labels;
    private long _step;

    /// <summary>Trains <paramref name="model"/> with <paramref name="options"/> on a set of
    /// <paramref name="trainingCount"/> digits (which fixes the number of steps the schedule spans).</summary>
    public Trainer(ITrainableModel model, TrainingOptions options, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trainingCount);
        _model = model;
        _options = options;
        // Its own stream, apart from the weights' seed, so changing the augmentation leaves the initial weights alone.
        _rng = new Rng(unchecked((ulong)options.Seed * 0x9E3779B97F4A7C15UL + 1));
        _totalSteps = (long)options.Epochs * ((trainingCount + options.BatchSize - 1) / options.BatchSize);
        int batch = Math.Min(options.BatchSize, trainingCount);
        _inputs = new float[batch * model.InputLength];
        _labels = new int[batch];
    }

    /// <summary>
    /// Trains one epoch over <paramref name="train"/> in a fresh random order, then evaluates on <paramref name="evaluation"/>.
    /// <paramref name="onBatch"/> receives the digits done so far and the mean loss so far, after every step.
    /// </summary>
    public EpochResult RunEpoch(int epoch, DigitSet train, DigitSet evaluation, Action<int, float>? onBatch = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(evaluation);
        var clock = Stopwatch.StartNew();
        var order = Shuffled(train.Count);
        int batchSize = _options.BatchSize, inputLength = _model.InputLength;
        double lossSum = 0;
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

            float learningRate = Recipe.LearningRateAt(_options.Schedule, _options.LearningRate, _step++, _totalSteps);
            lossSum += _model.Step(_inputs, _labels, count, learningRate) * count;
            onBatch?.Invoke(start + count, (float)(lossSum / (start + count)));
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
            int j = _rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
