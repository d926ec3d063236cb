using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;

namespace LeNet;

public enum OptimizerKind
{
    Sgd,
    Adam,
}

public enum ScheduleKind
{
    Constant,
    Cosine,
}

/// <summary>Everything one run needs, after validation. Defaults are the <see cref="Recipe"/>.</summary>
public sealed record TrainingOptions(
    int Epochs,
    int BatchSize,
    float LearningRate,
    OptimizerKind Optimizer,
    ScheduleKind Schedule,
    int MaxShift,
    int Holdout,
    int Seed,
    int Threads,
    string? DataDirectory,
    string OutputDirectory)
{
    /// <summary>A checkpoint to go on from (<c>--resume</c>), or null to start afresh.</summary>
    public string? Resume { get; init; }

    /// <summary>The last epoch to train in this run (<c>--stop-after</c>); the schedule still spans <see cref="Epochs"/>.</summary>
    public int? StopAfter { get; init; }
}

/// <summary>The command line: options, their validation, and the mapping to <see cref="TrainingOptions"/>.</summary>
public static class CommandLine
{
    // Options live in fields so that Parse and ToOptions agree on one set of instances.
    private static readonly Option<int> s_epochs = new("--epochs")
    {
        Description = "Passes over the training set.",
        DefaultValueFactory = _ => Recipe.Epochs,
    };

    private static readonly Option<int> s_batchSize = new("--batch-size")
    {
        Description = "Digits per gradient step.",
        DefaultValueFactory = _ => Recipe.BatchSize,
    };

    private static readonly Option<float?> s_learningRate = new("--learning-rate")
    {
        Description = $"Peak learning rate. Default: {Recipe.LearningRate(OptimizerKind.Sgd)} for sgd, {Recipe.LearningRate(OptimizerKind.Adam)} for adam.",
    };

    private static readonly Option<string> s_optimizer = new("--optimizer")
    {
        Description = "sgd (with Nesterov momentum 0.9) or adam.",
        DefaultValueFactory = _ => Recipe.Optimizer.ToString().ToLowerInvariant(),
    };

    private static readonly Option<string> s_schedule = new("--schedule")
    {
        Description = "Learning rate over the run: cosine (decays to 0) or constant.",
        DefaultValueFactory = _ => Recipe.Schedule.ToString().ToLowerInvariant(),
    };

    private static readonly Option<int> s_maxShift = new("--max-shift")
    {
        Description = "Largest random translation of a training digit, in pixels; 0 turns augmentation off.",
        DefaultValueFactory = _ => Recipe.MaxShift,
    };

    private static readonly Option<int> s_holdout = new("--holdout")
    {
        Description = "Train on all but the last N training digits and report accuracy on those N instead of the test set " +
                      "(how the recipe was chosen without looking at the test set).",
        DefaultValueFactory = _ => 0,
    };

    private static readonly Option<int> s_seed = new("--seed")
    {
        Description = "Seed for the initial weights, the shuffling and the augmentation.",
        DefaultValueFactory = _ => 1,
    };

