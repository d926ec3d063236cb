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
    string OutputDirectory)
{
    /// <summary>A checkpoint to go on from (<c>--resume</c>), or null to start afresh.</summary>
    public string? Resume { get; init; }

    /// <summary>The last epoch to train in this run (<c>--stop-after</c>); the schedule still spans <see cref="Epochs"/>.</summary>
    public int? StopAfter { get; init; }

    /// <summary>Whether to draw the pictures found through the gradients (false with <c>--no-gradient-pictures</c>).</summary>
    public bool GradientPictures { get; init; } = true;
}

/// <summary>What the process returns; listed by <c>--help</c>.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;
    /// <summary>The saved weights reloaded to another accuracy.</summary>
    public const int ReloadMismatch = 1;
    /// <summary>Bad options or data; nothing trained.</summary>
    public const int UserError = 2;
    /// <summary>Training diverged.</summary>
    public const int Diverged = 3;
    /// <summary>An output could not be written (the rest were).</summary>
    public const int OutputFailed = 4;
    /// <summary>128 + SIGINT, what a shell reports for a command stopped by Ctrl-C.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit codes for <c>--help</c>, for a sample whose partial weights go to <paramref name="partialWeights"/>.</summary>
    public static string Describe(string partialWeights) =>
        "Exit codes: 0 done; 1 the saved weights reloaded to another accuracy; 2 bad options or data (nothing trained); " +
        "3 training diverged; 4 an output could not be written (the rest were); 130 stopped by Ctrl-C (partial weights saved " +
        $"as {partialWeights}).";
}

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
        CustomParser = WholeNumber(0, 1_000_000),
    };

    private readonly Option<int> _seed = new("--seed")
    {
        Description = "Seed for the initial weights, the shuffling and the augmentation.",
        DefaultValueFactory = _ => 1,
        CustomParser = WholeNumber(int.MinValue, int.MaxValue),
    };

    private readonly Option<int> _threads = new("--threads")
    {
        Description = "Threads for the batched forward and backward passes.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
        CustomParser = WholeNumber(1, 256),
    };

    private readonly Option<DirectoryInfo?> _data = new("--data")
    {
        Description = "Folder with the full MNIST IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], " +
                      "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]). Default: the 10,000-digit subset " +
                      "shipped with the samples, split 8,000 for training and 2,000 for testing.",
        CustomParser = result => ExistingPath(result, "folder", path => new DirectoryInfo(path)),
    };

    private readonly Option<string> _output;

    private readonly Option<FileInfo?> _resume = new("--resume")
    {
        Description = $"Go on from a checkpoint (the output folder's {RunState.FileName}, rewritten after every epoch) " +
                      "with the same bits as a run that never stopped. The other options must be the ones it was made with.",
        CustomParser = result => ExistingPath(result, "file", path => new FileInfo(path)),
    };

    private readonly Option<int?> _stopAfter = new("--stop-after")
    {
        Description = "Stop after this epoch, leaving the checkpoint to --resume from; the schedule still spans --epochs.",
        CustomParser = result => Token(result) is null ? null : WholeNumber(1, 1000)(result),
    };

    // Only on the command line of a sample that draws those pictures.
    private readonly Option<bool>? _noGradientPictures;

    /// <summary>The command line of a sample described by <paramref name="description"/> (the help text's first line),
    /// whose options default to <paramref name="recipe"/> and whose files go to <paramref name="defaultOutput"/> unless
    /// <c>--output</c> says otherwise; <c>--no-gradient-pictures</c> is offered if the sample draws those pictures
    /// (<paramref name="gradientPictures"/>).</summary>
    public CommandLine(string description, Recipe recipe, string defaultOutput, bool gradientPictures = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultOutput);
        _description = description;
        _recipe = recipe;
        _output = new("--output")
        {
            Description = "Folder for the weights, the checkpoint and the pictures.",
            DefaultValueFactory = _ => defaultOutput,
        };
        _epochs = new("--epochs")
        {
            Description = "Passes over the training set.",
            DefaultValueFactory = _ => recipe.Epochs,
            CustomParser = WholeNumber(1, 1000),
        };
        _batchSize = new("--batch-size")
        {
            Description = "Digits per gradient step.",
            DefaultValueFactory = _ => recipe.BatchSize,
            CustomParser = WholeNumber(1, 4096),
        };
        _learningRate = new("--learning-rate")
        {
            Description = $"Peak learning rate. Default: {recipe.SgdLearningRate.ToString(CultureInfo.InvariantCulture)} for sgd, " +
                          $"{recipe.AdamLearningRate.ToString(CultureInfo.InvariantCulture)} for adam.",
            CustomParser = LearningRate,
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
            CustomParser = WholeNumber(0, 8),
        };

        if (gradientPictures)
            _noGradientPictures = new("--no-gradient-pictures")
            {
                Description = "Skip the pictures found through the gradients after training: neurons-LAYER.png and classes.png (the " +
                              "inputs a layer's channels and each class respond to most) and saliency.png (the pixels a prediction depends on).",
            };

        _optimizer.AcceptOnlyFromAmong("sgd", "adam");
        _schedule.AcceptOnlyFromAmong("cosine", "constant");
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
            _epochs, _batchSize, _learningRate, _optimizer, _schedule, _maxShift, _holdout, _seed, _threads, _data, _output, _resume, _stopAfter,
        };
        if (_noGradientPictures is not null) root.Options.Add(_noGradientPictures);
        root.SetAction(result => run(ToOptions(result)));
        return root;
    }

    /// <summary>How the samples parse: a value starting with @ is a path (<c>--data @mnist</c>), not a response file.</summary>
    public static ParserConfiguration Parser => new() { ResponseFileTokenReplacer = null };

    /// <summary>Parses <paramref name="args"/>; errors are in <see cref="ParseResult.Errors"/>.</summary>
    public ParseResult Parse(params string[] args) => Create(_ => 0).Parse(args, Parser);

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
            OutputDirectory: Path.GetFullPath(result.GetRequiredValue(_output)))
        {
            Resume = result.GetValue(_resume)?.FullName,
            StopAfter = result.GetValue(_stopAfter),
            GradientPictures = _noGradientPictures is null || !result.GetValue(_noGradientPictures),
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

    // The path is checked here rather than in a validator: System.CommandLine's own conversion of an empty path threw
    // from the validator's GetValueOrDefault (an unhandled exception, exit code 134).
    private static T? ExistingPath<T>(ArgumentResult result, string kind, Func<string, T> create) where T : FileSystemInfo
    {
        if (Token(result) is not { } token) return null;
        if (string.IsNullOrWhiteSpace(token))
        {
            result.AddError($"{OptionName(result)} must name a {kind}; got an empty path.");
            return null;
        }
        var path = create(token);
        if (!path.Exists)
            result.AddError($"{OptionName(result)}: the {kind} '{path.FullName}' does not exist.");
        return path;
    }

    // Each of these options takes exactly one value (System.CommandLine reports a missing one itself).
    private static string? Token(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : null;

    private static string OptionName(ArgumentResult result) => ((OptionResult)result.Parent!).Option.Name;
}
