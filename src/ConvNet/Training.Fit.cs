using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;

namespace ConvNet;

public static partial class Training
{
    /// <summary>The metadata key under which <see cref="Fit"/> writes the epoch number into its checkpoints.</summary>
    public const string CheckpointEpochKey = "fit.epoch";

    /// <summary>
    /// Trains for <see cref="FitOptions.Epochs"/> epochs, as Keras' <c>fit</c>: each epoch is a <see cref="TrainEpoch"/>
    /// (a fresh shuffled order, each sample augmented as it enters its batch), then validation, a checkpoint, and the
    /// early stopping decision; progress is reported after every batch and every epoch.
    /// </summary>
    /// <param name="network">The network to train.</param>
    /// <param name="optimizer">Its optimizer, with the learning-rate schedule of the run.</param>
    /// <param name="train">The training samples, <see cref="INetwork.InputLength"/> floats each.</param>
    /// <param name="options">Everything else; see <see cref="FitOptions"/>.</param>
    /// <returns>The epochs done, why the run stopped, and the best epoch.</returns>
    /// <remarks>
    /// With the same seed (or generator state), options and <see cref="INetwork.MaxDegreeOfParallelism"/> a run gives the
    /// same weights bit for bit; without augmentation each epoch computes exactly what <see cref="TrainEpoch"/> does with
    /// the run's generator. Training runs in training mode and validation in evaluation mode; the caller's mode is
    /// restored after each. A run whose training loss or weights stop being finite numbers stops after that epoch
    /// (<see cref="FitStop.Diverged"/>), before its checkpoint.
    /// </remarks>
    /// <exception cref="ArgumentException">An option is out of range or inconsistent (named in the message), or the data
    /// does not fit the network (as <see cref="TrainEpoch"/> checks it); nothing has been trained.</exception>
    public static FitResult Fit(INetwork network, Optimizer optimizer, Dataset train, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(network, optimizer, options);
        int trained = CheckEpoch(network, optimizer, train.Inputs, train.Labels, options.BatchSize, options.Loss, options.DropLastPartialBatch);
        var validation = options.Validation;
        if (validation is not null)
            Check(network, validation.Inputs, validation.Labels, options.ValidationBatchSize, options.Loss);

        var rng = options.Rng ?? options.Checkpoint?.Rng ?? new Rng(options.Seed);
        int batches = StepsPerEpoch(train.Count, options.BatchSize, options.DropLastPartialBatch);
        var batch = new Batch(network, Math.Min(options.BatchSize, train.Count));
        var history = new List<FitEpoch>();
        var best = new BestWeights(network, options);
        var stop = FitStop.Completed;
        int samplesDone = 0;
        for (int epoch = options.InitialEpoch + 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            float learningRate = optimizer.LearningRate;
            var progress = options.Progress;
            BatchDone? batchDone = progress is null ? null : (index, samples, lossSum, rate) =>
            {
                learningRate = rate;
                progress.Report(new FitProgress(epoch, options.Epochs, index, batches, samples, trained, (float)(lossSum / samples),
                    samples / clock.Elapsed.TotalSeconds, rate, EpochEnd: false, null, null));
            };
            (double LossSum, int Done) result;
            using (new ModeScope(network, training: true))
                result = RunEpoch(network, optimizer, train.Inputs, train.Labels, trained, options.BatchSize, rng, options.Loss, batch,
                    options.Augmentation, batchDone, options.Cancellation);
            var trainTime = clock.Elapsed;
            samplesDone = result.Done;
            if (result.Done < trained)
            {
                stop = FitStop.Cancelled;
                break;
            }

            float trainLoss = (float)(result.LossSum / trained);
            float? validationLoss = null, validationAccuracy = null;
            if (validation is not null)
                (validationLoss, validationAccuracy) = Evaluate(network, validation.Inputs, validation.Labels, options.ValidationBatchSize, options.Loss);
            var summary = new FitEpoch(epoch, trainLoss, validationLoss, validationAccuracy, trained, trainTime);
            history.Add(summary);
            progress?.Report(new FitProgress(epoch, options.Epochs, batches, batches, trained, trained, trainLoss, summary.ImagesPerSecond,
                learningRate, EpochEnd: true, validationLoss, validationAccuracy));
            if (!float.IsFinite(trainLoss) || !AllFinite(network.Parameters))
            {
                stop = FitStop.Diverged;
                break;
            }
            if (options.Checkpoint is { } checkpoint)
                checkpoint.Save(options.CheckpointPath!, new Dictionary<string, string> { [CheckpointEpochKey] = epoch.ToString(CultureInfo.InvariantCulture) });
            options.EpochCompleted?.Invoke(summary);
            if (best.After(summary))
            {
                stop = FitStop.EarlyStopped;
                break;
            }
        }
        best.Restore();
        return new FitResult(history, stop, best.Epoch, samplesDone);
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value)) return false;
        }
        return true;
    }

    // Named after the property, so the message says which option to change.
    private static void CheckOptions(INetwork network, Optimizer optimizer, FitOptions options)
    {
        static ArgumentException Bad(string message) => new($"FitOptions.{message}", "options");

        if (options.Epochs < 1) throw Bad($"Epochs is {options.Epochs}; it must be at least 1.");
        if (options.InitialEpoch < 0 || options.InitialEpoch >= options.Epochs)
            throw Bad($"InitialEpoch is {options.InitialEpoch}; it counts the epochs already done of the run's {options.Epochs}, so it must be in [0, {options.Epochs}).");
        if (options.BatchSize < 1) throw Bad($"BatchSize is {options.BatchSize}; it must be at least 1.");
        if (options.ValidationBatchSize < 1) throw Bad($"ValidationBatchSize is {options.ValidationBatchSize}; it must be at least 1.");
        if (options.Patience is { } patience)
        {
            if (patience < 1) throw Bad($"Patience is {patience}; it must be at least 1 (null turns early stopping off).");
            if (options.Validation is null) throw Bad("Patience is set but Validation is null: early stopping watches a validation metric.");
        }
        if (options.Monitor is not (FitMetric.ValidationLoss or FitMetric.ValidationAccuracy))
            throw Bad($"Monitor is {options.Monitor}, which is no metric.");
        if (!float.IsFinite(options.MinDelta) || options.MinDelta < 0)
            throw Bad($"MinDelta is {options.MinDelta}; it must be finite and >= 0.");
        if ((options.Checkpoint is null) != (options.CheckpointPath is null))
            throw Bad("Checkpoint and CheckpointPath go together: give both or neither.");
        if (options.CheckpointPath is "") throw Bad("CheckpointPath is empty.");
        if (options.Checkpoint is { } checkpoint)
        {
            if (!ReferenceEquals(checkpoint.Network, network) || !ReferenceEquals(checkpoint.Optimizer, optimizer))
                throw Bad("Checkpoint is bound to another network or optimizer than the ones being trained.");
            if (checkpoint.Rng is null)
                throw Bad("Checkpoint has no generator: a run resumed from it would not draw the order and augmentation this one draws; bind it to the run's Rng.");
            if (options.Rng is not null && !ReferenceEquals(checkpoint.Rng, options.Rng))
                throw Bad("Checkpoint is bound to another generator than Rng: a resumed run would draw another order.");
        }
    }

    // Early stopping's memory: the best epoch so far, its metric and (to restore) its weights.
    private sealed class BestWeights(INetwork network, FitOptions options)
    {
        private readonly bool _lowerIsBetter = options.Monitor == FitMetric.ValidationLoss;
        private float[]? _parameters, _buffers;
        private float _value;
        private int _sinceBest;

        public int? Epoch { get; private set; }

        // Records the epoch; true when patience has run out.
        public bool After(FitEpoch epoch)
        {
            if (options.Patience is not { } patience) return false;
            float value = (_lowerIsBetter ? epoch.ValidationLoss : epoch.ValidationAccuracy)!.Value;
            bool improved = Epoch is null
                ? float.IsFinite(value)
                : _lowerIsBetter ? value < _value - options.MinDelta : value > _value + options.MinDelta;
            if (!improved) return ++_sinceBest >= patience;
            Epoch = epoch.Epoch;
            _value = value;
            _sinceBest = 0;
            if (options.RestoreBestWeights)
            {
                _parameters ??= new float[network.Parameters.Length];
                _buffers ??= new float[network.Buffers.Length];
                network.Parameters.CopyTo(_parameters, 0);
                network.Buffers.CopyTo(_buffers, 0);
            }
            return false;
        }

        public void Restore()
        {
            if (_parameters is null || _buffers is null) return;
            _parameters.CopyTo(network.Parameters, 0);
            _buffers.CopyTo(network.Buffers, 0);
        }
    }
}
