using System;
using System.Globalization;

namespace ConvNet;

/// <summary>
/// A learning rate for every step of a run, as a pure function of the step number. Set one as an optimizer's
/// <see cref="Optimizer.Schedule"/>: before each step the optimizer asks it for the rate of step
/// <see cref="Optimizer.Steps"/>, so the optimizer's step count is the schedule's whole position, and a checkpoint that
/// restores the count resumes the schedule exactly.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate of step <paramref name="step"/>, counting from 0 (the run's first step). Finite, &gt;= 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    public float LearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return At(step);
    }

    /// <summary>The rate of step <paramref name="step"/> (&gt;= 0, already checked).</summary>
    protected abstract float At(long step);

    /// <summary>The schedule's kind and every parameter, formatted invariantly so that equal text means an equal schedule
    /// (<see cref="Checkpoint"/> compares it when resuming).</summary>
    public abstract override string ToString();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> is finite and &gt;= 0.</summary>
    protected static void CheckRate(float value, string parameter)
    {
        if (!float.IsFinite(value) || value < 0f)
            throw new ArgumentOutOfRangeException(parameter, value, "Must be finite and >= 0.");
    }

    /// <summary>Formats a number for <see cref="ToString"/>: invariant culture, shortest text that round-trips.</summary>
    protected static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Formats a number for <see cref="ToString"/>: invariant culture, shortest text that round-trips.</summary>
    protected static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The same learning rate at every step.</summary>
public sealed class ConstantSchedule : LearningRateSchedule
{
    /// <summary>A schedule that always returns <paramref name="learningRate"/> (finite, &gt;= 0).</summary>
    public ConstantSchedule(float learningRate)
    {
        CheckRate(learningRate, nameof(learningRate));
        Rate = learningRate;
    }

    /// <summary>The learning rate of every step.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    protected override float At(long step) => Rate;

    /// <inheritdoc/>
    public override string ToString() => $"constant(lr={Format(Rate)})";
}

