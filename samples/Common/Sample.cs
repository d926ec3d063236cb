using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using ConvNet;

namespace Samples.Common;

/// <summary>One activation picture: a layer's output (after its ReLU) for a few test digits.</summary>
/// <param name="Layer">Index of the layer in <see cref="INetwork.Layers"/>.</param>
/// <param name="Title">The picture's title.</param>
/// <param name="FileName">The PNG file's name.</param>
public sealed record ActivationPicture(int Layer, string Title, string FileName);

/// <summary>What makes one sample: its network and recipe, where its weights go, and what it draws.</summary>
/// <param name="Title">The network's name in the report, e.g. <c>LeNet-5</c>.</param>
/// <param name="Description">The first line of <c>--help</c>.</param>
/// <param name="Recipe">The default options.</param>
/// <param name="Create">A new network with weights initialised from a seed.</param>
/// <param name="Flops">Forward FLOPs per digit (the generated <c>Flops</c> constant).</param>
/// <param name="WeightsFile">The safetensors file's name in the output folder.</param>
/// <param name="FilterLayer">The conv layer on the input whose filters are drawn.</param>
/// <param name="Activations">The activation pictures.</param>
public sealed record SampleSpec(
    string Title,
    string Description,
    Recipe Recipe,
    Func<int, INetwork> Create,
    long Flops,
    string WeightsFile,
    int FilterLayer,
    IReadOnlyList<ActivationPicture> Activations)
{
    /// <summary>The sample's command line, with the recipe as defaults.</summary>
    public CommandLine CommandLine() => new(Description, Recipe);
}

/// <summary>A sample's whole run: train with progress and a table, save and reload the weights, draw, report.</summary>
public static class Sample
{
    /// <summary>Parses <paramref name="args"/> and runs the sample. Exit code 0: done, and the reloaded weights scored
    /// the same as the trained ones; 1: they did not; 2: a problem the user can fix (a message says which); command
    /// line errors get System.CommandLine's exit code and messages.</summary>
    public static int Run(SampleSpec spec, string[] args)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(args);
        return spec.CommandLine().Create(options => Train(spec, options)).Parse(args).Invoke();
    }

    private static int Train(SampleSpec spec, TrainingOptions options)
    {
        try
        {
            var data = MnistData.Load(options.DataDirectory, options.Holdout);
            var network = spec.Create(options.Seed);
            network.MaxDegreeOfParallelism = options.Threads;
            Report.Header(spec.Title, network.Parameters.Length, spec.Flops, options, data);

            var model = new NetworkModel(network, options, Math.Min(options.BatchSize, data.Train.Count));
            var trainer = new Trainer(model, options, data.Train.Count);
            var history = Report.Train(trainer, options, data);
            var final = history[^1];

            Directory.CreateDirectory(options.OutputDirectory);
            string weights = Path.Combine(options.OutputDirectory, spec.WeightsFile);
            SafeTensors.Save(network, weights);
            // A fresh instance whose initial weights differ from the trained network's, so only the file can make it agree.
            var reloaded = spec.Create(options.Seed + 1);
            reloaded.MaxDegreeOfParallelism = options.Threads;
            SafeTensors.Load(reloaded, weights);
            float reloadedAccuracy = NetworkModel.Evaluate(reloaded, data.Evaluation).Accuracy;
            Report.ReloadCheck(weights, data.EvaluationName, final.EvalAccuracy, reloadedAccuracy);

            // Different digits show the same filters responding to different strokes.
            var picks = Pictures.FirstOfEachClass(data.Evaluation, count: 4);
            var files = new List<string> { weights, Pictures.Filters(network, spec.FilterLayer, options.OutputDirectory) };
            foreach (var picture in spec.Activations)
                files.Add(Pictures.ActivationMaps(network, data.Evaluation, picks, picture.Layer, picture.Title, picture.FileName, options.OutputDirectory));
            files.Add(Pictures.Curves(history, data.EvaluationName, options.OutputDirectory));

            var total = DateTime.Now - Process.GetCurrentProcess().StartTime;
            double imagesPerSecond = history.Sum(h => h.Images) / history.Sum(h => h.TrainTime.TotalSeconds);
            Report.Final(data.EvaluationName, final.EvalAccuracy, total, imagesPerSecond, options.OutputDirectory, files);
            return reloadedAccuracy == final.EvalAccuracy ? 0 : 1;
        }
        catch (UserException e)
        {
            Report.Error(e.Message);
            return 2;
        }
    }
}
