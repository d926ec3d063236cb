using System;
using ConvNet;
using ConvNet.Imaging;

namespace Samples.Common;

/// <summary>The optimizers a sample can train with.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with Nesterov momentum <see cref="Recipe.Momentum"/>.</summary>
    Sgd,
    /// <summary>Adam with PyTorch's defaults apart from the learning rate.</summary>
    Adam,
}

/// <summary>How the learning rate moves over a run.</summary>
public enum ScheduleKind
{
    /// <summary>The peak throughout.</summary>
    Constant,
    /// <summary>Cosine decay from the peak to 0 at the end of the run.</summary>
    Cosine,
}

/// <summary>A sample's default training recipe: what a run uses when no option says otherwise.</summary>
/// <param name="Epochs">Passes over the training set.</param>
/// <param name="BatchSize">Digits per gradient step.</param>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="Schedule">The learning-rate schedule.</param>
/// <param name="MaxShift">Largest random translation of a training digit, in pixels (0: no augmentation).</param>
/// <param name="SgdLearningRate">Peak learning rate when the optimizer is SGD.</param>
/// <param name="AdamLearningRate">Peak learning rate when the optimizer is Adam.</param>
public sealed record Recipe(
    int Epochs,
    int BatchSize,
    OptimizerKind Optimizer,
    ScheduleKind Schedule,
    int MaxShift,
    float SgdLearningRate,
    float AdamLearningRate)
{
    /// <summary>Momentum for SGD: the usual 0.9, Nesterov form.</summary>
    public const float Momentum = 0.9f;

    /// <summary>The peak learning rate for an optimizer when none is given.</summary>
    public float LearningRate(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Sgd => SgdLearningRate,
        OptimizerKind.Adam => AdamLearningRate,
        _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, null),
    };

    /// <summary>
    /// The learning-rate schedule of a run of <paramref name="totalSteps"/> steps. Cosine decays from the peak to 0 at the
    /// end of the run, so the last epochs take small steps that settle the weights instead of bouncing around a minimum.
    /// </summary>
    public static LearningRateSchedule ScheduleFor(ScheduleKind schedule, float peak, long totalSteps) => schedule switch
    {
        ScheduleKind.Constant => new ConstantSchedule(peak),
        ScheduleKind.Cosine => new CosineSchedule(peak, totalSteps),
        _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, null),
    };

    /// <summary>Digits per Forward call when evaluating: large batches keep every core busy.</summary>
    public const int EvaluationBatch = 500;

    /// <summary>The optimizer <paramref name="options"/> ask for, with the learning-rate schedule of a run of
    /// <paramref name="options"/>' epochs over <paramref name="trainingCount"/> digits.</summary>
    public static Optimizer CreateOptimizer(INetwork network, TrainingOptions options, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        Optimizer optimizer = options.Optimizer switch
        {
            OptimizerKind.Sgd => new Sgd(network.Parameters.Length, options.LearningRate, Momentum, nesterov: true),
            OptimizerKind.Adam => new Adam(network.Parameters.Length, options.LearningRate),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };
        optimizer.Schedule = ScheduleFor(options.Schedule, options.LearningRate, TotalSteps(options, trainingCount));
        return optimizer;
    }

    /// <summary>Optimizer steps in a run of <paramref name="options"/>' epochs over <paramref name="trainingCount"/> digits.</summary>
    public static long TotalSteps(TrainingOptions options, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (long)options.Epochs * Training.StepsPerEpoch(trainingCount, options.BatchSize);
    }

    /// <summary>The generator behind the shuffling and the shifts, whose state a checkpoint carries. Its own stream,
    /// apart from the weights' seed, so changing the augmentation leaves the initial weights alone.</summary>
    public static Rng Generator(int seed) => new(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 1));

    /// <summary>The recipe's augmentation: each digit randomly shifted by up to <c>--max-shift</c> pixels, what it
    /// uncovers left blank; null for none. MNIST digits are centred by their centre of mass, but handwriting still
    /// lands a pixel or two off, so small shifts are the cheapest augmentation that helps a small training set.</summary>
    public static IAugmentation? Augmentation(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxShift > 0 ? new RandomShift(options.MaxShift, MnistData.Background) : null;
    }
}