    private static readonly Option<int> s_threads = new("--threads")
    {
        Description = "Threads for the batched forward and backward passes.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    private static readonly Option<DirectoryInfo?> s_data = new("--data")
    {
        Description = "Folder with the full MNIST IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], " +
                      "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]). Default: the 10,000-digit subset " +
                      "shipped with the sample, split 8,000 for training and 2,000 for testing.",
    };

    private static readonly Option<string> s_output = new("--output")
    {
        Description = "Folder for the weights and pictures.",
        DefaultValueFactory = _ => "output",
    };

    private static readonly Option<FileInfo?> s_resume = new("--resume")
    {
        Description = "Go on from a checkpoint (the output folder's checkpoint.safetensors, rewritten after every epoch) " +
                      "with the same bits as a run that never stopped. The other options must be the ones it was made with.",
    };

    private static readonly Option<int?> s_stopAfter = new("--stop-after")
    {
        Description = "Stop after this epoch, leaving the checkpoint to --resume from; the schedule still spans --epochs.",
    };

    static CommandLine()
    {
        s_epochs.Validators.Add(r => InRange(r, s_epochs, 1, 1000));
        s_batchSize.Validators.Add(r => InRange(r, s_batchSize, 1, 4096));
        s_maxShift.Validators.Add(r => InRange(r, s_maxShift, 0, 8));
        s_holdout.Validators.Add(r => InRange(r, s_holdout, 0, 1_000_000));
        s_threads.Validators.Add(r => InRange(r, s_threads, 1, 256));
        s_learningRate.Validators.Add(r =>
        {
            if (!Parses(r, t => float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _))) return;
            float? value = r.GetValueOrDefault<float?>();
            if (value is { } lr && (!float.IsFinite(lr) || lr <= 0f || lr > 10f))
                r.AddError($"--learning-rate must be greater than 0 and at most 10; got {lr}.");
        });
        s_optimizer.AcceptOnlyFromAmong("sgd", "adam");
        s_schedule.AcceptOnlyFromAmong("cosine", "constant");
        s_stopAfter.Validators.Add(r =>
        {
            if (!Parses(r, t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))) return;
            if (r.GetValueOrDefault<int?>() is { } epoch && epoch < 1)
                r.AddError($"--stop-after must be an epoch, at least 1; got {epoch}.");
        });
        s_resume.Validators.Add(r =>
        {
            var file = r.GetValueOrDefault<FileInfo?>();
            if (file is { Exists: false })
                r.AddError($"--resume: the file '{file.FullName}' does not exist.");
        });
        s_data.Validators.Add(r =>
        {
            var folder = r.GetValueOrDefault<DirectoryInfo?>();
            if (folder is { Exists: false })
                r.AddError($"--data: the folder '{folder.FullName}' does not exist.");
        });
        s_output.Validators.Add(r =>
        {
            string value = r.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value))
                r.AddError("--output must name a folder.");
            else if (File.Exists(value))
                r.AddError($"--output: '{Path.GetFullPath(value)}' is a file, not a folder.");
        });
    }

    /// <summary>Builds the root command; <paramref name="run"/> receives the validated options and returns the exit code.</summary>
    public static RootCommand Create(Func<TrainingOptions, int> run)
    {
        var root = new RootCommand("Trains LeNet-5 on MNIST with a network compiled by the ConvNet source generator.")
        {
            s_epochs, s_batchSize, s_learningRate, s_optimizer, s_schedule, s_maxShift, s_holdout, s_seed, s_threads, s_data, s_output, s_resume, s_stopAfter,
        };
        root.SetAction(result => run(ToOptions(result)));
        return root;
    }

    /// <summary>Parses <paramref name="args"/>; errors are in <see cref="ParseResult.Errors"/>.</summary>
    public static ParseResult Parse(params string[] args) => Create(_ => 0).Parse(args);

    /// <summary>The options of a parse without errors.</summary>
    public static TrainingOptions ToOptions(ParseResult result)
    {
        if (result.Errors.Count > 0)
            throw new ArgumentException($"The command line has errors: {result.Errors[0].Message}", nameof(result));
        var optimizer = Enum.Parse<OptimizerKind>(result.GetRequiredValue(s_optimizer), ignoreCase: true);
        return new TrainingOptions(
            Epochs: result.GetValue(s_epochs),
            BatchSize: result.GetValue(s_batchSize),
            LearningRate: result.GetValue(s_learningRate) ?? Recipe.LearningRate(optimizer),
            Optimizer: optimizer,
            Schedule: Enum.Parse<ScheduleKind>(result.GetRequiredValue(s_schedule), ignoreCase: true),
            MaxShift: result.GetValue(s_maxShift),
            Holdout: result.GetValue(s_holdout),
            Seed: result.GetValue(s_seed),
            Threads: result.GetValue(s_threads),
            DataDirectory: result.GetValue(s_data)?.FullName,
            OutputDirectory: Path.GetFullPath(result.GetRequiredValue(s_output)))
        {
            Resume = result.GetValue(s_resume)?.FullName,
            StopAfter = result.GetValue(s_stopAfter),
        };
    }

    private static void InRange(OptionResult result, Option<int> option, int min, int max)
    {
        if (!Parses(result, t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))) return;
        int value = result.GetValueOrDefault<int>();
        if (value < min || value > max)
            result.AddError($"{option.Name} must be between {min} and {max}; got {value}.");
    }

    // Validators run even when a token did not convert (System.CommandLine has already reported that), and reading the
    // value then throws; so a range check first makes sure there is a value to check.
    private static bool Parses(OptionResult result, Func<string, bool> tryParse)
    {
        foreach (var token in result.Tokens)
        {
            if (!tryParse(token.Value)) return false;
        }
        return true;
    }
}
