using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using ConvNet.Generator.Model;
using ConvNet.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvNet.Generator.Parsing;

/// <summary>What one class declares: the model to generate from (null when nothing should be generated), and every
/// problem with its source location. The generator keeps only <see cref="Model"/>; the analyzer reports <see cref="Problems"/>.</summary>
internal sealed record ParseResult(NetworkModel? Model, IReadOnlyList<(Problem Problem, Location Location)> Problems);

/// <summary>Reads a class's ConvNet attributes, in source order, into a <see cref="NetworkModel"/>. Never throws:
/// arguments that do not bind are left to the C# compiler's own errors, and the class gets throwing members.</summary>
internal static class NetworkParser
{
    private static readonly Dictionary<string, LayerKind?> AttributeKinds = new()
    {
        ["InputAttribute"] = null,
        ["ConvAttribute"] = LayerKind.Conv,
        ["MaxPoolAttribute"] = LayerKind.MaxPool,
        ["AvgPoolAttribute"] = LayerKind.AvgPool,
        ["FullyConnectedAttribute"] = LayerKind.FullyConnected,
        ["ReluAttribute"] = LayerKind.Relu,
        ["SigmoidAttribute"] = LayerKind.Sigmoid,
        ["TanhAttribute"] = LayerKind.Tanh,
    };

    /// <summary>True when the class carries any ConvNet attribute.</summary>
    public static bool IsNetwork(INamedTypeSymbol type) => type.GetAttributes().Any(IsConvNetAttribute);

    /// <summary>Whether <paramref name="declaration"/> is the first declaration of the type that carries [Input].</summary>
    public static bool IsFirstDeclaration(ISymbol type, SyntaxNode declaration, CancellationToken ct) =>
        type is INamedTypeSymbol named
        && Attributes(named, ct).FirstOrDefault(a => Kind(a.Data) is null).Syntax?.Parent?.Parent == declaration;

    /// <summary>The ConvNet attributes of a type in source order (GetAttributes() promises no order).</summary>
    private static List<(AttributeData Data, AttributeSyntax Syntax)> Attributes(INamedTypeSymbol type, CancellationToken ct) =>
        type.GetAttributes()
            .Where(a => IsConvNetAttribute(a) && a.ApplicationSyntaxReference is not null)
            .Select(a => (Data: a, Syntax: (AttributeSyntax)a.ApplicationSyntaxReference!.GetSyntax(ct)))
            .OrderBy(a => a.Syntax.SyntaxTree.FilePath, System.StringComparer.Ordinal)
            .ThenBy(a => a.Syntax.SpanStart)
            .ToList();

    public static ParseResult Parse(INamedTypeSymbol type, CancellationToken ct)
    {
        var problems = new List<(Problem, Location)>();
        var attributes = Attributes(type, ct);
        if (attributes.Count == 0) return new ParseResult(null, problems);

        var typeLocation = type.Locations.FirstOrDefault() ?? Location.None;
        void Report(Problem p, Location l) => problems.Add((p, l));

        bool generatable = CheckType(type, Report, ct) && CheckReservedMembers(type, Report, ct);

        // Layers spread over partial declarations have no defined order.
        var carrier = attributes[0].Syntax.Parent?.Parent;
        bool split = false;
        foreach (var (_, syntax) in attributes)
        {
            if (syntax.Parent?.Parent == carrier) continue;
            Report(new Problem(ProblemIds.SplitDeclarations, 0, null,
                $"'{type.Name}' declares ConvNet attributes on more than one partial declaration, so their order is undefined; move them all to one declaration"),
                syntax.GetLocation());
            split = true;
            break;
        }

        int inputIndex = attributes.FindIndex(a => Kind(a.Data) is null);
        int inputCount = attributes.Count(a => Kind(a.Data) is null);
        bool inputOk = inputIndex == 0 && inputCount == 1;
        if (inputIndex < 0)
            Report(new Problem(ProblemIds.InputPlacement, -2, null, $"'{type.Name}' has layer attributes but no [Input(channels, height, width)]; add it as the first attribute") { Fixes = InputFix(FixKeys.InputMissing) }, typeLocation);
        else if (inputCount > 1)
            Report(new Problem(ProblemIds.InputPlacement, -1, null, $"'{type.Name}' declares [Input] {inputCount} times; keep exactly one") { Fixes = InputFix(FixKeys.InputRepeated) },
                attributes.Where(a => Kind(a.Data) is null).Skip(1).First().Syntax.GetLocation());
        else if (inputIndex > 0)
            Report(new Problem(ProblemIds.InputPlacement, -1, null, $"[Input] must be the first ConvNet attribute of '{type.Name}': layers run in source order, starting from the input") { Fixes = InputFix(FixKeys.InputNotFirst) },
                attributes[inputIndex].Syntax.GetLocation());

        bool bound = attributes.All(a => a.Data.AttributeConstructor is not null);
        var layerAttributes = attributes.Where(a => Kind(a.Data) is not null).ToList();
        NetworkPlan? plan = null;
        if (inputIndex >= 0 && bound)
        {
            var input = attributes[inputIndex];
            var shape = new Shape3(Arg(input.Data, 0), Arg(input.Data, 1), Arg(input.Data, 2));
            var decls = layerAttributes.Select(a => Decl(a.Data)).ToList();
            ct.ThrowIfCancellationRequested();
            var (inferred, shapeProblems) = ShapeInference.Infer(shape, decls, type.Name);
            foreach (var p in shapeProblems)
            {
                var syntax = p.Layer switch
                {
                    -1 => input.Syntax,
                    >= 0 when p.Layer < layerAttributes.Count => layerAttributes[p.Layer].Syntax,
                    _ => null,
                };
                Report(p, syntax is null ? typeLocation : Locate(syntax, p.Argument, p.Layer < 0 ? null : decls[p.Layer].Kind));
            }
            if (inputOk && !split) plan = inferred;
        }
        // Layer constants classes exist only in a full generation, so only a plan can clash with them.
        if (generatable && plan is not null && !CheckLayerClassNames(type, plan, Report, ct)) generatable = false;

        var model = generatable ? new NetworkModel(Header(type), plan) : null;
        return new ParseResult(model, problems);
    }

