using System;

namespace LeNet;

/// <summary>
/// The default training recipe, and the learning-rate schedule it uses.
/// </summary>
/// <remarks>
/// Chosen without looking at the test set: every candidate was trained with <c>--holdout 1000</c> (7,000 digits for
/// training, the last 1,000 of the 8,000 training digits for validation) and compared on validation accuracy only;
/// the winner is then trained on all 8,000 and reported once on the 2,000 test digits. The candidates and their
/// validation accuracies are listed in the sample's README.
/// </remarks>
public static class Recipe
{
    public const int Epochs = 12;
    public const int BatchSize = 64;
    public const OptimizerKind Optimizer = OptimizerKind.Sgd;
    public const ScheduleKind Schedule = ScheduleKind.Cosine;
    public const int MaxShift = 2;

    /// <summary>Momentum for SGD: the usual 0.9, Nesterov form.</summary>
    public const float Momentum = 0.9f;

    /// <summary>The peak learning rate for an optimizer when none is given.</summary>
    public static float LearningRate(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Sgd => 0.05f,
        OptimizerKind.Adam => 0.002f,
        _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, null),
    };

    /// <summary>
    /// The learning rate for step <paramref name="step"/> of <paramref name="totalSteps"/> (counting from 0). Cosine
    /// decays from the peak to 0 at the end of the run, so the last epochs take small steps that settle the weights
    /// instead of bouncing around a minimum.
    /// </summary>
    public static float LearningRateAt(ScheduleKind schedule, float peak, long step, long totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, totalSteps);
        return schedule switch
        {
            ScheduleKind.Constant => peak,
            ScheduleKind.Cosine => (float)(peak * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps))),
            _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, null),
        };
    }
}
