using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using ConvNet;

namespace Samples.Common;

/// <summary>One activation picture: a layer's output (after its ReLU) for a few test digits.</summary>
/// <param name="Layer">Index of the layer in <see cref="INetwork.Layers"/>.</param>
/// <param name="Title">The picture's title, which also names it in error messages.</param>
/// <param name="FileName">The PNG file's name.</param>
public sealed record ActivationPicture(int Layer, string Title, string FileName);

/// <summary>The pictures drawn through the network's gradients after training (<c>--no-gradient-pictures</c> skips them):
/// <c>neurons-NAME.png</c>, <c>classes.png</c> and <c>saliency.png</c>.</summary>
/// <param name="NeuronLayer">Index of the layer whose channels <c>neurons-NAME.png</c> shows; its units must see a window of
/// the input (<see cref="ReceptiveField"/>).</param>
/// <param name="Ascent">The gradient ascent for the neurons and the classes, with the input range of the data.</param>
public sealed record GradientPictures(int NeuronLayer, AscentOptions Ascent);

/// <summary>What makes one sample: its network and recipe, the names of its files, and what it draws.</summary>
/// <param name="Name">Short lowercase name: the weights go to <c>NAME.safetensors</c>, and the checkpoint's own keys start
/// with <c>NAME.</c>.</param>
/// <param name="Title">The network's name in the report, e.g. <c>LeNet-5</c>.</param>
/// <param name="Description">The first sentence of <c>--help</c>.</param>
/// <param name="Recipe">The default options.</param>
/// <param name="Create">A new network with weights initialised from a seed.</param>
/// <param name="Flops">Forward FLOPs per digit (the generated <c>Flops</c> constant).</param>
/// <param name="FilterLayer">The conv layer on the input whose filters are drawn.</param>
/// <param name="Activations">The activation pictures.</param>
public sealed record SampleSpec(
    string Name,
    string Title,
    string Description,
    Recipe Recipe,
    Func<int, INetwork> Create,
    long Flops,
    int FilterLayer,
    IReadOnlyList<ActivationPicture> Activations)
{
    /// <summary>The pictures drawn through the gradients, or null for none.</summary>
    public GradientPictures? Gradients { get; init; }

    /// <summary>The weights file's name in the output folder.</summary>
    public string WeightsFile => Name + ".safetensors";

    /// <summary>Where a run stopped by Ctrl-C leaves what it trained, apart from a complete run's weights.</summary>
    public string PartialWeightsFile => Name + ".partial.safetensors";

    /// <summary>The default output folder, relative to the current one: <c>output/NAME</c>, so that one sample's run
    /// does not replace another's weights, checkpoint and pictures.</summary>
    public string DefaultOutputDirectory => Path.Combine("output", Name);

    /// <summary>The sample's command line, with the recipe as defaults.</summary>
    public CommandLine CommandLine() =>
        new(Description + " " + ExitCodes.Describe(PartialWeightsFile), Recipe, DefaultOutputDirectory, gradientPictures: Gradients is not null);
}