    private static ImmutableDictionary<string, string?> InputFix(string kind) =>
        ImmutableDictionary<string, string?>.Empty.Add(FixKeys.Input, kind);

    private static bool IsConvNetAttribute(AttributeData a) =>
        a.AttributeClass is { } c && AttributeKinds.ContainsKey(c.MetadataName)
        && c.ContainingNamespace is { Name: KnownNames.Namespace } ns && ns.ContainingNamespace.IsGlobalNamespace
        && c.ContainingType is null;

    private static LayerKind? Kind(AttributeData a) => AttributeKinds[a.AttributeClass!.MetadataName];

    /// <summary>CNN004/CNN006: whether a partial declaration can be generated for this type at all.</summary>
    private static bool CheckType(INamedTypeSymbol type, System.Action<Problem, Location> report, CancellationToken ct)
    {
        var location = type.Locations.FirstOrDefault() ?? Location.None;
        string? unsupported =
            type.TypeKind != TypeKind.Class ? type.TypeKind.ToString().ToLowerInvariant()
            : type.IsRecord ? "record"
            : type.IsStatic ? "static class"
            : type.IsAbstract ? "abstract class"
            : type.Arity > 0 ? "generic class"
            : type.IsFileLocal ? "file-local class"
            : null;
        for (var outer = type.ContainingType; unsupported is null && outer is not null; outer = outer.ContainingType)
            if (outer.Arity > 0) unsupported = $"class nested in generic type '{outer.Name}'";
        if (unsupported is not null)
        {
            report(new Problem(ProblemIds.UnsupportedType, -2, null,
                $"'{type.Name}' is a {unsupported}; a ConvNet network must be a non-generic, non-static, non-abstract partial class"), location);
            return false;
        }

        for (var t = type; t is not null; t = t.ContainingType)
        {
            foreach (var reference in t.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(ct) is TypeDeclarationSyntax declaration
                    && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    string what = t.Equals(type, SymbolEqualityComparer.Default) ? $"'{t.Name}'" : $"'{t.Name}', which contains '{type.Name}',";
                    report(new Problem(ProblemIds.NotPartial, -2, null,
                        $"{what} must be declared partial so ConvNet can add the generated members"), declaration.Identifier.GetLocation());
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>CNN013: a user member named like a generated member would make the generated file fail with CS0102,
    /// reported inside code the user cannot edit. A method named like a generated method is left alone: a different
    /// signature is a legal overload, and the same one is reported by the compiler at the user's own method.</summary>
    private static readonly HashSet<string> GeneratedMethods = ["Forward", "Backward", "ZeroGradients", "LayerOutput"];

    private static bool CheckReservedMembers(INamedTypeSymbol type, System.Action<Problem, Location> report, CancellationToken ct) =>
        CheckUserMembers(type, ct, member =>
            !KnownNames.GeneratedMembers.Contains(member.Name) || member.Kind == SymbolKind.Method && GeneratedMethods.Contains(member.Name)
                ? null
                : $"'{type.Name}.{member.Name}' clashes with a member ConvNet generates; rename it", report);

    /// <summary>CNN013 for the nested class generated per layer (Conv1 for conv1): any member of that name, a method
    /// included, is CS0102 in the generated file.</summary>
    private static bool CheckLayerClassNames(INamedTypeSymbol type, NetworkPlan plan, System.Action<Problem, Location> report, CancellationToken ct)
    {
        var layers = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (var layer in plan.Layers) layers[layer.Identifier] = layer.Name;
        return CheckUserMembers(type, ct, member =>
            layers.TryGetValue(member.Name, out var layer)
                ? $"'{type.Name}.{member.Name}' clashes with the nested class ConvNet generates for layer '{layer}'; rename the member, or set Name = \"...\" on the layer"
                : null, report);
    }

    /// <summary>Reports every member declared in the user's own source for which <paramref name="clash"/> gives a message.</summary>
    private static bool CheckUserMembers(INamedTypeSymbol type, CancellationToken ct, System.Func<ISymbol, string?> clash, System.Action<Problem, Location> report)
    {
        // The analyzer sees the generated members too; they live in this type's own generated file.
        string hintName = HintName(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", ""));
        bool ok = true;
        foreach (var member in type.GetMembers())
        {
            ct.ThrowIfCancellationRequested();
            if (member.IsImplicitlyDeclared || clash(member) is not { } message) continue;
            var location = member.Locations.FirstOrDefault(l => l.IsInSource && !l.SourceTree!.FilePath.EndsWith(hintName, System.StringComparison.Ordinal));
            if (location is null) continue;
            report(new Problem(ProblemIds.ReservedMember, -2, null, message), location);
            ok = false;
        }
        return ok;
    }

    private static LayerDecl Decl(AttributeData a)
    {
        var kind = Kind(a)!.Value;
        long Named(string name, long fallback) =>
            a.NamedArguments.FirstOrDefault(n => n.Key == name).Value.Value is int v ? v : fallback;
        string? name = a.NamedArguments.FirstOrDefault(n => n.Key == "Name").Value.Value as string;
        return kind switch
        {
            LayerKind.Conv => new LayerDecl(kind, name, Arg(a, 0), Arg(a, 1), Named("Stride", 1), Named("Pad", 0)),
            // An unset pool stride follows the size; a bad size is then reported once, not twice.
            LayerKind.MaxPool or LayerKind.AvgPool => new LayerDecl(kind, name, 0, Arg(a, 0), Named("Stride", Arg(a, 0) >= 1 ? Arg(a, 0) : 1), 0),
            LayerKind.FullyConnected => new LayerDecl(kind, name, Arg(a, 0), 0, 0, 0),
            _ => new LayerDecl(kind, name, 0, 0, 0, 0),
        };
    }

    private static long Arg(AttributeData a, int index) =>
        index < a.ConstructorArguments.Length && a.ConstructorArguments[index].Value is int v ? v : 0;

    /// <summary>The argument a problem is about (positional or named), else the whole attribute.</summary>
    private static Location Locate(AttributeSyntax attribute, string? argument, LayerKind? kind)
    {
        if (argument is null || attribute.ArgumentList is null) return attribute.GetLocation();
        int position = (kind, argument) switch
        {
            (null, "height") or (LayerKind.Conv, "size") => 1,
            (null, "width") => 2,
            (LayerKind.MaxPool or LayerKind.AvgPool or LayerKind.FullyConnected, _) or (_, "channels" or "filters") => 0,
            _ => -1,
        };
        int positional = 0;
        foreach (var arg in attribute.ArgumentList.Arguments)
        {
            string? name = arg.NameEquals?.Name.Identifier.ValueText ?? arg.NameColon?.Name.Identifier.ValueText;
            if (name is not null ? string.Equals(name, argument, System.StringComparison.OrdinalIgnoreCase)
                                 : positional++ == position && position >= 0 && !IsProperty(argument))
                return arg.GetLocation();
        }
        return attribute.GetLocation();
    }

    private static bool IsProperty(string argument) => argument is "stride" or "pad" or "Name";

    private static TypeHeader Header(INamedTypeSymbol type)
    {
        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n
            ? string.Join(".", n.ToDisplayString().Split('.').Select(Escape))
            : null;
        var containing = new List<string>();
        for (var t = type.ContainingType; t is not null; t = t.ContainingType)
        {
            string keyword = t.TypeKind switch
            {
                TypeKind.Struct => t.IsRecord ? "record struct" : "struct",
                TypeKind.Interface => "interface",
                _ => t.IsRecord ? "record" : "class",
            };
            containing.Insert(0, $"partial {keyword} {Escape(t.Name)}");
        }
        string display = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "");
        return new TypeHeader(ns, containing.ToEquatableArray(), Escape(type.Name), display, HintName(display));
    }

    private static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    /// <summary>Unique even where names differ only by case (hint names are compared case-insensitively on some file systems).</summary>
    private static string HintName(string display)
    {
        var text = new StringBuilder();
        foreach (char c in display) text.Append(char.IsLetterOrDigit(c) || c is '.' or '_' ? c : '_');
        uint hash = 2166136261;
        foreach (char c in display) hash = unchecked((hash ^ c) * 16777619);
        return $"{text}.{hash:x8}.g.cs";
    }
}
