using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;

namespace Samples.Common;

/// <summary>Everything one run needs, after validation. Defaults are the sample's <see cref="Recipe"/>.</summary>
/// <param name="Epochs">Passes over the training set.</param>
/// <param name="BatchSize">Digits per gradient step.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="Schedule">The learning-rate schedule.</param>
/// <param name="MaxShift">Largest random translation of a training digit, in pixels (0: no augmentation).</param>
/// <param name="Holdout">Training digits held out for validation (0: evaluate on the test set).</param>
/// <param name="Seed">Seed for the initial weights, the shuffling and the augmentation.</param>
/// <param name="Threads">Threads for the batched passes.</param>
/// <param name="DataDirectory">Folder with the full MNIST files, or null for the shipped subset.</param>
/// <param name="OutputDirectory">Folder for the weights and pictures (absolute).</param>
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
    string OutputDirectory);

/// <summary>A sample's command line: options with the sample's recipe as defaults, their validation, and the mapping
/// to <see cref="TrainingOptions"/>.</summary>
public sealed class CommandLine
{
    private readonly string _description;
    private readonly Recipe _recipe;

    // Options live in fields so that Parse and ToOptions agree on one set of instances.
    private readonly Option<int> _epochs;
    private readonly Option<int> _batchSize;
    private readonly Option<float?> _learningRate;
    private readonly Option<string> _optimizer;
    private readonly Option<string> _schedule;
    private readonly Option<int> _maxShift;

    private readonly Option<int> _holdout = new("--holdout")
    {
        Description = "Train on all but the last N training digits and report accuracy on those N instead of the test set " +
                      "(how the recipe was chosen without looking at the test set).",
        DefaultValueFactory = _ => 0,
    };

    private readonly Option<int> _seed = new("--seed")
    {
        Description = "Seed for the initial weights, the shuffling and the augmentation.",
        DefaultValueFactory = _ => 1,
    };

    private readonly Option<int> _threads = new("--threads")
    {
        Description = "Threads for the batched forward and backward passes.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    private readonly Option<DirectoryInfo?> _data = new("--data")
    {
        Description = "Folder with the full MNIST IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], " +
                      "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]). Default: the 10,000-digit subset " +
                      "shipped with the samples, split 8,000 for training and 2,000 for testing.",
    };

    private readonly Option<string> _output = new("--output")
    {
        Description = "Folder for the weights and pictures.",
        DefaultValueFactory = _ => "output",
    };

    /// <summary>The command line of a sample described by <paramref name="description"/> (the help text's first line),
    /// whose options default to <paramref name="recipe"/>.</summary>
    public CommandLine(string description, Recipe recipe)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(recipe);
        _description = description;
        _recipe = recipe;
        _epochs = new("--epochs")
        {
            Description = "Passes over the training set.",
            DefaultValueFactory = _ => recipe.Epochs,
        };
        _batchSize = new("--batch-size")
        {
            Description = "Digits per gradient step.",
            DefaultValueFactory = _ => recipe.BatchSize,
        };
        _learningRate = new("--learning-rate")
        {
            Description = $"Peak learning rate. Default: {recipe.SgdLearningRate.ToString(CultureInfo.InvariantCulture)} for sgd, " +
                          $"{recipe.AdamLearningRate.ToString(CultureInfo.InvariantCulture)} for adam.",
        };
        _optimizer = new("--optimizer")
        {
            Description = "sgd (with Nesterov momentum 0.9) or adam.",
            DefaultValueFactory = _ => recipe.Optimizer.ToString().ToLowerInvariant(),
        };
        _schedule = new("--schedule")
        {
            Description = "Learning rate over the run: cosine (decays to 0) or constant.",
            DefaultValueFactory = _ => recipe.Schedule.ToString().ToLowerInvariant(),
        };
        _maxShift = new("--max-shift")
        {
            Description = "Largest random translation of a training digit, in pixels; 0 turns augmentation off.",
            DefaultValueFactory = _ => recipe.MaxShift,
        };

        _epochs.Validators.Add(r => InRange(r, _epochs, 1, 1000));
        _batchSize.Validators.Add(r => InRange(r, _batchSize, 1, 4096));
        _maxShift.Validators.Add(r => InRange(r, _maxShift, 0, 8));
        _holdout.Validators.Add(r => InRange(r, _holdout, 0, 1_000_000));
        _threads.Validators.Add(r => InRange(r, _threads, 1, 256));
        _learningRate.Validators.Add(r =>
        {
            if (!Parses(r, t => float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _))) return;
            float? value = r.GetValueOrDefault<float?>();
            if (value is { } lr && (!float.IsFinite(lr) || lr <= 0f || lr > 10f))
                r.AddError($"--learning-rate must be greater than 0 and at most 10; got {lr}.");
        });
        _optimizer.AcceptOnlyFromAmong("sgd", "adam");
        _schedule.AcceptOnlyFromAmong("cosine", "constant");
        _data.Validators.Add(r =>
        {
            var folder = r.GetValueOrDefault<DirectoryInfo?>();
            if (folder is { Exists: false })
                r.AddError($"--data: the folder '{folder.FullName}' does not exist.");
        });
        _output.Validators.Add(r =>
        {
            string value = r.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value))
                r.AddError("--output must name a folder.");
            else if (File.Exists(value))
                r.AddError($"--output: '{Path.GetFullPath(value)}' is a file, not a folder.");
        });
    }

    /// <summary>Builds the root command; <paramref name="run"/> receives the validated options and returns the exit code.</summary>
    public RootCommand Create(Func<TrainingOptions, int> run)
    {
        var root = new RootCommand(_description)
        {
            _epochs, _batchSize, _learningRate, _optimizer, _schedule, _maxShift, _holdout, _seed, _threads, _data, _output,
        };
        root.SetAction(result => run(ToOptions(result)));
        return root;
    }

    /// <summary>Parses <paramref name="args"/>; errors are in <see cref="ParseResult.Errors"/>.</summary>
    public ParseResult Parse(params string[] args) => Create(_ => 0).Parse(args);

    /// <summary>The options of a parse without errors.</summary>
    public TrainingOptions ToOptions(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Errors.Count > 0)
            throw new ArgumentException($"The command line has errors: {result.Errors[0].Message}", nameof(result));
        var optimizer = Enum.Parse<OptimizerKind>(result.GetRequiredValue(_optimizer), ignoreCase: true);
        return new TrainingOptions(
            Epochs: result.GetValue(_epochs),
            BatchSize: result.GetValue(_batchSize),
            LearningRate: result.GetValue(_learningRate) ?? _recipe.LearningRate(optimizer),
            Optimizer: optimizer,
            Schedule: Enum.Parse<ScheduleKind>(result.GetRequiredValue(_schedule), ignoreCase: true),
            MaxShift: result.GetValue(_maxShift),
            Holdout: result.GetValue(_holdout),
            Seed: result.GetValue(_seed),
            Threads: result.GetValue(_threads),
            DataDirectory: result.GetValue(_data)?.FullName,
            OutputDirectory: Path.GetFullPath(result.GetRequiredValue(_output)));
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
