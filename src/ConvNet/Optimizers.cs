using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ConvNet;

/// <summary>
/// A gradient-descent optimizer over one flat parameter buffer (such as <see cref="INetwork.Parameters"/>).
/// State is allocated once, for <see cref="ParameterCount"/> parameters; <see cref="Step(Span{float}, ReadOnlySpan{float})"/> allocates nothing.
/// </summary>
/// <remarks>Update rules follow <c>torch.optim</c>, so hyperparameters and training curves carry over from PyTorch.</remarks>
public abstract class Optimizer
{
    private float _learningRate;

    /// <summary>Creates an optimizer for <paramref name="parameterCount"/> parameters.</summary>
    protected Optimizer(int parameterCount, float learningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        CheckNonNegative(learningRate, nameof(learningRate));
        ParameterCount = parameterCount;
        _learningRate = learningRate;
    }

    /// <summary>Number of parameters this optimizer keeps state for; every step must pass exactly this many.</summary>
    public int ParameterCount { get; }

    /// <summary>
    /// Learning rate of the next step: the <see cref="Schedule"/>'s rate for step <see cref="Steps"/> when there is one,
    /// else the rate given to the constructor or set here. Finite, &gt;= 0.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set while a <see cref="Schedule"/> decides the rate.</exception>
    public float LearningRate
    {
        get => Schedule?.LearningRate(Steps) ?? _learningRate;
        set
        {
            if (Schedule is not null)
                throw new InvalidOperationException("The learning rate comes from the Schedule; set Schedule to null to set it by hand.");
            CheckNonNegative(value, nameof(value));
            _learningRate = value;
        }
    }

    /// <summary>
    /// Decides the learning rate of every step from the step number (<see cref="Steps"/> before the step, so the first step
    /// asks for step 0); null (the default) keeps <see cref="LearningRate"/> as set.
    /// </summary>
    public LearningRateSchedule? Schedule { get; set; }

    /// <summary>Number of steps taken so far, at most <see cref="MaxSteps"/>; restored by <see cref="Checkpoint.Load(string)"/>.</summary>
    public long Steps { get; internal set; }

    /// <summary>
    /// The most steps an optimizer takes, 2^53: the bias corrections and schedules compute with the step number in
    /// double, which holds every whole number up to there exactly. A checkpoint with a larger count is refused.
    /// </summary>
    public const long MaxSteps = 1L << 53;

    /// <summary>
    /// The buffers this optimizer carries from one step to the next, by name, each <see cref="ParameterCount"/> long and
    /// in the parameters' layout (PyTorch's names: <c>momentum_buffer</c>; <c>exp_avg</c>, <c>exp_avg_sq</c>). With
    /// <see cref="Steps"/> they are the whole state a <see cref="Checkpoint"/> saves. The arrays are the live buffers.
    /// </summary>
    public virtual IReadOnlyList<KeyValuePair<string, float[]>> State => [];

    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/> (both of length <see cref="ParameterCount"/>).</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="InvalidOperationException">The <see cref="Schedule"/> returned a rate that is negative or not
    /// finite, or <see cref="MaxSteps"/> steps have been taken.</exception>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        Guard.Length(gradients.Length, ParameterCount, nameof(gradients));
        if (Steps >= MaxSteps)
            throw new InvalidOperationException($"The optimizer has taken {Steps} steps, its limit ({nameof(MaxSteps)} = 2^53).");
        float learningRate = LearningRate;
        if (!float.IsFinite(learningRate) || learningRate < 0f)
            throw new InvalidOperationException($"The schedule {Schedule} gave learning rate {learningRate} for step {Steps}; it must be finite and >= 0.");
        Steps++;
        Update(parameters, gradients, Steps, learningRate);
    }

    /// <summary>Updates a network's <see cref="INetwork.Parameters"/> from its <see cref="INetwork.Gradients"/>. Does not zero the gradients.</summary>
    public void Step(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Step(network.Parameters, network.Gradients);
    }

    /// <summary>Applies one update with <paramref name="learningRate"/>; lengths are already checked. <paramref name="step"/> counts from 1.</summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step, float learningRate);

    /// <summary>The settings other than the learning rate, as <c>name=value</c> pairs separated by <c>", "</c>, for <see cref="ToString"/>.</summary>
    protected abstract string Settings { get; }

    /// <summary>
    /// The optimizer's kind and every setting that shapes its updates, the learning rate or schedule included, formatted
    /// invariantly; a <see cref="Checkpoint"/> records it and resumes only into an optimizer that describes itself the same.
    /// </summary>
    public override string ToString() =>
        $"{GetType().Name}({Settings}, lr={Schedule?.ToString() ?? Format(_learningRate)})";

    /// <summary>Formats a number for <see cref="Settings"/>: invariant culture, shortest text that round-trips.</summary>
    protected static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> is finite and &gt;= 0.</summary>
    protected static void CheckNonNegative(float value, string parameter)
    {
        if (!float.IsFinite(value) || value < 0f)
            throw new ArgumentOutOfRangeException(parameter, value, "Must be finite and >= 0.");
    }
}

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay; the update of
/// <c>torch.optim.SGD</c> with dampening 0.
/// </summary>
/// <remarks>
/// Per parameter: g = grad + weightDecay * p; with momentum, buf = g on the first step and momentum * buf + g after,
/// then g = g + momentum * buf (Nesterov) or g = buf; finally p -= lr * g.
/// </remarks>
public sealed class Sgd : Optimizer
{
    private readonly float[] _momentumBuffer;

