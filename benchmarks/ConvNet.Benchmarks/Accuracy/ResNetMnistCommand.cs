using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using ConvNet;
using ResNet;
using Samples.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace ConvNet.Benchmarks;

/// <summary>
/// <c>resnet-mnist [sample options]</c>: trains the ResNet sample's network with the sample's recipe twice, in ConvNet
/// and in TorchSharp, from the same initial weights and on the same batches, and reports both systems' accuracy and
/// training throughput side by side.
/// </summary>
/// <remarks>
/// ConvNet trains with the sample's own loop (<see cref="Training.Fit"/> with the recipe's shifts and cosine schedule);
/// TorchSharp's loop draws each epoch's order and each digit's shift from its own generator with the same seed in the
/// order Fit draws them, so both see the same digits in the same order with the same shifts and learning rates. TorchSharp's module is built from the network's layer table with ConvNet's
/// initial weights copied in. Epochs alternate between the systems, so a burst of load from other processes hits both.
/// Options are the sample's (<c>--epochs</c>, <c>--data</c>, <c>--threads</c>, <c>--seed</c>, ...); images/s counts
/// training only (batch assembly and steps), as the sample's report does.
/// </remarks>
internal static class ResNetMnistCommand
{
    public static int Run(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var commandLine = ResNetSample.Spec.CommandLine();
        var parsed = commandLine.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
            return 2;
        }
        var options = commandLine.ToOptions(parsed);
        if (!TorchSystem.TryLoad(out string reason))
        {
            Console.Error.WriteLine($"TorchSharp is not available: {reason}");
            return 1;
        }
        MnistSplit data;
        try
        {
            data = MnistData.Load(options.DataDirectory, options.Holdout);
        }
        catch (UserException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        Console.WriteLine($"Machine: {Machine.Describe()}");
        Console.WriteLine($"Load average at start: {Machine.LoadAverage()}");
        Console.WriteLine($"{ResNetSample.Spec.Title} ({MnistResNet.ParameterCount:N0} parameters), {data.Description}");
        Console.WriteLine($"{options.Optimizer} lr {options.LearningRate} ({options.Schedule}), batch {options.BatchSize}, " +
                          $"shifts up to {options.MaxShift} px, {options.Epochs} epochs, seed {options.Seed}, {options.Threads} threads");

        var network = ResNetSample.Spec.Create(options.Seed);
        network.MaxDegreeOfParallelism = options.Threads;
        set_num_threads(options.Threads);
        // Built before ConvNet's first step, so it starts from the same initial weights.
        using var torchModel = new TorchModel(network, options, data.Train.Count);
        var optimizer = Recipe.CreateOptimizer(network, options, data.Train.Count);
        var augmentation = Recipe.Augmentation(options);
        var train = data.Train.ToDataset();
        var evaluation = data.Evaluation.ToDataset();
        var convNetRng = Recipe.Generator(options.Seed);
        var torchRng = Recipe.Generator(options.Seed);
        var systems = new (string Name, Func<int, FitEpoch> RunEpoch, List<FitEpoch> History)[]
        {
            ("ConvNet", epoch => Training.Fit(network, optimizer, train, new FitOptions
            {
                Epochs = epoch, InitialEpoch = epoch - 1, BatchSize = options.BatchSize, Rng = convNetRng, Augmentation = augmentation,
                Validation = evaluation, ValidationBatchSize = Recipe.EvaluationBatch,
            }).History[0], []),
            ("TorchSharp", epoch => torchModel.RunEpoch(epoch, train, data.Evaluation, options.BatchSize, torchRng, augmentation), []),
        };

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
            foreach (var (name, runEpoch, history) in systems)
            {
                var r = runEpoch(epoch);
                history.Add(r);
                Console.WriteLine($"{name,-10} epoch {epoch,2}/{options.Epochs}  train loss {r.TrainLoss:F4}  {data.EvaluationName} loss {r.ValidationLoss:F4}  " +
                                  $"{data.EvaluationName} accuracy {100 * r.ValidationAccuracy:F2}%  {r.ImagesPerSecond:N0} images/s");
            }

        Console.WriteLine();
        var table = new TextTable("system", $"{data.EvaluationName} accuracy", $"{data.EvaluationName} loss", "training images/s", "training time");
        foreach (var (name, _, history) in systems)
        {
            var final = history[^1];
            double seconds = history.Sum(h => h.TrainTime.TotalSeconds);
            table.Add(name, $"{100 * final.ValidationAccuracy:F2}%", $"{final.ValidationLoss:F4}", $"{history.Sum(h => h.Samples) / seconds:N0}", $"{seconds:F1} s");
        }
        Console.WriteLine(table);
        Console.WriteLine($"Load average at end: {Machine.LoadAverage()} ({Environment.ProcessorCount} cores)");
        if (Machine.BusyWarning("epoch by epoch") is { } warning) Console.WriteLine(warning);
        return 0;
    }

