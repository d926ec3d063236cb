using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using ConvNet.Generator.Layers;
using ConvNet.Generator.Model;
using ConvNet.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvNet.Generator.Parsing;

/// <summary>What one class declares: the model to generate from (null when nothing should be generated), and every
/// problem with its source location.</summary>
internal sealed record ParseResult(NetworkModel? Model, IReadOnlyList<(Problem Problem, Location Location)> Problems)
{
    /// <summary>The generator's part: the model, and the problems as plain values, errors and warnings apart (warnings
    /// are reported in the compilation's own syntax trees, so that #pragma and .editorconfig apply to them).</summary>
    public NetworkParse ForGenerator() => new(Model, Info(error: true), Info(error: false));

    private EquatableArray<DiagnosticInfo> Info(bool error) => Problems
        .Where(p => ShapeInference.IsError(p.Problem.Id) == error)
        .Select(p => new DiagnosticInfo(p.Problem.Id, p.Problem.Message, LocationInfo.From(p.Location),
            p.Problem.Fixes.OrderBy(f => f.Key, System.StringComparer.Ordinal).Select(f => new DiagnosticProperty(f.Key, f.Value)).ToEquatableArray()))
        .ToEquatableArray();
}

/// <summary>Reads a class's ConvNet attributes, in source order, into a <see cref="NetworkModel"/>. Never throws:
/// arguments that do not bind are left to the C# compiler's own errors, and the class gets throwing members.</summary>
internal static class NetworkParser
{
    private const string InputAttribute = "InputAttribute";

    /// <summary>The metadata names (in namespace ConvNet) of every ConvNet attribute: [Input] and each layer's.</summary>
    public static IEnumerable<string> AttributeNames => LayerDescriptors.Kinds.Select(k => k.Attribute).Prepend(InputAttribute);

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

    /// <summary>The problems of a type that the [Input] pipeline never sees (layer attributes without [Input], or
    /// [Input] on an enum or a delegate). Only the declaration that carries the type's first ConvNet attribute parses
    /// the type; every other declaration gets null, so each type is reported once.</summary>
    public static NetworkParse? ParseUnseen(ISymbol? symbol, SyntaxNode declaration, CancellationToken ct)
    {
        // Checked before the attributes are sorted: this runs on every compilation for every declaration the syntax
        // filter lets through, and those include a network's other partial declarations and [Input] written through an
        // alias, which the [Input] pipeline reports.
        if (symbol is not INamedTypeSymbol type || SeenByInputPipeline(type, ct)) return null;
        var attributes = Attributes(type, ct);
        if (attributes.Count == 0 || attributes[0].Syntax.Parent?.Parent != declaration) return null;
        return Parse(type, attributes, ct).ForGenerator() with { Model = null };
    }

    /// <summary>The generator's ForAttributeWithMetadataName finds [Input] on type declarations only (not on an enum or a delegate).</summary>
    private static bool SeenByInputPipeline(INamedTypeSymbol type, CancellationToken ct)
    {
        foreach (var a in type.GetAttributes())
            if (a.AttributeClass is { MetadataName: InputAttribute } && IsConvNetAttribute(a)
                && a.ApplicationSyntaxReference?.GetSyntax(ct).Parent?.Parent is TypeDeclarationSyntax)
                return true;
        return false;
    }

    public static ParseResult Parse(INamedTypeSymbol type, CancellationToken ct) => Parse(type, Attributes(type, ct), ct);