/// <summary>
/// The learning rate multiplied by <see cref="Gamma"/> every <see cref="StepSize"/> steps:
/// lr(t) = initial * gamma^floor(t / stepSize), as <c>torch.optim.lr_scheduler.StepLR</c> (stepped once per step).
/// </summary>
public sealed class StepSchedule : LearningRateSchedule
{
    /// <summary>Creates a step decay schedule.</summary>
    /// <param name="initialLearningRate">The rate of steps [0, <paramref name="stepSize"/>); finite, &gt;= 0.</param>
    /// <param name="stepSize">Steps between two decays, &gt;= 1 (steps per epoch times epochs per decay, for PyTorch's epoch-wise use).</param>
    /// <param name="gamma">Factor applied at each decay, in [0, 1] (0.1 is usual): a factor above 1 would grow the rate
    /// past any float within a few hundred decays.</param>
    public StepSchedule(float initialLearningRate, long stepSize, float gamma)
    {
        CheckRate(initialLearningRate, nameof(initialLearningRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        if (!(gamma >= 0f && gamma <= 1f))
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Must be in [0, 1]: the schedule decays, and a larger factor would overflow the rate.");
        InitialLearningRate = initialLearningRate;
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>The rate before the first decay.</summary>
    public float InitialLearningRate { get; }
    /// <summary>Steps between two decays.</summary>
    public long StepSize { get; }
    /// <summary>Factor applied at each decay.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
    protected override float At(long step) => (float)(InitialLearningRate * Math.Pow(Gamma, step / StepSize));

    /// <inheritdoc/>
    public override string ToString() => $"step(lr={Format(InitialLearningRate)}, step_size={StepSize}, gamma={Format(Gamma)})";
}

/// <summary>
/// An optional linear warm-up, then a cosine decay from the peak to a minimum at the end of the run; the minimum after it.
/// </summary>
/// <remarks>
/// Warm-up steps t &lt; w get peak * t / w (as Hugging Face's <c>get_cosine_schedule_with_warmup</c>); then, with
/// progress p = (t - w) / (total - w), lr = minimum + (peak - minimum) * (1 + cos(pi * p)) / 2, which is
/// <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> with T_max = total - w and eta_min = minimum. Steps from
/// <see cref="TotalSteps"/> on stay at the minimum. Decaying to a small rate settles the weights in the last epochs
/// instead of leaving them bouncing around a minimum; the warm-up keeps the first steps of a fresh network (whose
/// gradients, and Adam's moment estimates, are least reliable) short.
/// </remarks>
public sealed class CosineSchedule : LearningRateSchedule
{
    /// <summary>Creates a cosine schedule.</summary>
    /// <param name="peakLearningRate">The rate at the end of the warm-up (at step 0 without one); finite, &gt;= 0.</param>
    /// <param name="totalSteps">Steps of the whole run, warm-up included, &gt;= 1.</param>
    /// <param name="warmupSteps">Steps of linear warm-up from 0, in [0, <paramref name="totalSteps"/>).</param>
    /// <param name="minimumLearningRate">The rate the decay ends at; finite, in [0, <paramref name="peakLearningRate"/>].</param>
    public CosineSchedule(float peakLearningRate, long totalSteps, long warmupSteps = 0, float minimumLearningRate = 0f)
    {
        CheckRate(peakLearningRate, nameof(peakLearningRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(warmupSteps, totalSteps);
        CheckRate(minimumLearningRate, nameof(minimumLearningRate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumLearningRate, peakLearningRate);
        PeakLearningRate = peakLearningRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        MinimumLearningRate = minimumLearningRate;
    }

    /// <summary>The rate at the end of the warm-up.</summary>
    public float PeakLearningRate { get; }
    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps { get; }
    /// <summary>Steps of linear warm-up.</summary>
    public long WarmupSteps { get; }
    /// <summary>The rate the decay ends at.</summary>
    public float MinimumLearningRate { get; }

    /// <inheritdoc/>
    protected override float At(long step)
    {
        if (step < WarmupSteps) return (float)((double)PeakLearningRate * step / WarmupSteps);
        if (step >= TotalSteps) return MinimumLearningRate;
        // pi * t / T in that order, and the minimum added last: with no warm-up and a minimum of 0 this is exactly
        // peak * 0.5 * (1 + cos(pi * t / T)) in double, the formula the LeNet sample's recipe was tuned with.
        double progress = Math.PI * (step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return (float)(MinimumLearningRate + ((double)PeakLearningRate - MinimumLearningRate) * 0.5 * (1 + Math.Cos(progress)));
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"cosine(lr={Format(PeakLearningRate)}, total_steps={TotalSteps}, warmup_steps={WarmupSteps}, min_lr={Format(MinimumLearningRate)})";
}

/// <summary>
/// The one-cycle policy (Smith and Topin, 2017) as <c>torch.optim.lr_scheduler.OneCycleLR</c> with cosine annealing and
/// two phases: from max / <see cref="InitialDivisor"/> up to the maximum over the first <see cref="WarmupFraction"/> of
/// the run, then down to max / (<see cref="InitialDivisor"/> * <see cref="FinalDivisor"/>) at its last step.
/// </summary>
/// <remarks>
/// Only the learning rate cycles (PyTorch's <c>cycle_momentum=False</c>). Phase one ends at step
/// warmupFraction * totalSteps - 1 and phase two at totalSteps - 1, as in PyTorch; steps after the run keep the final rate,
/// where PyTorch raises an error.
/// </remarks>
public sealed class OneCycleSchedule : LearningRateSchedule
{
    private readonly double _initial, _final, _peakStep;

    /// <summary>Creates a one-cycle schedule with PyTorch's defaults.</summary>
    /// <param name="maxLearningRate">The peak rate; finite, &gt;= 0.</param>
    /// <param name="totalSteps">Steps of the whole run, &gt;= 2.</param>
    /// <param name="warmupFraction">Fraction of the run spent rising (PyTorch's <c>pct_start</c>), in (0, 1), with
    /// warmupFraction * totalSteps &gt; 1 so the rise has a step to take.</param>
    /// <param name="initialDivisor">The first rate is max / initialDivisor (<c>div_factor</c>); finite, &gt;= 1.</param>
    /// <param name="finalDivisor">The last rate is the first / finalDivisor (<c>final_div_factor</c>); finite, &gt;= 1.</param>
    public OneCycleSchedule(float maxLearningRate, long totalSteps, double warmupFraction = 0.3, double initialDivisor = 25,
        double finalDivisor = 1e4)
    {
        CheckRate(maxLearningRate, nameof(maxLearningRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 2);
        if (!(warmupFraction > 0 && warmupFraction < 1 && warmupFraction * totalSteps > 1))
            throw new ArgumentOutOfRangeException(nameof(warmupFraction), warmupFraction,
                $"Must be in (0, 1) and leave the rise at least one step: warmupFraction * totalSteps ({totalSteps}) > 1.");
        if (!(double.IsFinite(initialDivisor) && initialDivisor >= 1))
            throw new ArgumentOutOfRangeException(nameof(initialDivisor), initialDivisor, "Must be finite and >= 1.");
        if (!(double.IsFinite(finalDivisor) && finalDivisor >= 1))
            throw new ArgumentOutOfRangeException(nameof(finalDivisor), finalDivisor, "Must be finite and >= 1.");
        MaxLearningRate = maxLearningRate;
        TotalSteps = totalSteps;
        WarmupFraction = warmupFraction;
        InitialDivisor = initialDivisor;
        FinalDivisor = finalDivisor;
        _initial = maxLearningRate / initialDivisor;
        _final = _initial / finalDivisor;
        _peakStep = warmupFraction * totalSteps - 1;
    }

    /// <summary>The peak rate.</summary>
    public float MaxLearningRate { get; }
    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps { get; }
    /// <summary>Fraction of the run spent rising.</summary>
    public double WarmupFraction { get; }
    /// <summary>The first rate is the maximum divided by this.</summary>
    public double InitialDivisor { get; }
    /// <summary>The last rate is the first divided by this.</summary>
    public double FinalDivisor { get; }

    /// <inheritdoc/>
    protected override float At(long step)
    {
        if (step >= TotalSteps) return (float)_final;
        return step <= _peakStep
            ? (float)AnnealCosine(_initial, MaxLearningRate, step / _peakStep)
            : (float)AnnealCosine(MaxLearningRate, _final, (step - _peakStep) / (TotalSteps - 1 - _peakStep));
    }

    // Cosine annealing from start (pct 0) to end (pct 1), as OneCycleLR writes it.
    private static double AnnealCosine(double start, double end, double pct) =>
        end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1);

    /// <inheritdoc/>
    public override string ToString() =>
        $"one_cycle(max_lr={Format(MaxLearningRate)}, total_steps={TotalSteps}, pct_start={Format(WarmupFraction)}, " +
        $"div_factor={Format(InitialDivisor)}, final_div_factor={Format(FinalDivisor)})";
}
