using System;
using System.Diagnostics;
using System.IO;
using Classify;
using ConvNet;
using LeNet;

namespace Web;

/// <summary>What LeNet-5 made of one 28x28 digit.</summary>
/// <param name="Digit">The framed digit, 28x28 bytes, light on dark, as MNIST stores them.</param>
/// <param name="Logits">The network's raw scores, one per class.</param>
/// <param name="Probabilities">Softmax of <paramref name="Logits"/>.</param>
/// <param name="Prediction">The most probable class.</param>
/// <param name="Forward">How long the forward pass took.</param>
/// <param name="Conv1">conv1's output after its ReLU, 6x28x28.</param>
/// <param name="Conv2">conv2's output after its ReLU, 16x10x10.</param>
public sealed record Reading(byte[] Digit, float[] Logits, float[] Probabilities, int Prediction, TimeSpan Forward, float[] Conv1, float[] Conv2);

/// <summary>LeNet-5 with the weights the LeNet sample trained, run on digits the way the sample trained it.</summary>
public sealed class Recognizer
{
    private readonly LeNet5 _network = new();
    private readonly float[] _input = new float[LeNet5.InputLength];
    private readonly float[] _logits = new float[LeNet5.OutputLength];

    /// <summary>Loads the weights from a safetensors stream (<c>lenet.safetensors</c>, as the LeNet sample saves it).</summary>
    /// <exception cref="InvalidDataException">The stream is not LeNet-5 weights.</exception>
    public Recognizer(Stream weights) => SafeTensors.Load(_network, weights);

    /// <summary>The network, for what the page draws of its parameters and for saliency.</summary>
    public LeNet5 Network => _network;

    /// <summary>Frames <paramref name="ink"/> (the pad's opacity, <paramref name="width"/> x <paramref name="height"/>
    /// row-major, 0 blank to 255 ink) the way MNIST framed its digits, then reads it.</summary>
    public Reading ReadInk(ReadOnlySpan<byte> ink, int width, int height) => Read(Digits.Frame(ink, width, height));

    /// <summary>Reads a 28x28 digit of bytes with the LeNet sample's normalisation (MNIST's mean and spread).</summary>
    public Reading Read(byte[] digit)
    {
        var probabilities = new float[LeNet5.OutputLength];
        int prediction = Classify(digit, probabilities, out var elapsed);
        return new Reading(digit, (float[])_logits.Clone(), probabilities, prediction, elapsed,
            _network.LayerOutput(LeNet5.Relu1.Index).ToArray(), _network.LayerOutput(LeNet5.Relu2.Index).ToArray());
    }

    /// <summary>The class of a 28x28 digit of bytes, its probabilities, and how long the forward pass took.</summary>
    public int Classify(ReadOnlySpan<byte> digit, Span<float> probabilities, out TimeSpan forward)
    {
        Idx.ToFloats(digit, _input, Idx.MnistMean, Idx.MnistStd);
        long start = Stopwatch.GetTimestamp();
        _network.Forward(_input, _logits);
        forward = Stopwatch.GetElapsedTime(start);
        Inference.Softmax(_logits, probabilities);
        return Inference.ArgMax(_logits);
    }

    /// <summary>The raw scores for an already normalised input (28x28 floats), as the desktop <c>Forward</c> gets it.</summary>
    public float[] Logits(ReadOnlySpan<float> input)
    {
        var logits = new float[LeNet5.OutputLength];
        _network.Forward(input, logits);
        return logits;
    }

    /// <summary>|d score / d pixel| of class <paramref name="output"/> for a 28x28 digit of bytes.</summary>
    public float[] Saliency(byte[] digit, int output)
    {
        Idx.ToFloats(digit, _input, Idx.MnistMean, Idx.MnistStd);
        var saliency = new float[LeNet5.InputLength];
        Visualization.Saliency(_network, _input, output, saliency);
        return saliency;
    }
}
