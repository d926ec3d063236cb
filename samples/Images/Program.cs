// Trains a small CNN on a folder of images: one folder per class of PNG or JPEG files, loaded with ConvNet.Imaging,
// trained with Training.Fit (augmentation, validation, early stopping, progress on the terminal). With no folder
// given it first writes digits of the shipped MNIST subset as PNG files, so a fresh clone runs it as it is:
//   dotnet run -c Release --project samples/Images -- [folder]
using System;
using System.IO;
using ConvNet;
using ConvNet.Imaging;
using Images;
using Spectre.Console;

string folder = args.Length > 0 ? args[0] : Path.Combine("output", "images", "digits");
if (!Directory.Exists(folder))
    AnsiConsole.WriteLine($"wrote {DigitFolder.Write(folder, perClass: 200)} digits as PNG files into {folder}");

var network = new DigitNet(seed: 1);
// Decoded, resized to the network's input (grey, 28x28) and normalised as the MNIST samples are.
var images = ImageFolder.Load(folder, network.InputShape, Normalization.Mnist);
var (train, validation) = images.Split(validationFraction: 0.2, seed: 1);
AnsiConsole.WriteLine($"{images.Count} images in {images.Classes.Count} classes ({string.Join(" ", images.Classes)}): " +
                      $"{train.Count} train, {validation.Count} validate");

const int Epochs = 30, BatchSize = 32;
var optimizer = new Adam(network.Parameters.Length, 0.002f)
{
    Schedule = new CosineSchedule(0.002f, Epochs * Training.StepsPerEpoch(train.Count, BatchSize)),
};
float background = -Normalization.Mnist.Mean[0] / Normalization.Mnist.Std[0];
FitOptions Options(IProgress<FitProgress> progress) => new()
{
    Epochs = Epochs,
    BatchSize = BatchSize,
    Seed = 1,
    // Digits must not be mirrored: a small shift is the augmentation that suits them.
    Augmentation = new RandomShift(maxShift: 2, fill: background),
    Validation = validation,
    Patience = 4,
    Monitor = FitMetric.ValidationLoss,
    Progress = progress,
};

FitResult result = null!;
if (Console.IsOutputRedirected)
{
    // A log gets one line per epoch rather than the bars' redraws.
    result = Training.Fit(network, optimizer, train, Options(new EpochLines()));
}
else
{
    AnsiConsole.Progress()
        .AutoClear(false)
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
        .Start(context => result = Training.Fit(network, optimizer, train, Options(new EpochBars(context))));
}

var (loss, accuracy) = Training.Evaluate(network, validation.Inputs, validation.Labels, 500);
AnsiConsole.WriteLine($"{result.Stop} after {result.History.Count} epochs; the network holds the best epoch's weights");
AnsiConsole.WriteLine($"best epoch {result.BestEpoch}: validation loss {loss:F4}, accuracy {100 * accuracy:F2}%");
string weights = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(folder))!, "digitnet.safetensors");
SafeTensors.Save(network, weights);
AnsiConsole.WriteLine($"weights saved to {Path.GetRelativePath(Environment.CurrentDirectory, weights)}");

// The line an epoch ends with.
internal static class EpochLine
{
    public static string Of(FitProgress p) => p.EpochEnd
        ? $"epoch {p.Epoch,2}/{p.Epochs}  loss {p.Loss:F4}  {p.ImagesPerSecond,6:N0} img/s  validation loss {p.ValidationLoss:F4}  accuracy {100 * p.ValidationAccuracy:F1}%"
        : $"epoch {p.Epoch,2}/{p.Epochs}  loss {p.Loss:F4}  {p.ImagesPerSecond,6:N0} img/s";
}

internal sealed class EpochLines : IProgress<FitProgress>
{
    public void Report(FitProgress p)
    {
        if (p.EpochEnd) AnsiConsole.WriteLine(EpochLine.Of(p));
    }
}

// One bar per epoch, updated after every batch, and its line at the end of the epoch with the validation result.
// Fit reports on the training thread, so the bars move in step with it.
internal sealed class EpochBars(ProgressContext context) : IProgress<FitProgress>
{
    private ProgressTask? _task;

    public void Report(FitProgress p)
    {
        if (p.Batch == 1 && !p.EpochEnd) _task = context.AddTask($"epoch {p.Epoch,2}/{p.Epochs}", maxValue: p.SamplesPerEpoch);
        _task!.Value = p.Samples;
        _task.Description = EpochLine.Of(p);
        if (p.EpochEnd) _task.StopTask();
    }
}
