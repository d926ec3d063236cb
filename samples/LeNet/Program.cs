// Trains LeNet-5 (declared in LeNet5.cs, compiled by the ConvNet source generator) on MNIST, saves and reloads the
// weights, and draws what it learned. `dotnet run -c Release --project samples/LeNet -- --help` lists the options.
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using ConvNet;
using LeNet;

return CommandLine.Create(options =>
{
    try
    {
        var data = MnistData.Load(options.DataDirectory, options.Holdout);
        Report.Header(options, data);

        var network = new LeNet5(options.Seed) { MaxDegreeOfParallelism = options.Threads };
        var trainer = new Trainer(network, options, data.Train.Count);
        var earlier = options.Resume is null ? [] : RunState.Load(trainer, options, options.Resume);
        if (options.Resume is not null) Report.Resumed(options.Resume, earlier.Count, options.Epochs);
        Directory.CreateDirectory(options.OutputDirectory);
        // Rewritten after every epoch, so an interrupted run can go on from its last finished epoch.
        string checkpoint = Path.Combine(options.OutputDirectory, RunState.FileName);
        int lastEpoch = Math.Min(options.Epochs, options.StopAfter ?? options.Epochs);
        var history = Report.Train(trainer, options, data, earlier, lastEpoch, h => RunState.Save(trainer, options, h, checkpoint));
        if (lastEpoch < options.Epochs)
        {
            Report.Stopped(checkpoint, lastEpoch, options.Epochs);
            return 0;
        }
        var final = history[^1];

        string weights = Path.Combine(options.OutputDirectory, "lenet.safetensors");
        SafeTensors.Save(network, weights);
        var reloaded = new LeNet5 { MaxDegreeOfParallelism = options.Threads };
        SafeTensors.Load(reloaded, weights);
        float reloadedAccuracy = Trainer.Evaluate(reloaded, data.Evaluation).Accuracy;
        Report.ReloadCheck(weights, data.EvaluationName, final.EvalAccuracy, reloadedAccuracy);

        var evaluation = ClassificationReport.Evaluate(network, data.Evaluation.Images, data.Evaluation.Labels, batchSize: 500);
        Report.Classes(evaluation, data.EvaluationName);

        // Different digits show the same filters responding to different strokes.
        var picks = Pictures.FirstOfEachClass(data.Evaluation, count: 4);
        string[] files =
        [
            weights,
            Pictures.Conv1Filters(network, options.OutputDirectory),
            Pictures.ActivationMaps(network, data.Evaluation, picks, LeNet5.Relu1.Index, "conv1 activations (after ReLU)", "activations-conv1.png", options.OutputDirectory),
            Pictures.ActivationMaps(network, data.Evaluation, picks, LeNet5.Relu2.Index, "conv2 activations (after ReLU)", "activations-conv2.png", options.OutputDirectory),
            Pictures.Curves(history, data.EvaluationName, options.OutputDirectory),
            Pictures.Confusion(evaluation, data.EvaluationName, options.OutputDirectory),
            Pictures.Misclassified(network, data.Evaluation, evaluation, options.OutputDirectory),
            checkpoint,
        ];

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
}).Parse(args).Invoke();