    private static ParseResult Parse(INamedTypeSymbol type, List<(AttributeData Data, AttributeSyntax Syntax)> attributes, CancellationToken ct)
    {
        var problems = new List<(Problem, Location)>();
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

        // An argument that does not bind or is not a constant (CS0182) is the compiler's error; it reads as 0 here, which
        // would add a misleading "got 0".
        bool bound = attributes.All(a => a.Data.AttributeConstructor is not null
            && !a.Data.ConstructorArguments.Any(IsError) && !a.Data.NamedArguments.Any(n => IsError(n.Value)));
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
                Report(p, syntax is null ? typeLocation : Locate(syntax, p.Argument, p.Layer < 0 ? null : LayerDescriptors.Of(decls[p.Layer].Kind)));
            }
            if (inputOk && !split) plan = inferred;
        }
        // Layer constants classes exist only in a full generation, so only a plan can clash with them.
        if (generatable && plan is not null && !CheckLayerClassNames(type, plan, Report, ct)) generatable = false;

        var model = generatable ? new NetworkModel(Header(type), plan) : null;
        return new ParseResult(model, problems);
    }

    private static bool IsError(TypedConstant constant) =>
        constant.Kind == TypedConstantKind.Error || (constant.Kind == TypedConstantKind.Array && !constant.IsNull && constant.Values.Any(IsError));

    private static ImmutableDictionary<string, string?> InputFix(string kind) =>
        ImmutableDictionary<string, string?>.Empty.Add(FixKeys.Input, kind);

    private static bool IsConvNetAttribute(AttributeData a) =>
        a.AttributeClass is { } c && (c.MetadataName == InputAttribute || LayerDescriptors.OfAttribute(c.MetadataName) is not null)
        && c.ContainingNamespace is { Name: KnownNames.Namespace } ns && ns.ContainingNamespace.IsGlobalNamespace
        && c.ContainingType is null;

    /// <summary>The layer kind of a ConvNet attribute; null for [Input].</summary>
    private static LayerKind? Kind(AttributeData a) => LayerDescriptors.OfAttribute(a.AttributeClass!.MetadataName)?.Kind;

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

    /// <summary>CNN013: a user member named like a generated member would make the generated file fail with CS0102 (or
    /// CS0111 for a method or constructor of the same signature), reported inside code the user cannot edit. A public
    /// method named like a generated one with other parameters is a legal overload and is left alone.</summary>
    private static readonly Dictionary<string, string[][]> GeneratedMethods = new()
    {
        ["Forward"] = [[Rs, S], [Rs, S, Int]],
        ["Backward"] = [[Rs, S], [Int, Rs, S], [Rs, S, Int], [Int, Rs, S, Int]],
        ["ZeroGradients"] = [[]],
        ["LayerOutput"] = [[Int]],
        [".ctor"] = [[], [Int]],
    };

    private const string Rs = "global::System.ReadOnlySpan<float>", S = "global::System.Span<float>", Int = "int";

    /// <summary>Whether <paramref name="member"/> is a method or constructor the compiler could not tell from a generated one
    /// (same parameter types, all passed by value as the generated ones are; return types do not count).</summary>
    private static bool SameSignatureAsGenerated(IMethodSymbol method)
    {
        if (method.Arity > 0 || !GeneratedMethods.TryGetValue(method.Name, out var signatures)) return false;
        if (method.Parameters.Any(p => p.RefKind != RefKind.None)) return false;
        var types = method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)).ToArray();
        return signatures.Any(signature => signature.SequenceEqual(types));
    }

    private static bool CheckReservedMembers(INamedTypeSymbol type, System.Action<Problem, Location> report, CancellationToken ct)
    {
        bool ok = CheckUserMembers(type, ct, member =>
            member is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor && IsPrimaryConstructor(constructor, ct)
                ? (System.FormattableString)$"'{Signature(constructor)}' is a primary constructor, which the constructors ConvNet generates ({type.Name}() and {type.Name}(int seed)) would have to call; declare an ordinary constructor that calls this(seed) instead"
            : member is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.Ordinary } method && (method.MethodKind == MethodKind.Constructor || GeneratedMethods.ContainsKey(member.Name))
                ? SameSignatureAsGenerated(method)
                    ? (System.FormattableString)$"'{type.Name}.{Signature(method)}' has the signature of a {(method.MethodKind == MethodKind.Constructor ? "constructor" : "method")} ConvNet generates; rename it or change its parameters"
                    : null
                : KnownNames.GeneratedMembers.Contains(member.Name)
                    ? (System.FormattableString)$"'{type.Name}.{member.Name}' clashes with a member ConvNet generates; rename it"
                    : null, report);
        // An explicit INetwork (or IDropoutNetwork) member compiles, and then every call through the interface reaches it instead of the generated
        // member. The generated class stays valid, so it is still generated: removing the member is the whole fix.
        CheckUserMembers(type, ct, member => ExplicitNetworkMember(member) is { } implemented
            ? (System.FormattableString)$"'{type.Name}' implements {implemented.ContainingType.Name}.{implemented.Name} explicitly, so calls through {implemented.ContainingType.Name} would reach it instead of the member ConvNet generates; remove it"
            : null, report, ProblemIds.ExplicitInterfaceMember);
        return ok;
    }

    /// <summary>A primary constructor is declared by the type declaration itself (class N(long x)).</summary>
    private static bool IsPrimaryConstructor(IMethodSymbol constructor, CancellationToken ct) =>
        constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax(ct) is TypeDeclarationSyntax);

    /// <summary>The INetwork or IDropoutNetwork member that <paramref name="member"/> implements explicitly (property accessors are left out:
    /// their property is reported), or null.</summary>
    private static ISymbol? ExplicitNetworkMember(ISymbol member)
    {
        IEnumerable<ISymbol> implemented = member switch
        {
            IMethodSymbol { MethodKind: MethodKind.ExplicitInterfaceImplementation } m => m.ExplicitInterfaceImplementations,
            IPropertySymbol p => p.ExplicitInterfaceImplementations,
            IEventSymbol e => e.ExplicitInterfaceImplementations,
            _ => [],
        };
        return implemented.FirstOrDefault(i => i.ContainingType is { Name: KnownNames.Network or KnownNames.DropoutNetwork, ContainingType: null } t
            && t.ContainingNamespace is { Name: KnownNames.Namespace } ns && ns.ContainingNamespace.IsGlobalNamespace);
    }

    /// <summary>"Forward(ReadOnlySpan&lt;float&gt;, Span&lt;float&gt;)", or "Net(int)" for a constructor.</summary>
    private static string Signature(IMethodSymbol method) =>
        $"{(method.MethodKind == MethodKind.Constructor ? method.ContainingType.Name : method.Name)}({string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)))})";

    /// <summary>CNN013 for the nested class generated per layer (Conv1 for conv1): any member of that name, a method
    /// included, is CS0102 in the generated file.</summary>
    private static bool CheckLayerClassNames(INamedTypeSymbol type, NetworkPlan plan, System.Action<Problem, Location> report, CancellationToken ct)
    {
        var layers = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (var layer in plan.Layers) layers[layer.Identifier] = layer.Name;
        return CheckUserMembers(type, ct, member =>
            layers.TryGetValue(member.Name, out var layer)
                ? (System.FormattableString)$"'{type.Name}.{member.Name}' clashes with the nested class ConvNet generates for layer '{layer}'; rename the member, or set Name = \"...\" on the layer"
                : null, report);
    }

    /// <summary>Reports every member declared in the user's own source for which <paramref name="clash"/> gives a message.</summary>
    private static bool CheckUserMembers(INamedTypeSymbol type, CancellationToken ct, System.Func<ISymbol, System.FormattableString?> clash,
        System.Action<Problem, Location> report, string id = ProblemIds.ReservedMember)
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
            report(new Problem(id, -2, null, message), location);
            ok = false;
        }
        return ok;
    }

    private static LayerDecl Decl(AttributeData a)
    {
        var kind = LayerDescriptors.OfAttribute(a.AttributeClass!.MetadataName)!;
        var args = new AttributeArguments(a);
        return kind.Read(args, args.NamedString("Name"), args.NamedString("From"));
    }

    /// <summary>AttributeData seen through <see cref="IAttributeArguments"/>, so the descriptors need no Roslyn types.</summary>
    private sealed class AttributeArguments(AttributeData a) : IAttributeArguments
    {
        private TypedConstant Positional(int position) =>
            position < a.ConstructorArguments.Length ? a.ConstructorArguments[position] : default;

        private object? Named(string name) => a.NamedArguments.FirstOrDefault(n => n.Key == name).Value.Value;

        public long Int(int position) => Positional(position).Value is int v ? v : 0;
        public double Real(int position) => Positional(position).Value is double v ? v : double.NaN;
        public string? String(int position) => Positional(position).Value as string;

        public EquatableArray<string> Strings(int position)
        {
            var constant = Positional(position);
            if (constant.Kind != TypedConstantKind.Array || constant.IsNull) return default;
            return constant.Values.Select(v => v.Value as string ?? "").ToEquatableArray();
        }

        public long? NamedInt(string name) => Named(name) is int v ? v : null;
        public double? NamedReal(string name) => Named(name) is double v ? v : null;
        public string? NamedString(string name) => Named(name) as string;
    }

    private static long Arg(AttributeData a, int index) =>
        index < a.ConstructorArguments.Length && a.ConstructorArguments[index].Value is int v ? v : 0;

    /// <summary>The argument a problem is about (positional or named), else the whole attribute. A merge's names are
    /// "refs[k]": the k-th string of Add/Concat (a params array spreads over the positional arguments).</summary>
    private static Location Locate(AttributeSyntax attribute, string? argument, LayerDescriptor? layer)
    {
        if (argument is null || attribute.ArgumentList is null) return attribute.GetLocation();
        IReadOnlyList<string> positional = layer?.Positional ?? ["channels", "height", "width"];
        int position = -1;
        if (argument.StartsWith("refs[", System.StringComparison.Ordinal))
            position = int.Parse(argument.Substring(5, argument.Length - 6), System.Globalization.CultureInfo.InvariantCulture);
        else
            for (int i = 0; i < positional.Count; i++)
                if (string.Equals(positional[i], argument, System.StringComparison.OrdinalIgnoreCase)) position = i;
        int index = 0;
        foreach (var arg in attribute.ArgumentList.Arguments)
        {
            string? name = arg.NameEquals?.Name.Identifier.ValueText ?? arg.NameColon?.Name.Identifier.ValueText;
            if (name is not null ? string.Equals(name, argument, System.StringComparison.OrdinalIgnoreCase)
                                 : index++ == position && position >= 0)
                return arg.GetLocation();
        }
        // A params array given as one array expression: point at it.
        if (position > 0 && layer is { ParamsArray: true } && attribute.ArgumentList.Arguments.Count == 1 && attribute.ArgumentList.Arguments[0].NameEquals is null)
            return attribute.ArgumentList.Arguments[0].GetLocation();
        return attribute.GetLocation();
    }

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
        var userImplemented = type.GetMembers().Select(ExplicitNetworkMember).OfType<ISymbol>().Select(m => m.Name).Distinct().OrderBy(n => n, System.StringComparer.Ordinal);
        return new TypeHeader(ns, containing.ToEquatableArray(), Escape(type.Name), display, HintName(display), userImplemented.ToEquatableArray());
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
