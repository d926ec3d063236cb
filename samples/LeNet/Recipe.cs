using System;
using ConvNet;

namespace LeNet;

/// <summary>The default training recipe, and the learning-rate schedules it chooses from.</summary>
/// <remarks>
/// Chosen without looking at the test set. Every candidate was trained with <c>--holdout 1000</c>: 7,000 digits for
/// training, the last 1,000 of the 8,000 training digits for validation, test digits never loaded. The winner is then
/// trained on all 8,000 and reported once on the 2,000 test digits. Validation accuracy (seed 1 unless noted):
/// <code>
///   optimizer  lr     schedule  shift  epochs  validation
///   adam       0.001  constant  0      10      97.8%   (close to the TorchSharp reference recipe)
///   adam       0.001  cosine    2      10      96.9%
///   adam       0.002  cosine    0      10      97.7%
///   adam       0.002  cosine    2      10      98.2%, seed 2: 98.1%   (chosen)
///   adam       0.002  cosine    2      12      98.5%
///   adam       0.004  cosine    2      10      98.6%, seed 2: 97.7%
///   sgd        0.02   cosine    2      10      98.1%   (Nesterov momentum 0.9)
///   sgd        0.02   cosine    2      12      97.9%
///   sgd        0.05   cosine    2      2       diverged (loss stuck at 2.3); so did a 500-digit trial
/// </code>
/// One validation digit is 0.1%, and the standard error at 98% on 1,000 digits is about 0.45%, so only the larger
/// gaps mean much: random shifts (+0.5%) and a cosine decay with a peak of 0.002-0.004 for Adam. Over two seeds 0.002
/// and 0.004 tie (98.15% mean); 0.002 varied less, so it is the default. Ten epochs keep the run near a minute on two
/// cores and match the reference's epoch count.
/// </remarks>
public static class Recipe
{
    public const int Epochs = 10;
    public const int BatchSize = 64;
    public const OptimizerKind Optimizer = OptimizerKind.Adam;
    public const ScheduleKind Schedule = ScheduleKind.Cosine;
    public const int MaxShift = 2;

    /// <summary>Momentum for SGD: the usual 0.9, Nesterov form.</summary>
    public const float Momentum = 0.9f;

    /// <summary>The peak learning rate for an optimizer when none is given.</summary>
    public static float LearningRate(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Sgd => 0.02f,
        OptimizerKind.Adam => 0.002f,
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
}
