using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace ConvNet.Generator.Diagnostics;

/// <summary>Every CNN diagnostic. Messages are written by the shape inference and the parser with the numbers in
/// them, so each descriptor's format is the message itself. IDs must match <see cref="Shapes.ProblemIds"/>.</summary>
internal static class Descriptors
{
    private const string Category = "ConvNet";
    private const string Format = "{0}";

    /// <summary>Every descriptor's help link: empty, because the project has no public address yet. When it has one,
    /// this becomes the diagnostics reference's address, with a per-ID anchor.</summary>
    public const string HelpLink = "";

    // Errors are NotConfigurable: #pragma, .editorconfig severities, NoWarn and WarningsNotAsErrors leave them as
    // they are, so a declaration that cannot run can never build (the generated class would throw at run time).
    private static readonly string[] ErrorTags = [WellKnownDiagnosticTags.NotConfigurable];

    private static DiagnosticDescriptor Error(string id, string title, string description) =>
        new(id, title, Format, Category, DiagnosticSeverity.Error, true, description, HelpLink, ErrorTags);

    private static DiagnosticDescriptor Warning(string id, string title, string description) =>
        new(id, title, Format, Category, DiagnosticSeverity.Warning, true, description, HelpLink);

    public static readonly DiagnosticDescriptor NotWhole = Error("CNN001", "Layer output size is not a whole number",
        "A conv or pooling layer's output side is (W - F + 2P) / S + 1. When the windows do not tile the input (beyond padding and the stride's own gaps), real pixels would be cropped. Change the input size, the padding, the window size or the stride.");
    public static readonly DiagnosticDescriptor WindowTooLarge = Error("CNN002", "Window larger than its input",
        "A conv or pooling window must fit its input (with padding, for conv) at least once. A conv or pool cannot follow a fully connected layer, whose output is Cx1x1.");
    public static readonly DiagnosticDescriptor InvalidArgument = Error("CNN003", "Invalid layer argument",
        "Sizes, counts and strides must be at least 1, padding not negative; probabilities, epsilons and momentums must be in their ranges.");
    public static readonly DiagnosticDescriptor NotPartial = Error("CNN004", "Network class must be partial",
        "ConvNet adds the generated members to the class, which is only possible for a partial class in partial containing types.");
    public static readonly DiagnosticDescriptor InputPlacement = Error("CNN005", "[Input] missing, repeated, or not first",
        "A network declares exactly one [Input(channels, height, width)], before its layer attributes: layers run in source order from the input.");
    public static readonly DiagnosticDescriptor UnsupportedType = Error("CNN006", "Unsupported network type",
        "A network is a non-generic, non-static, non-abstract partial class, not nested in a generic type.");
    public static readonly DiagnosticDescriptor SplitDeclarations = Error("CNN007", "Layer attributes on more than one partial declaration",
        "Layer order is source order, which is undefined across partial declarations; put every ConvNet attribute on one declaration.");
    public static readonly DiagnosticDescriptor TooLarge = Error("CNN008", "Network too large",
        "Every count is checked in 64-bit arithmetic; activations, parameters and buffers must each fit one .NET array.");
    public static readonly DiagnosticDescriptor PadTooLarge = Warning("CNN009", "Padding at least the filter size",
        "With Pad >= Size, outputs along the border see only zeros.");
    public static readonly DiagnosticDescriptor NoLayers = Warning("CNN010", "Network has no layers",
        "A network with only [Input] copies its input to its output.");
    public static readonly DiagnosticDescriptor BadName = Error("CNN011", "Invalid or duplicate layer name",
        "Layer names become tensor names and nested class names: letters, digits, '_' and '.', unique, and not clashing with a generated member.");
    public static readonly DiagnosticDescriptor TooManyLayers = Error("CNN012", "Too many layers",
        "ConvNet compiles at most 1,000 layers, so checking and generating stay fast in the editor.");
    public static readonly DiagnosticDescriptor ReservedMember = Error("CNN013", "Member clashes with the generated code",
        "A member of the network class named like a generated property or field, with the signature of a generated method or constructor, or named like a layer's nested class, would not compile in the generated file.");
    public static readonly DiagnosticDescriptor MergeMismatch = Error("CNN014", "Merged volumes do not fit together",
        "Add needs volumes of one shape; Concat needs volumes of one height and width.");
    public static readonly DiagnosticDescriptor BadReference = Error("CNN015", "Input names no earlier layer",
        "From, Add and Concat name \"input\" or a layer above; source order is the order of evaluation.");
    public static readonly DiagnosticDescriptor UnusedOutput = Warning("CNN016", "Layer output never used",
        "A layer whose output no layer takes (a dead branch) costs time and never reaches the output; the last layer is the network's output.");

    public static readonly DiagnosticDescriptor ExplicitInterfaceMember = Error("CNN017", "INetwork member implemented explicitly",
        "ConvNet generates the network's INetwork members; an explicit implementation in the class would take every call made through INetwork.");
    public static readonly DiagnosticDescriptor TooManyInputs = Error("CNN018", "Too many layer inputs",
        "ConvNet compiles at most 2,000 layer inputs in all (each layer's input, plus every name an Add or Concat takes), so checking, generating and compiling stay fast.");
    public static readonly DiagnosticDescriptor ChannelsLast = Warning("CNN019", "Input looks channels-last",
        "[Input] takes channels, height, width (CHW, as PyTorch). A width of at most 4 that is below the channel count, with as many channels as rows, is usually an image written height, width, channels: [Input(32, 32, 3)] for an RGB 32x32 image, which is [Input(3, 32, 32)]. Such a declaration may still fit every layer, so nothing else would point at it.");

    public static readonly ImmutableArray<DiagnosticDescriptor> All = ImmutableArray.Create(
        NotWhole, WindowTooLarge, InvalidArgument, NotPartial, InputPlacement, UnsupportedType,
        SplitDeclarations, TooLarge, PadTooLarge, NoLayers, BadName, TooManyLayers, ReservedMember,
        MergeMismatch, BadReference, UnusedOutput, ExplicitInterfaceMember, TooManyInputs, ChannelsLast);

    private static readonly Dictionary<string, DiagnosticDescriptor> ById = All.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor For(string id) => ById[id];
}
