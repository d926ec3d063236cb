using System;
using System.Collections.Generic;
using System.Threading;

namespace ConvNet;

/// <summary>The validation metric early stopping watches.</summary>
public enum FitMetric
{
    /// <summary>Mean validation loss; lower is better.</summary>
    ValidationLoss,
    /// <summary>Validation accuracy; higher is better.</summary>
    ValidationAccuracy,
}

/// <summary>Why <see cref="Training.Fit"/> returned.</summary>
public enum FitStop
{
    /// <summary>Every epoch ran.</summary>
    Completed,
    /// <summary>The validation metric did not improve for <see cref="FitOptions.Patience"/> epochs.</summary>
    EarlyStopped,
    /// <summary><see cref="FitOptions.Cancellation"/> was signalled; the weights are those of the last whole step.</summary>
    Cancelled,
    /// <summary>An epoch's training loss or a weight is no longer a finite number (a learning rate far too high does this).</summary>
    Diverged,
}

/// <summary>What <see cref="Training.Fit"/> does besides training: epochs, batches, validation, early stopping,
/// checkpoints, progress. Every option is checked before the first step.</summary>
/// <remarks>The learning rate is the optimizer's: set its <see cref="Optimizer.Schedule"/> (a schedule over
/// <see cref="Training.StepsPerEpoch"/> times the epochs) before calling Fit.</remarks>
public sealed class FitOptions
{
    /// <summary>Epochs of the whole run, &gt;= 1, counting the <see cref="InitialEpoch"/> already done (as Keras' <c>epochs</c>).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Epochs done before this call, as a resumed run has: Fit runs epochs <see cref="InitialEpoch"/> + 1 to
    /// <see cref="Epochs"/>. In [0, <see cref="Epochs"/>).</summary>
    public int InitialEpoch { get; init; }

    /// <summary>Samples per optimizer step, &gt;= 1.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Leaves out an epoch's last batch when it is smaller than <see cref="BatchSize"/>; see <see cref="Training.TrainEpoch"/>.</summary>
    public bool DropLastPartialBatch { get; init; }

    /// <summary>The loss to minimise.</summary>
    public LossKind Loss { get; init; } = LossKind.SoftmaxCrossEntropy;

    /// <summary>Seeds the generator behind the order of each epoch and the augmentation, when <see cref="Rng"/> is null.</summary>
    public ulong Seed { get; init; }

    /// <summary>The generator behind the order of each epoch and the augmentation, for a run whose generator state a
    /// checkpoint restores; null: one seeded with <see cref="Seed"/> (or the <see cref="Checkpoint"/>'s generator).</summary>
    public Rng? Rng { get; init; }

    /// <summary>Applied to every training sample as it is copied into its batch, drawing from the run's generator; null: none.</summary>
    public IAugmentation? Augmentation { get; init; }

    /// <summary>Evaluated after every epoch (in evaluation mode); needed for <see cref="Patience"/>. Null: no validation.</summary>
    public Dataset? Validation { get; init; }

    /// <summary>Samples per Forward call when validating, &gt;= 1.</summary>
    public int ValidationBatchSize { get; init; } = 500;

    /// <summary>Early stopping: the run stops after this many epochs in a row without an improvement of
    /// <see cref="Monitor"/> by more than <see cref="MinDelta"/>. Null (the default): no early stopping. &gt;= 1, and only
    /// with <see cref="Validation"/>. Counted from this call's first epoch: a resumed run starts its count afresh.</summary>
    public int? Patience { get; init; }

    /// <summary>The metric early stopping watches.</summary>
    public FitMetric Monitor { get; init; } = FitMetric.ValidationLoss;

    /// <summary>How much <see cref="Monitor"/> must improve to count, finite and &gt;= 0 (Keras' <c>min_delta</c>).</summary>
    public float MinDelta { get; init; }

