using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using ConvNet.Generator.Model;

namespace ConvNet.Generator.Shapes;

/// <summary>Something wrong with a declaration, before it has a source location.
/// <paramref name="Layer"/> is the index of the layer attribute (-1: the [Input] attribute, -2: the class itself);
/// <paramref name="Argument"/> names the argument to point at (null: the whole attribute).</summary>
/// <para>The message is written as an interpolated string and formatted with the invariant culture (a negative number
/// or a fraction must read the same in every user's locale).</para>
internal sealed record Problem(string Id, int Layer, string? Argument, FormattableString Text)
{
    public string Message { get; } = FormattableString.Invariant(Text);

    /// <summary>Machine-readable data for code fixes, copied into Diagnostic.Properties (keys: <see cref="FixKeys"/>).</summary>
    public ImmutableDictionary<string, string?> Fixes { get; init; } = ImmutableDictionary<string, string?>.Empty;

    /// <summary>CNN001/CNN002: one entry per suggested argument value, plus its output shape and the stride in force,
    /// so a fix that changes a pool's size can keep its (implicit) stride.</summary>
    public static ImmutableDictionary<string, string?> ArgumentFixes(IEnumerable<(string Argument, long Value, Shape3 Output)> fixes, long stride)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, string?>();
        foreach (var (argument, value, output) in fixes)
        {
            builder[argument] = value.ToString(CultureInfo.InvariantCulture);
            builder[argument + FixKeys.OutputSuffix] = $"{output.H}x{output.W}";
        }
        if (builder.Count > 0) builder[FixKeys.CurrentStride] = stride.ToString(CultureInfo.InvariantCulture);
        return builder.ToImmutable();
    }
}

/// <summary>Diagnostic.Properties keys shared by the analyzer and the code fixes.</summary>
internal static class FixKeys
{
    public const string OutputSuffix = ".Output";
    public const string CurrentStride = "CurrentStride";
    /// <summary>CNN005: <see cref="InputMissing"/>, <see cref="InputNotFirst"/> or <see cref="InputRepeated"/>.</summary>
    public const string Input = "Input";
    public const string InputMissing = "Missing";
    public const string InputNotFirst = "NotFirst";
    public const string InputRepeated = "Repeated";
    /// <summary>CNN014 on an Add: a 1x1 projection Conv that would make the shapes equal. <see cref="ProjectFrom"/> is the
    /// volume to project, <see cref="ProjectedInput"/> whether it is the Add's input ("input") or its named one
    /// ("other"); <see cref="MergeInput"/> the Add's input and <see cref="MergeName"/> the Add's own name.</summary>
    public const string ProjectFrom = "ProjectFrom";
    public const string ProjectFilters = "ProjectFilters";
    public const string ProjectStride = "ProjectStride";
    public const string ProjectedInput = "ProjectedInput";
    public const string MergeInput = "MergeInput";
    public const string MergeName = "MergeName";
}

internal static class ProblemIds
{
    public const string NotWhole = "CNN001";
    public const string WindowTooLarge = "CNN002";
    public const string InvalidArgument = "CNN003";
    public const string NotPartial = "CNN004";
    public const string InputPlacement = "CNN005";
    public const string UnsupportedType = "CNN006";
    public const string SplitDeclarations = "CNN007";
    public const string TooLarge = "CNN008";
    public const string PadTooLarge = "CNN009";
    public const string NoLayers = "CNN010";
    public const string BadName = "CNN011";
    public const string TooManyLayers = "CNN012";
    public const string ReservedMember = "CNN013";
    public const string MergeMismatch = "CNN014";
    public const string BadReference = "CNN015";
    public const string UnusedOutput = "CNN016";
    public const string ExplicitInterfaceMember = "CNN017";
    public const string TooManyInputs = "CNN018";
    public const string ChannelsLast = "CNN019";
}