/// <summary>A sample's whole run: train with progress and a table (checkpointed after every epoch, resumable, stopped
/// cleanly by Ctrl-C), save and reload the weights, evaluate per digit, draw, report.</summary>
public static class Sample
{
    /// <summary>Parses <paramref name="args"/> and runs the sample; returns one of the <see cref="ExitCodes"/> (command
    /// line errors get System.CommandLine's exit code and messages).</summary>
    public static int Run(SampleSpec spec, string[] args)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(args);
        return spec.CommandLine().Create(options => Train(spec, options)).Parse(args, CommandLine.Parser).Invoke();
    }

    private static int Train(SampleSpec spec, TrainingOptions options)
    {
        try
        {
            Outputs.CheckWritable(options.OutputDirectory);
            var data = MnistData.Load(options.DataDirectory, options.Holdout);
            var network = spec.Create(options.Seed);
            network.MaxDegreeOfParallelism = options.Threads;
            Report.Header(spec.Title, network.Parameters.Length, spec.Flops, options, data);

            var optimizer = Recipe.CreateOptimizer(network, options, data.Train.Count);
            var rng = Recipe.Generator(options.Seed);
            var state = new RunState(spec.Name, new Checkpoint(network, optimizer, rng));
            using var stop = new CancellationTokenSource();
            // The first Ctrl-C (SIGINT) stops training at the end of the current batch; a second one, with the handler's
            // Cancel left false, ends the process at once as usual.
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal =>
            {
                if (stop.IsCancellationRequested) return;
                signal.Cancel = true;
                stop.Cancel();
                Report.Stopping();
            });
            var earlier = options.Resume is null ? [] : state.Load(options, data.Train.Count, options.Resume);
            if (options.Resume is not null) Report.Resumed(options.Resume, earlier.Count, options.Epochs);
            // Rewritten after every epoch, so a run stopped for any reason can go on from its last finished epoch.
            string checkpoint = Path.Combine(options.OutputDirectory, RunState.FileName);
            int lastEpoch = Math.Min(options.Epochs, options.StopAfter ?? options.Epochs);
            var failures = new List<string>();
            var checkpoints = new List<string>();
            bool lastCheckpointWritten = false;
            var run = Report.Train(network, optimizer, rng, options, data, earlier, lastEpoch,
                history => lastCheckpointWritten = Outputs.Write("the checkpoint", () =>
                {
                    state.Save(options, history, checkpoint);
                    return checkpoint;
                }, checkpoints, failures), stop.Token);

            if (run.Interrupted is { } where)
            {
                // A name of its own, so the weights of an earlier complete run are not replaced by partial ones.
                Report.Interrupted(where, Outputs.SaveWeights(network, options.OutputDirectory, spec.PartialWeightsFile, failures));
                failures.ForEach(Report.Error);
                return ExitCodes.Interrupted;
            }
            if (run.Diverged is { } diverged)
            {
                Report.Error(diverged);
                return ExitCodes.Diverged;
            }

            if (lastEpoch < options.Epochs)
            {
                Report.Stopped(lastCheckpointWritten ? checkpoint : null, lastEpoch, options.Epochs);
                failures.ForEach(Report.Error);
                return failures.Count > 0 ? ExitCodes.OutputFailed : ExitCodes.Success;
            }

            float finalAccuracy = run.History[^1].ValidationAccuracy!.Value;
            var files = new List<string>();
            string? weights = Outputs.SaveWeights(network, options.OutputDirectory, spec.WeightsFile, failures);
            float reloadedAccuracy = float.NaN;
            if (weights is not null)
            {
                files.Add(weights);
                // A fresh instance whose initial weights differ from the trained network's, so only the file can make it agree.
                var reloaded = spec.Create(unchecked(options.Seed + 1));
                reloaded.MaxDegreeOfParallelism = options.Threads;
                SafeTensors.Load(reloaded, weights);
                reloadedAccuracy = Training.Evaluate(reloaded, data.Evaluation.Images, data.Evaluation.Labels, Recipe.EvaluationBatch).Accuracy;
                Report.ReloadCheck(weights, data.EvaluationName, finalAccuracy, reloadedAccuracy);
            }

            var evaluation = ClassificationReport.Evaluate(network, data.Evaluation.Images, data.Evaluation.Labels, Recipe.EvaluationBatch);
            Report.Classes(evaluation, data.EvaluationName);

            // Different digits show the same filters responding to different strokes.
            var picks = Pictures.FirstOfEachClass(data.Evaluation, count: 4);
            string folder = options.OutputDirectory;
            Outputs.Write($"the {network.Layers[spec.FilterLayer].Name} filters", () => Pictures.Filters(network, spec.FilterLayer, folder), files, failures);
            foreach (var picture in spec.Activations)
                Outputs.Write($"the {picture.Title}", () => Pictures.ActivationMaps(network, data.Evaluation, picks, picture.Layer, picture.Title, picture.FileName, folder), files, failures);
            if (spec.Gradients is { } gradients && options.GradientPictures)
            {
                var clock = Stopwatch.StartNew();
                string neurons = network.Layers[gradients.NeuronLayer].Name;
                Outputs.Write($"the {neurons} neurons", () => Pictures.Neurons(network, data.Evaluation, gradients.NeuronLayer, gradients.Ascent, folder), files, failures);
                Outputs.Write("the class inputs", () => Pictures.Classes(network, gradients.Ascent, folder), files, failures);
                Outputs.Write("the saliency maps", () => Pictures.Saliency(network, data.Evaluation, picks, folder), files, failures);
                Report.GradientPictures(clock.Elapsed);
            }
            Outputs.Write("the training curves", () => Pictures.Curves(run.History, data.EvaluationName, folder), files, failures);
            Outputs.Write("the confusion matrix", () => Pictures.Confusion(evaluation, data.EvaluationName, folder), files, failures);
            Outputs.Write("the misclassified digits", () => Pictures.Misclassified(network, data.Evaluation, evaluation, folder), files, failures);
            if (checkpoints.Count > 0) files.Add(checkpoint);

            var total = DateTime.Now - Process.GetCurrentProcess().StartTime;
            double imagesPerSecond = run.History.Sum(h => h.Samples) / run.History.Sum(h => h.TrainTime.TotalSeconds);
            Report.Final(data.EvaluationName, finalAccuracy, total, imagesPerSecond, folder, files);
            failures.ForEach(Report.Error);
            if (failures.Count > 0) return ExitCodes.OutputFailed;
            return reloadedAccuracy == finalAccuracy ? ExitCodes.Success : ExitCodes.ReloadMismatch;
        }
        catch (UserException e)
        {
            Report.Error(e.Message);
            return ExitCodes.UserError;
        }
    }
}
