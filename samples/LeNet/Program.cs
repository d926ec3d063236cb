// Trains LeNet-5 (declared in LeNet5.cs, compiled by the ConvNet source generator) on MNIST, saves and reloads the
// weights, and draws what it learned. `dotnet run -c Release --project samples/LeNet -- --help` lists the options.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using ConvNet;
using LeNet;

return CommandLine.Create(options =>
{
    try
    {
        Outputs.CheckWritable(options.OutputDirectory);
        var data = MnistData.Load(options.DataDirectory, options.Holdout);
        Report.Header(options, data);

        var network = new LeNet5(options.Seed) { MaxDegreeOfParallelism = options.Threads };
        var trainer = new Trainer(network, options, data.Train.Count);
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
        var earlier = options.Resume is null ? [] : RunState.Load(trainer, options, options.Resume);
        if (options.Resume is not null) Report.Resumed(options.Resume, earlier.Count, options.Epochs);
        // Rewritten after every epoch, so a run stopped for any reason can go on from its last finished epoch.
        string checkpoint = Path.Combine(options.OutputDirectory, RunState.FileName);
        int lastEpoch = Math.Min(options.Epochs, options.StopAfter ?? options.Epochs);
        var failures = new List<string>();
        var checkpoints = new List<string>();
        var run = Report.Train(trainer, options, data, earlier, lastEpoch,
            history => Outputs.Write("the checkpoint", () =>
            {
                RunState.Save(trainer, options, history, checkpoint);
                return checkpoint;
            }, checkpoints, failures), stop.Token);

        if (run.Interrupted is { } where)
        {
            // A name of its own, so the weights of an earlier complete run are not replaced by partial ones.
            Report.Interrupted(where, Outputs.SaveWeights(network, options.OutputDirectory, "lenet.partial.safetensors", failures));
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
            Report.Stopped(checkpoint, lastEpoch, options.Epochs);
            failures.ForEach(Report.Error);
            return failures.Count > 0 ? ExitCodes.OutputFailed : ExitCodes.Success;
        }

        var final = run.History[^1];
        var files = new List<string>();
        string? weights = Outputs.SaveWeights(network, options.OutputDirectory, "lenet.safetensors", failures);
        float reloadedAccuracy = float.NaN;
        if (weights is not null)
        {
            files.Add(weights);
            var reloaded = new LeNet5 { MaxDegreeOfParallelism = options.Threads };
            SafeTensors.Load(reloaded, weights);
            reloadedAccuracy = Trainer.Evaluate(reloaded, data.Evaluation).Accuracy;
            Report.ReloadCheck(weights, data.EvaluationName, final.EvalAccuracy, reloadedAccuracy);
        }

        var evaluation = ClassificationReport.Evaluate(network, data.Evaluation.Images, data.Evaluation.Labels, batchSize: 500);
        Report.Classes(evaluation, data.EvaluationName);

        // Different digits show the same filters responding to different strokes.
        var picks = Pictures.FirstOfEachClass(data.Evaluation, count: 4);
        string folder = options.OutputDirectory;
        Outputs.Write("the conv1 filters", () => Pictures.Conv1Filters(network, folder), files, failures);
        Outputs.Write("the conv1 activations", () => Pictures.ActivationMaps(network, data.Evaluation, picks, LeNet5.Relu1.Index, "conv1 activations (after ReLU)", "activations-conv1.png", folder), files, failures);
        Outputs.Write("the conv2 activations", () => Pictures.ActivationMaps(network, data.Evaluation, picks, LeNet5.Relu2.Index, "conv2 activations (after ReLU)", "activations-conv2.png", folder), files, failures);
        Outputs.Write("the training curves", () => Pictures.Curves(run.History, data.EvaluationName, folder), files, failures);
        Outputs.Write("the confusion matrix", () => Pictures.Confusion(evaluation, data.EvaluationName, folder), files, failures);
        Outputs.Write("the misclassified digits", () => Pictures.Misclassified(network, data.Evaluation, evaluation, folder), files, failures);
        if (checkpoints.Count > 0) files.Add(checkpoint);

        var total = DateTime.Now - Process.GetCurrentProcess().StartTime;
        double imagesPerSecond = run.History.Sum(h => h.Images) / run.History.Sum(h => h.TrainTime.TotalSeconds);
        Report.Final(data.EvaluationName, final.EvalAccuracy, total, imagesPerSecond, folder, files);
        failures.ForEach(Report.Error);
        if (failures.Count > 0) return ExitCodes.OutputFailed;
        return reloadedAccuracy == final.EvalAccuracy ? ExitCodes.Success : ExitCodes.ReloadMismatch;
    }
    catch (UserException e)
    {
        Report.Error(e.Message);
        return ExitCodes.UserError;
    }
}).Parse(args).Invoke();