    /// <summary>With <see cref="Patience"/>: when Fit returns, the network holds the parameters and buffers of the epoch
    /// with the best <see cref="Monitor"/> (the optimizer keeps its state of the last step). Default true.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>Written to <see cref="CheckpointPath"/> after every epoch, with the epoch number as metadata
    /// <c>fit.epoch</c> (<see cref="Training.CheckpointEpochKey"/>); it must be bound to the network and optimizer being
    /// trained and to a generator, which becomes the run's (it must be <see cref="Rng"/> when that is given). Null: no checkpoints.</summary>
    public Checkpoint? Checkpoint { get; init; }

    /// <summary>Where <see cref="Checkpoint"/> is written; given exactly when it is.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Told after every batch and, with the validation result, at the end of every epoch. Reported on the
    /// training thread; <see cref="Progress{T}"/> passes it on to its own context.</summary>
    public IProgress<FitProgress>? Progress { get; init; }

    /// <summary>Called on the training thread after every epoch (after validation and the checkpoint), before early
    /// stopping decides; a place to save a state of one's own.</summary>
    public Action<FitEpoch>? EpochCompleted { get; init; }

    /// <summary>Checked after every optimizer step; when signalled, Fit returns with <see cref="FitStop.Cancelled"/>.</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>Where a <see cref="Training.Fit"/> run is: reported after every batch, and at the end of every epoch with the
/// validation result.</summary>
/// <param name="Epoch">The epoch, counting from 1.</param>
/// <param name="Epochs">Epochs of the whole run.</param>
/// <param name="Batch">Batches done in this epoch, counting from 1.</param>
/// <param name="Batches">Batches in an epoch.</param>
/// <param name="Samples">Training samples done in this epoch.</param>
/// <param name="SamplesPerEpoch">Training samples in an epoch.</param>
/// <param name="Loss">Mean training loss over this epoch's samples so far (each batch's loss taken before its step).</param>
/// <param name="ImagesPerSecond">Training samples per second of this epoch so far, validation excluded.</param>
/// <param name="LearningRate">The learning rate of the last step.</param>
/// <param name="EpochEnd">Whether the epoch is over (validated, if there is validation).</param>
/// <param name="ValidationLoss">Mean validation loss at the end of the epoch; null during it or without validation.</param>
/// <param name="ValidationAccuracy">Validation accuracy at the end of the epoch; null during it or without validation.</param>
public readonly record struct FitProgress(
    int Epoch, int Epochs, int Batch, int Batches, int Samples, int SamplesPerEpoch, float Loss, double ImagesPerSecond,
    float LearningRate, bool EpochEnd, float? ValidationLoss, float? ValidationAccuracy);

/// <summary>What one epoch of <see cref="Training.Fit"/> did.</summary>
/// <param name="Epoch">The epoch, counting from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch (each batch's loss taken before its step).</param>
/// <param name="ValidationLoss">Mean validation loss after the epoch, or null without validation.</param>
/// <param name="ValidationAccuracy">Validation accuracy after the epoch, or null without validation.</param>
/// <param name="Samples">Training samples processed.</param>
/// <param name="TrainTime">Time spent training (batch assembly, augmentation, steps), validation excluded.</param>
public sealed record FitEpoch(int Epoch, float TrainLoss, float? ValidationLoss, float? ValidationAccuracy, int Samples, TimeSpan TrainTime)
{
    /// <summary>Training throughput of the epoch.</summary>
    public double ImagesPerSecond => Samples / TrainTime.TotalSeconds;
}

/// <summary>How a <see cref="Training.Fit"/> run ended.</summary>
/// <param name="History">Every epoch this call completed, in order.</param>
/// <param name="Stop">Why it returned.</param>
/// <param name="BestEpoch">With <see cref="FitOptions.Patience"/>: the epoch whose <see cref="FitOptions.Monitor"/> was
/// best (the one whose weights were restored, with <see cref="FitOptions.RestoreBestWeights"/>); else null.</param>
/// <param name="SamplesDone">Training samples done in the last epoch started: all of them, unless it was cancelled.</param>
public sealed record FitResult(IReadOnlyList<FitEpoch> History, FitStop Stop, int? BestEpoch, int SamplesDone);
