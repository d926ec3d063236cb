// Classifies handwritten digits with LeNet-5 weights (the LeNet sample's lenet.safetensors, or PyTorch weights with the
// same names) and prints the most probable digits of each. Publishes as one native executable; see README.
using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using Classify;
using ConvNet;
using LeNet;

var weightsOption = new Option<string>("--weights")
{
    Description = "The LeNet-5 weights: a safetensors file with conv1.weight ... fc3.bias, such as the LeNet sample's output/lenet.safetensors.",
    DefaultValueFactory = _ => Path.Combine("output", "lenet.safetensors"),
};
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
    Description = "PNG (or JPEG, BMP, GIF) images of one digit each, or IDX image files such as t10k-images-idx3-ubyte[.gz].",
    Arity = ArgumentArity.OneOrMore,
};

var root = new RootCommand("Classifies handwritten digits with LeNet-5, compiled by the ConvNet source generator.")
{
    weightsOption, topOption, filesArgument,
};
root.SetAction(result =>
{
    var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
    try
    {
        var network = new LeNet5 { MaxDegreeOfParallelism = 1 };
        string weights = result.GetRequiredValue(weightsOption);
        Load(() => SafeTensors.Load(network, weights), weights);
        var classifier = new Classifier(network, result.GetValue(topOption), output);
        foreach (string file in result.GetRequiredValue(filesArgument))
            Load(() => classifier.Classify(file), file);
        return 0;
    }
    catch (UserError e)
    {
        output.Flush();
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
    finally
    {
        output.Flush();
    }
});
return root.Parse(args).Invoke();

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

/// <summary>A problem with the user's files, printed without a stack trace.</summary>
internal sealed class UserError(string message) : Exception(message);
