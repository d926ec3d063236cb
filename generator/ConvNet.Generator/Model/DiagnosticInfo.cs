using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ConvNet.Generator.Model;

/// <summary>A source location as plain values (a <see cref="Location"/> holds its syntax tree, which would root the
/// compilation and compare by reference). Recreated as a file location at report time, as the runtime's own
/// generators (System.Text.Json, logging) do.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location location) =>
        location.SourceTree is null ? null : new(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

/// <summary>One entry of a diagnostic's Properties (code fix data).</summary>
internal readonly record struct DiagnosticProperty(string Key, string? Value);

/// <summary>A diagnostic the generator reports, as plain values: the ID, the finished message, where, and the code fix data.</summary>
internal sealed record DiagnosticInfo(string Id, string Message, LocationInfo? Location, EquatableArray<DiagnosticProperty> Properties);

/// <summary>What the parse step yields for one class: the model to generate from (null: nothing to generate), and the
/// errors and the warnings the generator reports.</summary>
internal sealed record NetworkParse(NetworkModel? Model, EquatableArray<DiagnosticInfo> Errors, EquatableArray<DiagnosticInfo> Warnings);
