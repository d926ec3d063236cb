using System;

namespace ConvNet;

/// <summary>Settings of <see cref="Visualization.MaximizeActivation"/>.</summary>
public sealed record AscentOptions
{
    /// <summary>Gradient steps. Default 200.</summary>
    public int Iterations { get; init; } = 200;

    /// <summary>Each step moves the input by StepSize times the gradient divided by its root mean square, so the step
    /// does not depend on the gradient's scale, which varies by orders of magnitude between layers. Default 0.05.</summary>
    public float StepSize { get; init; } = 0.05f;

    /// <summary>After each step the input is multiplied by (1 - L2Decay), which keeps it from growing where nothing
    /// asks for it. Default 0.01; in [0, 1].</summary>
    public float L2Decay { get; init; } = 0.01f;

    /// <summary>Each step evaluates the input shifted by up to this many pixels in each direction (a fresh random shift per
    /// step), so the result cannot rely on exact pixel positions. Default 1; 0 turns it off; at most the input's larger
    /// side (the shift wraps around, so a longer one repeats a shorter one).</summary>
    public int Jitter { get; init; } = 1;

    /// <summary>Every BlurEvery steps the input is smoothed with a 3x3 Gaussian, which suppresses the high-frequency
    /// patterns that otherwise dominate. Default 4; 0 turns it off.</summary>
    public int BlurEvery { get; init; } = 4;

    /// <summary>The input range the result is clamped to after every step, e.g. the normalised range of the training data.
    /// Default [-1, 1]; both finite.</summary>
    public float Min { get; init; } = -1f;

    /// <inheritdoc cref="Min"/>
    public float Max { get; init; } = 1f;

    /// <summary>Seeds the starting noise and the jitter. Default 0.</summary>
    public int Seed { get; init; }
}

/// <summary>
/// What a network has learned, through its gradients: the input that most excites one unit (activation
/// maximisation, as in the lecture's neuron pictures) and which pixels a score depends on (saliency). Built only on the
/// public <see cref="INetwork"/> API (<see cref="INetwork.Forward(ReadOnlySpan{float}, Span{float})"/>,
/// <see cref="INetwork.LayerOutput"/> and <see cref="INetwork.Backward(int, ReadOnlySpan{float}, Span{float})"/>).
/// </summary>
/// <remarks>Both run the network in evaluation mode and leave <see cref="INetwork.Gradients"/>,
/// <see cref="INetwork.Training"/> and the parameters as they found them. They use the single-sample API, so they
/// replace the activations of the last single-sample Forward.</remarks>
public static class Visualization
{
    /// <summary>
    /// Gradient ascent on the input: starting from faint noise, repeatedly steps the input up the gradient of one unit of
    /// layer <paramref name="layer"/>'s output: channel <paramref name="channel"/> at <paramref name="position"/>
    /// (row, column), or the channel's mean over all positions when <paramref name="position"/> is null.
    /// </summary>
    /// <returns>The input (CHW, <see cref="INetwork.InputLength"/> floats) that the unit responds to most, within the
    /// options' range.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No such layer, channel or position, or options out of range.</exception>
    public static float[] MaximizeActivation(INetwork network, int layer, int channel, (int Row, int Column)? position = null, AscentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new AscentOptions();
        var shape = network.InputShape;
        CheckOptions(options, shape);
        var unit = UnitGradient(network, layer, channel, position);

        var rng = new Rng(unchecked((ulong)options.Seed));
        float middle = (options.Min + options.Max) / 2, spread = (options.Max - options.Min) / 2;
        var image = new float[network.InputLength];
        for (int i = 0; i < image.Length; i++) image[i] = middle + 0.01f * spread * rng.NextUniform(-1f, 1f);

        var shifted = new float[image.Length];
        var gradient = new float[image.Length];
        var output = new float[network.OutputLength];
        using var state = new SavedState(network);
        for (int step = 0; step < options.Iterations; step++)
        {
            int dy = options.Jitter == 0 ? 0 : rng.NextInt(2 * options.Jitter + 1) - options.Jitter;
            int dx = options.Jitter == 0 ? 0 : rng.NextInt(2 * options.Jitter + 1) - options.Jitter;
            Roll(image, shifted, shape, dy, dx);
            network.Forward(shifted, output);
            network.Backward(layer, unit, gradient);
            Roll(gradient, shifted, shape, -dy, -dx);

            double squares = 0;
            foreach (float g in shifted) squares += (double)g * g;
            float scale = options.StepSize * spread / (float)(Math.Sqrt(squares / shifted.Length) + 1e-12);
            for (int i = 0; i < image.Length; i++)
                image[i] = Math.Clamp((image[i] + scale * shifted[i] - middle) * (1 - options.L2Decay) + middle, options.Min, options.Max);
            if (options.BlurEvery > 0 && (step + 1) % options.BlurEvery == 0) Blur(image, shifted, shape);
        }
        return image;
    }

