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

    public static readonly DiagnosticDescriptor NotWhole = new("CNN001", "Layer output size is not a whole number", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor WindowTooLarge = new("CNN002", "Window larger than the padded input", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor InvalidArgument = new("CNN003", "Invalid layer argument", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor NotPartial = new("CNN004", "Network class must be partial", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor InputPlacement = new("CNN005", "[Input] missing, repeated, or not first", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor UnsupportedType = new("CNN006", "Unsupported network type", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor SplitDeclarations = new("CNN007", "Layer attributes on more than one partial declaration", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor TooLarge = new("CNN008", "Network too large", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor PadTooLarge = new("CNN009", "Padding at least the filter size", Format, Category, DiagnosticSeverity.Warning, true);
    public static readonly DiagnosticDescriptor NoLayers = new("CNN010", "Network has no layers", Format, Category, DiagnosticSeverity.Warning, true);
    public static readonly DiagnosticDescriptor BadName = new("CNN011", "Invalid or duplicate layer name", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor TooManyLayers = new("CNN012", "Too many layers", Format, Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor ReservedMember = new("CNN013", "Member name used by the generated code", Format, Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor MergeMismatch = new("CNN014", "Merged volumes do not fit together", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor BadReference = new("CNN015", "Input names no earlier layer", Format, Category, DiagnosticSeverity.Error, true);
    public static readonly DiagnosticDescriptor UnusedOutput = new("CNN016", "Layer output never used", Format, Category, DiagnosticSeverity.Warning, true);

    public static readonly ImmutableArray<DiagnosticDescriptor> All = ImmutableArray.Create(
        NotWhole, WindowTooLarge, InvalidArgument, NotPartial, InputPlacement, UnsupportedType,
        SplitDeclarations, TooLarge, PadTooLarge, NoLayers, BadName, TooManyLayers, ReservedMember,
        MergeMismatch, BadReference, UnusedOutput);

    private static readonly Dictionary<string, DiagnosticDescriptor> ById = All.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor For(string id) => ById[id];
}
