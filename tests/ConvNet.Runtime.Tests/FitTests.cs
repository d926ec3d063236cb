using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class FitTests
{
    // 120 points of 3 noisy clusters in 4 dimensions; `shuffleLabels` gives every point another cluster's label.
    private static Dataset Clusters(ulong seed, bool shuffleLabels = false)
    {
        var rng = new Rng(seed);
        var inputs = new float[120 * 4];
        var labels = new int[120];
        for (int n = 0; n < labels.Length; n++)
        {
            int cluster = n % 3;
            labels[n] = shuffleLabels ? (cluster + 1) % 3 : cluster;
            for (int i = 0; i < 4; i++) inputs[4 * n + i] = (i == cluster ? 2f : 0f) + 0.5f * rng.NextGaussian();
        }
        return new Dataset(inputs, labels);
    }

    private static (LinearNetwork Network, Sgd Optimizer) Fresh()
    {
        var network = new LinearNetwork(4, 3);
        var init = new Rng(2);
        for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] = init.NextUniform(-0.1f, 0.1f);
        return (network, new Sgd(network.Parameters.Length, 0.05f, momentum: 0.9f));
    }

    // Reports synchronously, in order (Progress<T> would post them to the thread pool).
    private sealed class Recorder(Action<FitProgress>? also = null) : IProgress<FitProgress>
    {
        public List<FitProgress> Reports { get; } = [];
        public void Report(FitProgress value)
        {
            Reports.Add(value);
            also?.Invoke(value);
        }
    }

    [Fact]
    public void Fit_WithoutAugmentation_IsTrainEpochOverAndOver()
    {
        var data = Clusters(1);
        var (expected, expectedOptimizer) = Fresh();
        var rng = new Rng(9);
        var losses = new List<float>();
        for (int e = 0; e < 3; e++) losses.Add(Training.TrainEpoch(expected, expectedOptimizer, data.Inputs, data.Labels, 16, rng));

        var (network, optimizer) = Fresh();
        var result = Training.Fit(network, optimizer, data, new FitOptions { Epochs = 3, BatchSize = 16, Seed = 9 });
        Assert.Equal(expected.Parameters, network.Parameters);
        Assert.Equal(losses, result.History.Select(h => h.TrainLoss));
        Assert.Equal(FitStop.Completed, result.Stop);
        Assert.Null(result.BestEpoch);
        Assert.Equal(120, result.SamplesDone);
        Assert.All(result.History, h => Assert.Null(h.ValidationLoss));
    }

    // Draws an offset from the generator and adds it to every input: checks that Fit applies it per sample, drawing
    // after the epoch's order, from the run's generator.
    private sealed class AddNoise : IAugmentation
    {
        public void Apply(ReadOnlySpan<float> sample, Span<float> destination, Shape shape, Rng rng)
        {
            float offset = rng.NextUniform(-0.5f, 0.5f);
            for (int i = 0; i < sample.Length; i++) destination[i] = sample[i] + offset;
        }
    }

    [Fact]
    public void Fit_AugmentsEachSample_FromTheRunsGenerator_Reproducibly()
    {
        var data = Clusters(1);
        // The reference: the epoch's order, then one draw per sample in batch order, as a hand-written loop.
        var (expected, expectedOptimizer) = Fresh();
        var rng = new Rng(4);
        var order = Enumerable.Range(0, 120).ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var augmented = new float[data.Inputs.Length];
        var labels = new int[120];
        for (int k = 0; k < 120; k++)
        {
            float offset = rng.NextUniform(-0.5f, 0.5f);
            for (int i = 0; i < 4; i++) augmented[4 * k + i] = data.Inputs[4 * order[k] + i] + offset;
            labels[k] = data.Labels[order[k]];
        }
        // TrainEpoch with one batch of all 120 fills slot s from sample order0[s] of its own shuffle: placing augmented
        // sample s there gives its batch the same samples in the same slots, so the same sums.
        var order0 = Enumerable.Range(0, 120).ToArray();
        var rng0 = new Rng(0);
        for (int i = order0.Length - 1; i > 0; i--)
        {
            int j = rng0.NextInt(i + 1);
            (order0[i], order0[j]) = (order0[j], order0[i]);
        }
        var placed = new float[augmented.Length];
        var placedLabels = new int[120];
        for (int s = 0; s < 120; s++)
        {
            augmented.AsSpan(4 * s, 4).CopyTo(placed.AsSpan(4 * order0[s]));
            placedLabels[order0[s]] = labels[s];
        }
        Training.TrainEpoch(expected, expectedOptimizer, placed, placedLabels, 120, new Rng(0));

        var (network, optimizer) = Fresh();
        Training.Fit(network, optimizer, data, new FitOptions { BatchSize = 120, Seed = 4, Augmentation = new AddNoise() });
        Assert.Equal(expected.Parameters, network.Parameters);

        var (again, againOptimizer) = Fresh();
        Training.Fit(again, againOptimizer, data, new FitOptions { BatchSize = 120, Seed = 4, Augmentation = new AddNoise() });
        Assert.Equal(network.Parameters, again.Parameters);
    }

    [Fact]
    public void EarlyStopping_RestoresTheBestEpochsWeights()
    {
        // Validation labels disagree with training: the better the network learns, the worse it validates, so the
        // first epoch is the best, and with patience 2 the run stops after epoch 3.
        var train = Clusters(1);
        var validation = Clusters(5, shuffleLabels: true);
        var (afterOne, afterOneOptimizer) = Fresh();
        Training.TrainEpoch(afterOne, afterOneOptimizer, train.Inputs, train.Labels, 16, new Rng(9));

        var (network, optimizer) = Fresh();
        var result = Training.Fit(network, optimizer, train, new FitOptions
        {
            Epochs = 20, BatchSize = 16, Seed = 9, Validation = validation, Patience = 2,
        });
        Assert.Equal(FitStop.EarlyStopped, result.Stop);
        Assert.Equal(1, result.BestEpoch);
        Assert.Equal(3, result.History.Count);
        Assert.True(result.History[2].ValidationLoss > result.History[1].ValidationLoss
                    && result.History[1].ValidationLoss > result.History[0].ValidationLoss);
        Assert.Equal(afterOne.Parameters, network.Parameters);
        Assert.Equal(3 * Training.StepsPerEpoch(120, 16), optimizer.Steps);
        var (loss, accuracy) = Training.Evaluate(network, validation.Inputs, validation.Labels, 500);
        Assert.Equal(result.History[0].ValidationLoss, loss);
        Assert.Equal(result.History[0].ValidationAccuracy, accuracy);
    }

    [Fact]
    public void EarlyStopping_WithoutRestore_KeepsTheLastWeights_AndAccuracyCanBeWatched()
    {
        var train = Clusters(1);
        var validation = Clusters(5, shuffleLabels: true);
        var (last, lastOptimizer) = Fresh();
        var rng = new Rng(9);
        for (int e = 0; e < 3; e++) Training.TrainEpoch(last, lastOptimizer, train.Inputs, train.Labels, 16, rng);

        var (network, optimizer) = Fresh();
        var result = Training.Fit(network, optimizer, train, new FitOptions
        {
            Epochs = 3, BatchSize = 16, Seed = 9, Validation = validation, Patience = 5, RestoreBestWeights = false,
            Monitor = FitMetric.ValidationAccuracy,
        });
        Assert.Equal(FitStop.Completed, result.Stop);
        Assert.Equal(last.Parameters, network.Parameters);
        int best = result.History.MaxBy(h => h.ValidationAccuracy)!.Epoch;
        Assert.Equal(best, result.BestEpoch);
    }

    [Fact]
    public void Progress_ReportsEveryBatch_ThenTheEpochWithItsValidation()
    {
        var train = Clusters(1);
        var validation = Clusters(5);
        var recorder = new Recorder();
        var (network, optimizer) = Fresh();
        optimizer.Schedule = new StepSchedule(0.05f, 8, 0.5f);
        var completed = new List<FitEpoch>();
        var result = Training.Fit(network, optimizer, train, new FitOptions
        {
            Epochs = 2, BatchSize = 50, Validation = validation, Progress = recorder, EpochCompleted = completed.Add,
        });
        // 120 samples in batches of 50: 50, 100, 120.
        Assert.Equal(
            [(1, 1, 50, false), (1, 2, 100, false), (1, 3, 120, false), (1, 3, 120, true),
             (2, 1, 50, false), (2, 2, 100, false), (2, 3, 120, false), (2, 3, 120, true)],
            recorder.Reports.Select(r => (r.Epoch, r.Batch, r.Samples, r.EpochEnd)));
        Assert.All(recorder.Reports, r => Assert.Equal((2, 3, 120), (r.Epochs, r.Batches, r.SamplesPerEpoch)));
        Assert.All(recorder.Reports, r => Assert.True(r.ImagesPerSecond > 0));
        Assert.Equal([0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f], recorder.Reports.Select(r => r.LearningRate));
        var ends = recorder.Reports.Where(r => r.EpochEnd).ToArray();
        Assert.Equal(result.History.Select(h => h.TrainLoss), ends.Select(r => r.Loss));
        Assert.Equal(result.History.Select(h => h.ValidationLoss), ends.Select(r => r.ValidationLoss));
        Assert.All(recorder.Reports.Where(r => !r.EpochEnd), r => Assert.Null(r.ValidationAccuracy));
        // The last batch's running mean is the epoch's loss.
        Assert.Equal(ends[1].Loss, recorder.Reports[6].Loss);
        Assert.Equal(result.History, completed);
        var (loss, accuracy) = Training.Evaluate(network, validation.Inputs, validation.Labels, 7);
        Assert.Equal(result.History[^1].ValidationLoss!.Value, loss, 5);
        Assert.Equal(result.History[^1].ValidationAccuracy, accuracy);
    }

    [Fact]
    public void Progress_ReportsTheScheduledRateOfEachStep()
    {
        var recorder = new Recorder();
        var (network, optimizer) = Fresh();
        optimizer.Schedule = new StepSchedule(0.08f, 2, 0.5f);
        Training.Fit(network, optimizer, Clusters(1), new FitOptions { Epochs = 2, BatchSize = 40, Progress = recorder });
        Assert.Equal([0.08f, 0.08f, 0.04f, 0.04f, 0.04f, 0.02f, 0.02f, 0.02f],
            recorder.Reports.Select(r => r.LearningRate));
    }

    [Fact]
    public void Cancellation_StopsAfterTheCurrentStep()
    {
        using var stop = new CancellationTokenSource();
        var recorder = new Recorder(r => { if (r.Epoch == 2 && r.Batch == 2) stop.Cancel(); });
        var (network, optimizer) = Fresh();
        var result = Training.Fit(network, optimizer, Clusters(1), new FitOptions
        {
            Epochs = 5, BatchSize = 16, Progress = recorder, Cancellation = stop.Token,
        });
        Assert.Equal(FitStop.Cancelled, result.Stop);
        Assert.Single(result.History);
        Assert.Equal(32, result.SamplesDone);
        Assert.Equal(8 + 2, optimizer.Steps);
    }

    [Fact]
    public void Divergence_StopsAfterTheEpoch()
    {
        var (network, optimizer) = Fresh();
        optimizer.LearningRate = float.MaxValue;
        var result = Training.Fit(network, optimizer, Clusters(1), new FitOptions { Epochs = 5, BatchSize = 16 });
        Assert.Equal(FitStop.Diverged, result.Stop);
        Assert.Single(result.History);
    }

    [Fact]
    public void Checkpoints_AreWrittenAfterEveryEpoch_AndResumeExactly()
    {
        string folder = Directory.CreateTempSubdirectory("convnet-fit-").FullName;
        try
        {
            string path = Path.Combine(folder, "run.safetensors");
            var data = Clusters(1);
            var (whole, wholeOptimizer) = Fresh();
            Training.Fit(whole, wholeOptimizer, data, new FitOptions { Epochs = 4, BatchSize = 16, Seed = 3 });

            var (first, firstOptimizer) = Fresh();
            var rng = new Rng(3);
            var firstCheckpoint = new Checkpoint(first, firstOptimizer, rng);
            using (var stop = new CancellationTokenSource())
            {
                Training.Fit(first, firstOptimizer, data, new FitOptions
                {
                    Epochs = 4, BatchSize = 16, Checkpoint = firstCheckpoint, CheckpointPath = path,
                    EpochCompleted = e => { if (e.Epoch == 2) stop.Cancel(); }, Cancellation = stop.Token,
                });
            }

            var (resumed, resumedOptimizer) = Fresh();
            var checkpoint = new Checkpoint(resumed, resumedOptimizer, new Rng(12345));
            var metadata = checkpoint.Load(path);
            Assert.Equal("2", metadata[Training.CheckpointEpochKey]);
            var result = Training.Fit(resumed, resumedOptimizer, data, new FitOptions
            {
                Epochs = 4, InitialEpoch = int.Parse(metadata[Training.CheckpointEpochKey]), BatchSize = 16,
                Checkpoint = checkpoint, CheckpointPath = path,
            });
            Assert.Equal([3, 4], result.History.Select(h => h.Epoch));
            Assert.Equal(whole.Parameters, resumed.Parameters);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static TheoryData<string, Func<FitOptions, FitOptions>> BadOptions() => new()
    {
        { "Epochs", o => new FitOptions { Epochs = 0 } },
        { "InitialEpoch", o => new FitOptions { Epochs = 2, InitialEpoch = 2 } },
        { "InitialEpoch", o => new FitOptions { InitialEpoch = -1 } },
        { "BatchSize", o => new FitOptions { BatchSize = 0 } },
        { "ValidationBatchSize", o => new FitOptions { ValidationBatchSize = 0 } },
        { "Patience", o => new FitOptions { Patience = 1 } },
        { "Patience", o => new FitOptions { Patience = 0, Validation = Clusters(2) } },
        { "MinDelta", o => new FitOptions { MinDelta = float.NaN } },
        { "Monitor", o => new FitOptions { Monitor = (FitMetric)9 } },
        { "Checkpoint", o => new FitOptions { CheckpointPath = "x.safetensors" } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptions_ThrowBeforeAnyStep(string property, Func<FitOptions, FitOptions> make)
    {
        var (network, optimizer) = Fresh();
        var before = network.Parameters.ToArray();
        var error = Assert.Throws<ArgumentException>("options", () => Training.Fit(network, optimizer, Clusters(1), make(new FitOptions())));
        Assert.StartsWith($"FitOptions.{property}", error.Message);
        Assert.Equal(0, optimizer.Steps);
        Assert.Equal(before, network.Parameters);
    }

    [Fact]
    public void BadData_AndForeignCheckpoints_ThrowBeforeAnyStep()
    {
        var (network, optimizer) = Fresh();
        var (other, otherOptimizer) = Fresh();
        Assert.Throws<ArgumentException>("inputs", () => Training.Fit(network, optimizer, new Dataset(new float[10], new int[2]), new FitOptions()));
        Assert.Throws<ArgumentOutOfRangeException>("labels", () => Training.Fit(network, optimizer, new Dataset(new float[4], [3]), new FitOptions()));
        Assert.Throws<ArgumentException>("inputs", () => Training.Fit(network, optimizer, Clusters(1),
            new FitOptions { Validation = new Dataset(new float[6], new int[2]) }));
        Assert.Contains("another network", Assert.Throws<ArgumentException>("options", () => Training.Fit(network, optimizer, Clusters(1),
            new FitOptions { Checkpoint = new Checkpoint(other, otherOptimizer), CheckpointPath = "x" })).Message);
        Assert.Contains("no generator", Assert.Throws<ArgumentException>("options", () => Training.Fit(network, optimizer, Clusters(1),
            new FitOptions { Checkpoint = new Checkpoint(network, optimizer), CheckpointPath = "x" })).Message);
        Assert.Contains("another generator", Assert.Throws<ArgumentException>("options", () => Training.Fit(network, optimizer, Clusters(1),
            new FitOptions { Checkpoint = new Checkpoint(network, optimizer, new Rng(1)), CheckpointPath = "x", Rng = new Rng(1) })).Message);
        Assert.Equal(0, optimizer.Steps);
    }

    [Fact]
    public void StepsPerEpoch_CountsThePartialBatch_UnlessDropped()
    {
        Assert.Equal(8, Training.StepsPerEpoch(120, 16));
        Assert.Equal(7, Training.StepsPerEpoch(120, 16, dropLastPartialBatch: true));
        Assert.Equal(1, Training.StepsPerEpoch(5, 16));
        Assert.Throws<ArgumentOutOfRangeException>("batchSize", () => Training.StepsPerEpoch(5, 0));
    }

    [Fact]
    public void Dataset_ChecksItsArrays_AndSubsetsCopy()
    {
        Assert.Throws<ArgumentException>("labels", () => new Dataset([1f], []));
        Assert.Throws<ArgumentException>("inputs", () => new Dataset(new float[5], new int[2]));
        Assert.Throws<ArgumentOutOfRangeException>("labels", () => new Dataset(new float[4], [0, -1]));
        var data = new Dataset([0, 1, 2, 3, 4, 5], [7, 8, 9]);
        Assert.Equal(2, data.SampleLength);
        var subset = data.Subset([2, 0]);
        Assert.Equal([4f, 5, 0, 1], subset.Inputs);
        Assert.Equal([9, 7], subset.Labels);
        Assert.Throws<ArgumentOutOfRangeException>("indices", () => data.Subset([3]));
    }
}