    /// <summary>The network as a TorchSharp module in a loop that draws what <see cref="Training.Fit"/> draws: the same
    /// optimizer (torch.optim's Adam, or SGD with Nesterov momentum), the learning rate of the sample's schedule set
    /// before every step, train() for steps and eval() for evaluation.</summary>
    private sealed class TorchModel : IDisposable
    {
        private const int EvaluationBatch = 500;

        private readonly TorchGraph _module;
        private readonly optim.Optimizer _optimizer;
        private readonly LearningRateSchedule _schedule;
        private readonly long[] _inputShape;
        private readonly ConvNet.Shape _sampleShape;
        private long _steps;

        public TorchModel(INetwork network, TrainingOptions options, int trainingCount)
        {
            _module = TorchSystem.BuildModule(network);
            var shape = network.InputShape;
            _sampleShape = shape;
            _inputShape = [0, shape.Channels, shape.Height, shape.Width];
            InputLength = network.InputLength;
            _optimizer = options.Optimizer == OptimizerKind.Adam
                ? optim.Adam(_module.parameters(), options.LearningRate)
                : optim.SGD(_module.parameters(), options.LearningRate, momentum: Recipe.Momentum, nesterov: true);
            _schedule = Recipe.ScheduleFor(options.Schedule, options.LearningRate, Recipe.TotalSteps(options, trainingCount));
        }

        public int InputLength { get; }

        /// <summary>One epoch as Fit runs it: the order drawn first (Fisher-Yates from the last sample down), then each
        /// digit's augmentation as it enters its batch, all from <paramref name="rng"/>; then evaluation.</summary>
        public FitEpoch RunEpoch(int epoch, Dataset train, DigitSet evaluation, int batchSize, Rng rng, IAugmentation? augmentation)
        {
            var clock = Stopwatch.StartNew();
            var order = new int[train.Count];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = rng.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            var inputs = new float[Math.Min(batchSize, train.Count) * InputLength];
            var labels = new int[Math.Min(batchSize, train.Count)];
            double lossSum = 0;
            for (int start = 0; start < order.Length; start += batchSize)
            {
                int count = Math.Min(batchSize, order.Length - start);
                for (int k = 0; k < count; k++)
                {
                    var destination = inputs.AsSpan(k * InputLength, InputLength);
                    if (augmentation is null) train.Sample(order[start + k]).CopyTo(destination);
                    else augmentation.Apply(train.Sample(order[start + k]), destination, _sampleShape, rng);
                    labels[k] = train.Labels[order[start + k]];
                }
                lossSum += Step(inputs, labels, count) * count;
            }
            var trainTime = clock.Elapsed;
            var (loss, accuracy) = Evaluate(evaluation);
            return new FitEpoch(epoch, (float)(lossSum / order.Length), loss, accuracy, order.Length, trainTime);
        }

        public float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int count)
        {
            // Frees every tensor of the step at once, so native memory does not pile up between garbage collections.
            using var scope = NewDisposeScope();
            _module.train();
            var x = Inputs(inputs, count);
            var y = Labels(labels, count);
            float learningRate = _schedule.LearningRate(_steps++);
            foreach (var group in _optimizer.ParamGroups) group.LearningRate = learningRate;
            _optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(_module.call(x), y);
            loss.backward();
            _optimizer.step();
            return loss.item<float>();
        }

        public (float Loss, float Accuracy) Evaluate(DigitSet set)
        {
            _module.eval();
            using var mode = inference_mode();
            double loss = 0;
            long correct = 0;
            for (int start = 0; start < set.Count; start += EvaluationBatch)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(EvaluationBatch, set.Count - start);
                var scores = _module.call(Inputs(set.Images.AsSpan(start * InputLength), count));
                var y = Labels(set.Labels.AsSpan(start), count);
                loss += nn.functional.cross_entropy(scores, y).item<float>() * (double)count;
                correct += scores.argmax(1).eq(y).sum().item<long>();
            }
            return ((float)(loss / set.Count), (float)correct / set.Count);
        }

        private Tensor Inputs(ReadOnlySpan<float> inputs, int count)
        {
            _inputShape[0] = count;
            return tensor(inputs[..(count * InputLength)].ToArray(), _inputShape);
        }

        private static Tensor Labels(ReadOnlySpan<int> labels, int count)
        {
            var values = new long[count];
            for (int i = 0; i < count; i++) values[i] = labels[i];
            return tensor(values, [count]);
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _module.Dispose();
        }
    }
}