    /// <summary>Creates an SGD optimizer for <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">Number of parameters, e.g. <c>network.Parameters.Length</c>.</param>
    /// <param name="learningRate">Step size, &gt;= 0.</param>
    /// <param name="momentum">Momentum factor, &gt;= 0; 0 disables momentum.</param>
    /// <param name="nesterov">Use Nesterov momentum; requires <paramref name="momentum"/> &gt; 0.</param>
    /// <param name="weightDecay">L2 penalty factor added to the gradient, &gt;= 0.</param>
    public Sgd(int parameterCount, float learningRate, float momentum = 0f, bool nesterov = false, float weightDecay = 0f)
        : base(parameterCount, learningRate)
    {
        CheckNonNegative(momentum, nameof(momentum));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && momentum == 0f)
            throw new ArgumentException("Nesterov momentum requires a momentum greater than 0.", nameof(nesterov));
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
        _momentumBuffer = momentum == 0f ? [] : new float[parameterCount];
    }

    /// <summary>Momentum factor.</summary>
    public float Momentum { get; }
    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }
    /// <summary>L2 penalty factor.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, float[]>> State =>
        Momentum == 0f ? [] : [new("momentum_buffer", _momentumBuffer)];

    /// <inheritdoc/>
    protected override string Settings =>
        $"momentum={Format(Momentum)}, nesterov={(Nesterov ? "true" : "false")}, weight_decay={Format(WeightDecay)}";

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step, float learningRate)
    {
        float lr = learningRate, momentum = Momentum, weightDecay = WeightDecay;
        var buffer = _momentumBuffer.AsSpan();
        int i = 0;
        if (Vector.IsHardwareAccelerated && (momentum == 0f || buffer.Length == parameters.Length) && gradients.Length == parameters.Length)
        {
            // The same operations as the scalar loop below, lane by lane and each rounded separately (no fused
            // multiply-add), so the result is the same bits; only the loop is vectorised.
            var pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
            var bv = MemoryMarshal.Cast<float, Vector<float>>(buffer);
            Vector<float> lrv = new(lr), mv = new(momentum), wdv = new(weightDecay);
            for (int v = 0; v < pv.Length; v++)
            {
                var g = gv[v];
                if (weightDecay != 0f) g += wdv * pv[v];
                if (momentum != 0f)
                {
                    var b = step == 1 ? g : mv * bv[v] + g;
                    bv[v] = b;
                    g = Nesterov ? g + mv * b : b;
                }
                pv[v] -= lrv * g;
            }
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i];
            // Skipped when 0, as PyTorch does, so an infinite parameter does not turn into NaN through 0 * inf.
            if (weightDecay != 0f) g += weightDecay * parameters[i];
            if (momentum != 0f)
            {
                // PyTorch starts the buffer at the first gradient rather than at zero.
                float b = step == 1 ? g : momentum * buffer[i] + g;
                buffer[i] = b;
                g = Nesterov ? g + momentum * b : b;
            }
            parameters[i] -= lr * g;
        }
    }
}

/// <summary>
/// Adam, the update of <c>torch.optim.Adam</c> (without AMSGrad); with <c>decoupledWeightDecay</c> it is
/// <c>torch.optim.AdamW</c>.
/// </summary>
/// <remarks>
/// Per parameter at step t: g = grad + weightDecay * p (L2 form), or p *= 1 - lr * weightDecay (decoupled form);
/// m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g^2;
/// p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps).
/// </remarks>
public sealed class Adam : Optimizer
{
    private readonly float[] _m;
    private readonly float[] _v;

