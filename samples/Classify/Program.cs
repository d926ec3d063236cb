// Classifies handwritten digits with LeNet-5 weights (the LeNet sample's lenet.safetensors, or PyTorch weights with the
// same names) and prints the most probable digits of each. Publishes as one native executable; see README.md here and docs/deployment.md.
using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using Classify;
using ConvNet;
using LeNet;

const int UserErrorExitCode = 2;

var weightsOption = new Option<string>("--weights")
{
    Description = "The LeNet-5 weights: a safetensors file with conv1.weight ... fc3.bias, such as the LeNet sample's output/lenet/lenet.safetensors.",
    DefaultValueFactory = _ => Path.Combine("output", "lenet", "lenet.safetensors"),
};
weightsOption.Validators.Add(r =>
{
    if (string.IsNullOrEmpty(r.GetValueOrDefault<string>())) r.AddError("--weights must name a file; got an empty path.");
});
var topOption = new Option<int>("--top")
{
    Description = "How many of the most probable digits to print for each image (1 to 10).",
    DefaultValueFactory = _ => 3,
};
topOption.Validators.Add(r =>
{
    foreach (var token in r.Tokens)
        if (!int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)) return;
    int top = r.GetValueOrDefault<int>();
    if (top is < 1 or > LeNet5.OutputLength) r.AddError($"--top must be between 1 and {LeNet5.OutputLength}; got {top}.");
});
var filesArgument = new Argument<string[]>("files")
{
    Description = "PNG (or JPEG, BMP, GIF, TGA) images of one digit each, of at most 16 megapixels and 64 MiB, or IDX image files such as t10k-images-idx3-ubyte[.gz].",
    Arity = ArgumentArity.OneOrMore,
};
filesArgument.Validators.Add(r =>
{
    for (int i = 0; i < r.Tokens.Count; i++)
        if (r.Tokens[i].Value.Length == 0) r.AddError($"files: file {i + 1} is an empty path.");
});

var root = new RootCommand("Classifies handwritten digits with LeNet-5, compiled by the ConvNet source generator.")
{
    weightsOption, topOption, filesArgument,
};
// Buffered, and flushed once at the end (and before an error line, so the lines of the files before it come first).
var output = new StreamWriter(new StandardOutput(Console.OpenStandardOutput())) { AutoFlush = false };
root.SetAction(result =>
{
    var network = new LeNet5 { MaxDegreeOfParallelism = 1 };
    string weights = result.GetRequiredValue(weightsOption);
    Load(() =>
    {
        SafeTensors.Load(network, weights);
        CheckFinite(network, weights);
    }, weights);
    var classifier = new Classifier(network, result.GetValue(topOption), output);
    foreach (string file in result.GetRequiredValue(filesArgument))
        Load(() => classifier.Classify(file), file);
    return 0;
});

// A name starting with @ is a file to classify, not a response file of more arguments.
var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
string? error = null;
int exitCode;
try
{
    // Without the default handler a UserError reaches the catch below whoever threw it: the action, or --help
    // writing to a full standard output.
    exitCode = parsed.Invoke(new InvocationConfiguration { Output = output, EnableDefaultExceptionHandler = false });
}
catch (UserError e)
{
    error = e.Message;
    exitCode = UserErrorExitCode;
}
try
{
    output.Flush();
}
catch (UserError e)
{
    error ??= e.Message;
    exitCode = UserErrorExitCode;
}
if (error is not null) Console.Error.WriteLine($"error: {error}");
return exitCode;

// Turns the ways a file can be wrong into one line naming the file.
static void Load(Action read, string path)
{
    try
    {
        read();
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
    {
        throw new UserError(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}");
    }
}

// A NaN weight need not reach the scores (a ReLU may turn it into 0), so the weights are checked themselves.
static void CheckFinite(LeNet5 network, string path)
{
    int bad = 0;
    foreach (float w in network.Parameters)
        if (!float.IsFinite(w)) bad++;
    if (bad > 0)
        throw new InvalidDataException($"{path}: {bad} of the {network.Parameters.Length} weights are not finite numbers (NaN or infinity).");
}

/// <summary>A problem with the user's files, printed without a stack trace.</summary>
internal sealed class UserError(string message) : Exception(message);

/// <summary>Standard output, whose failed writes (to a full disk, <c>&gt; /dev/full</c>, or a closed descriptor,
/// <c>&gt;&amp;-</c>) are a <see cref="UserError"/> instead of an exception with a stack trace.</summary>
internal sealed class StandardOutput(Stream console) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => console.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            console.Write(buffer);
        }
        // A closed descriptor comes as UnauthorizedAccessException around the system's "Bad file descriptor".
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"cannot write to standard output: {e.GetBaseException().Message}");
        }
    }
}
