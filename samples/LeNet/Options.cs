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

/// <summary>What the process returns; listed by <c>--help</c>.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int ReloadMismatch = 1;
    public const int UserError = 2;
    public const int Diverged = 3;
    public const int OutputFailed = 4;
    /// <summary>128 + SIGINT, what a shell reports for a command stopped by Ctrl-C.</summary>
    public const int Interrupted = 130;

    public const string Description =
        "Exit codes: 0 done; 1 the saved weights reloaded to another accuracy; 2 bad options or data (nothing trained); " +
        "3 training diverged; 4 an output could not be written (the rest were); 130 stopped by Ctrl-C (partial weights saved " +
        "as lenet.partial.safetensors).";
}

/// <summary>The command line: options, their validation, and the mapping to <see cref="TrainingOptions"/>.</summary>
public static class CommandLine
{
    // Options live in fields so that Parse and ToOptions agree on one set of instances.
    private static readonly Option<int> s_epochs = new("--epochs")
    {
        Description = "Passes over the training set.",
        DefaultValueFactory = _ => Recipe.Epochs,
        CustomParser = WholeNumber(1, 1000),
    };

    private static readonly Option<int> s_batchSize = new("--batch-size")
    {
        Description = "Digits per gradient step.",
        DefaultValueFactory = _ => Recipe.BatchSize,
        CustomParser = WholeNumber(1, 4096),
    };

    private static readonly Option<float?> s_learningRate = new("--learning-rate")
    {
        Description = $"Peak learning rate. Default: {Recipe.LearningRate(OptimizerKind.Sgd)} for sgd, {Recipe.LearningRate(OptimizerKind.Adam)} for adam.",
        CustomParser = LearningRate,
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
        CustomParser = WholeNumber(0, 8),
    };

    private static readonly Option<int> s_holdout = new("--holdout")
    {
        Description = "Train on all but the last N training digits and report accuracy on those N instead of the test set " +
                      "(how the recipe was chosen without looking at the test set).",
        DefaultValueFactory = _ => 0,
        CustomParser = WholeNumber(0, 1_000_000),
    };

    private static readonly Option<int> s_seed = new("--seed")
    {
        Description = "Seed for the initial weights, the shuffling and the augmentation.",
        DefaultValueFactory = _ => 1,
        CustomParser = WholeNumber(int.MinValue, int.MaxValue),
    };

    private static readonly Option<int> s_threads = new("--threads")
    {
        Description = "Threads for the batched forward and backward passes.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
        CustomParser = WholeNumber(1, 256),
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
        CustomParser = result => Token(result) is null ? null : WholeNumber(1, 1000)(result),
    };

    static CommandLine()
    {
        s_optimizer.AcceptOnlyFromAmong("sgd", "adam");
        s_schedule.AcceptOnlyFromAmong("cosine", "constant");
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
        var root = new RootCommand("Trains LeNet-5 on MNIST with a network compiled by the ConvNet source generator. " + ExitCodes.Description)
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

    // Numbers are parsed here rather than by System.CommandLine, whose parsers follow the current culture and accept
    // group separators ("1,000" became 1000, "0,5" became 5) without the range checks seeing the value they meant:
    // invariant digits only, and every accepted value meets its range in the same place.
    private const NumberStyles Integer = NumberStyles.AllowLeadingSign;
    private const NumberStyles Real = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    private static Func<ArgumentResult, int> WholeNumber(int min, int max) => result =>
    {
        if (Token(result) is not { } token) return 0;
        if (!int.TryParse(token, Integer, CultureInfo.InvariantCulture, out int value))
            result.AddError($"{OptionName(result)}: '{token}' is not a whole number (digits only, no group separators).");
        else if (value < min || value > max)
            result.AddError($"{OptionName(result)} must be between {min} and {max}; got {value}.");
        return value;
    };

    private static float? LearningRate(ArgumentResult result)
    {
        if (Token(result) is not { } token) return null;
        if (!float.TryParse(token, Real, CultureInfo.InvariantCulture, out float value))
            result.AddError($"{OptionName(result)}: '{token}' is not a number (a dot for decimals, no group separators).");
        else if (!(value > 0f && value <= 10f))
            result.AddError($"{OptionName(result)} must be greater than 0 and at most 10; got {value.ToString(CultureInfo.InvariantCulture)}.");
        return value;
    }

    // Each of these options takes exactly one value (System.CommandLine reports a missing one itself).
    private static string? Token(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : null;

    private static string OptionName(ArgumentResult result) => ((OptionResult)result.Parent!).Option.Name;
}