    /// <summary>Creates an Adam optimizer for <paramref name="parameterCount"/> parameters, with PyTorch's defaults.</summary>
    /// <param name="parameterCount">Number of parameters, e.g. <c>network.Parameters.Length</c>.</param>
    /// <param name="learningRate">Step size, &gt;= 0.</param>
    /// <param name="beta1">Decay of the first-moment average, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment average, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for numerical stability, &gt;= 0.</param>
    /// <param name="weightDecay">Weight decay factor, &gt;= 0.</param>
    /// <param name="decoupledWeightDecay">Decay the weights directly (AdamW) instead of adding an L2 term to the gradient.</param>
    public Adam(int parameterCount, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0f, bool decoupledWeightDecay = false)
        : base(parameterCount, learningRate)
    {
        CheckBeta(beta1, nameof(beta1));
        CheckBeta(beta2, nameof(beta2));
        CheckNonNegative(epsilon, nameof(epsilon));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupledWeightDecay;
        _m = new float[parameterCount];
        _v = new float[parameterCount];
    }

    /// <summary>Decay of the first-moment average.</summary>
    public float Beta1 { get; }
    /// <summary>Decay of the second-moment average.</summary>
    public float Beta2 { get; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public float Epsilon { get; }
    /// <summary>Weight decay factor.</summary>
    public float WeightDecay { get; }
    /// <summary>Whether weight decay is decoupled from the gradient (AdamW).</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, float[]>> State => [new("exp_avg", _m), new("exp_avg_sq", _v)];

    /// <inheritdoc/>
    protected override string Settings =>
        $"beta1={Format(Beta1)}, beta2={Format(Beta2)}, eps={Format(Epsilon)}, weight_decay={Format(WeightDecay)}, " +
        $"decoupled_weight_decay={(DecoupledWeightDecay ? "true" : "false")}";

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step, float learningRate)
    {
        float lr = learningRate, beta1 = Beta1, beta2 = Beta2, eps = Epsilon;
        // As in PyTorch, the bias corrections are computed once per step in double and folded into two scalars.
        float stepSize = (float)(lr / (1 - Math.Pow(beta1, step)));
        float correction2Sqrt = (float)Math.Sqrt(1 - Math.Pow(beta2, step));
        float l2 = DecoupledWeightDecay ? 0f : WeightDecay;
        float shrink = DecoupledWeightDecay ? 1f - lr * WeightDecay : 1f;
        var m = _m.AsSpan();
        var v = _v.AsSpan();
        int i = 0;
        if (Vector.IsHardwareAccelerated && m.Length == parameters.Length && gradients.Length == parameters.Length)
        {
            // As in Sgd: the scalar loop's operations lane by lane, each rounded separately, so the same bits.
            var pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
            var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            Vector<float> b1 = new(beta1), b1c = new(1f - beta1), b2 = new(beta2), b2c = new(1f - beta2);
            Vector<float> size = new(stepSize), c2 = new(correction2Sqrt), epsv = new(eps), l2v = new(l2), shrinkv = new(shrink);
            for (int k = 0; k < pv.Length; k++)
            {
                var p = pv[k];
                var g = gv[k];
                if (shrink != 1f) p *= shrinkv;
                if (l2 != 0f) g += l2v * p;
                var mk = b1 * mv[k] + b1c * g;
                var vk = b2 * vv[k] + b2c * g * g;
                mv[k] = mk;
                vv[k] = vk;
                pv[k] = p - size * mk / (Vector.SquareRoot(vk) / c2 + epsv);
            }
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < parameters.Length; i++)
        {
            float p = parameters[i];
            float g = gradients[i];
            // Both skipped when unused, as in PyTorch (an infinite parameter must not become NaN through 0 * inf).
            if (shrink != 1f) p *= shrink;
            if (l2 != 0f) g += l2 * p;
            m[i] = beta1 * m[i] + (1f - beta1) * g;
            v[i] = beta2 * v[i] + (1f - beta2) * g * g;
            parameters[i] = p - stepSize * m[i] / (MathF.Sqrt(v[i]) / correction2Sqrt + eps);
        }
    }

    private static void CheckBeta(float value, string parameter)
    {
        if (!(value >= 0f && value < 1f))
            throw new ArgumentOutOfRangeException(parameter, value, "Must be in [0, 1).");
    }
}