    /// <summary>
    /// Saliency: |d score / d input| of output <paramref name="output"/> for <paramref name="input"/>, one value per input
    /// element, written to <paramref name="saliency"/> (<see cref="INetwork.InputLength"/> floats).
    /// </summary>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">No such output.</exception>
    public static void Saliency(INetwork network, ReadOnlySpan<float> input, int output, Span<float> saliency)
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.Length(input.Length, network.InputLength, nameof(input));
        Guard.Length(saliency.Length, network.InputLength, nameof(saliency));
        ArgumentOutOfRangeException.ThrowIfNegative(output);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(output, network.OutputLength);
        var scores = new float[network.OutputLength];
        using var state = new SavedState(network);
        network.Forward(input, scores);
        Array.Clear(scores);
        scores[output] = 1f;
        network.Backward(scores, saliency);
        for (int i = 0; i < saliency.Length; i++) saliency[i] = MathF.Abs(saliency[i]);
    }

    /// <summary>The gradient, at layer <paramref name="layer"/>'s output, of the unit being maximised.</summary>
    private static float[] UnitGradient(INetwork network, int layer, int channel, (int Row, int Column)? position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, network.Layers.Count);
        var shape = network.Layers[layer].Output;
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, shape.Channels);
        var unit = new float[shape.Length];
        int plane = shape.Height * shape.Width;
        if (position is { } p)
        {
            if ((uint)p.Row >= (uint)shape.Height || (uint)p.Column >= (uint)shape.Width)
                throw new ArgumentOutOfRangeException(nameof(position), p, $"Layer {layer}'s output is {shape}.");
            unit[channel * plane + p.Row * shape.Width + p.Column] = 1f;
        }
        else
        {
            Array.Fill(unit, 1f / plane, channel * plane, plane);
        }
        return unit;
    }

    /// <summary>destination = source shifted by (dy, dx) in every channel, wrapping around.</summary>
    private static void CheckOptions(AscentOptions options, Shape shape)
    {
        int side = Math.Max(shape.Height, shape.Width);
        if (options.Iterations < 0) throw Bad($"Iterations is {options.Iterations}; it must be >= 0.");
        if (options.Jitter < 0 || options.Jitter > side)
            throw Bad($"Jitter is {options.Jitter}; it must be from 0 to the input's larger side, {side} (a longer shift wraps around to a shorter one).");
        if (options.BlurEvery < 0) throw Bad($"BlurEvery is {options.BlurEvery}; it must be >= 0.");
        if (!(float.IsFinite(options.Min) && float.IsFinite(options.Max) && options.Min < options.Max))
            throw Bad($"Min ({options.Min}) and Max ({options.Max}) must be finite, Min below Max.");
        if (!(float.IsFinite(options.StepSize) && options.StepSize > 0)) throw Bad($"StepSize is {options.StepSize}; it must be finite and > 0.");
        if (!(options.L2Decay >= 0 && options.L2Decay <= 1)) throw Bad($"L2Decay is {options.L2Decay}; it must be in [0, 1].");

        static ArgumentOutOfRangeException Bad(string message) => new("options", message);
    }

    private static void Roll(float[] source, float[] destination, Shape shape, int dy, int dx)
    {
        int h = shape.Height, w = shape.Width;
        for (int c = 0; c < shape.Channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    destination[(c * h + ((y + dy) % h + h) % h) * w + ((x + dx) % w + w) % w] = source[(c * h + y) * w + x];
    }

    /// <summary>A 3x3 Gaussian (1 2 1 / 2 4 2 / 1 2 1, over 16) per channel, the border replicated; scratch is overwritten.</summary>
    private static void Blur(float[] image, float[] scratch, Shape shape)
    {
        int h = shape.Height, w = shape.Width;
        for (int c = 0; c < shape.Channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float sum = 0;
                    for (int ky = -1; ky <= 1; ky++)
                        for (int kx = -1; kx <= 1; kx++)
                        {
                            int yy = Math.Clamp(y + ky, 0, h - 1), xx = Math.Clamp(x + kx, 0, w - 1);
                            sum += (2 - Math.Abs(ky)) * (2 - Math.Abs(kx)) * image[(c * h + yy) * w + xx];
                        }
                    scratch[(c * h + y) * w + x] = sum / 16;
                }
        Array.Copy(scratch, image, image.Length);
    }

    /// <summary>Evaluation mode for the duration; the caller's gradients and mode restored after.</summary>
    private sealed class SavedState : IDisposable
    {
        private readonly INetwork _network;
        private readonly float[] _gradients;
        private readonly bool _training;

        public SavedState(INetwork network)
        {
            _network = network;
            _gradients = (float[])network.Gradients.Clone();
            _training = network.Training;
            network.Training = false;
        }

        public void Dispose()
        {
            _gradients.CopyTo(_network.Gradients, 0);
            _network.Training = _training;
        }
    }
}
