using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvNet.Generator.Parsing;

/// <summary>The syntactic half of finding the types whose ConvNet attributes the [Input] pipeline never sees: one
/// predicate for every attribute, so each changed tree is walked once. One ForAttributeWithMetadataName pipeline per
/// layer attribute walked it once per attribute and re-checked each match on every compilation, which tripled the
/// generator's cost per keystroke on a 20-layer network. The semantic half (<see cref="NetworkParser.ParseUnseen"/>)
/// decides; this filter only has to let every candidate through: an attribute spelled with a ConvNet attribute's
/// name (short or long, qualified or not), or with a using alias of this file that names one. An alias declared as a
/// global using in another file is not followed, so a layer attribute written only through one, on a type without
/// [Input], gets no CNN005; nothing is generated for such a type either way.</summary>
internal static class AttributeFilter
{
    private const string Suffix = "Attribute";

    private static readonly HashSet<string> Names = new(
        NetworkParser.AttributeNames.SelectMany(n => new[] { n, n.Substring(0, n.Length - Suffix.Length) }));

    /// <summary>Whether <paramref name="node"/> is a type or delegate declaration that may carry a ConvNet attribute,
    /// and is not a class, struct or record that carries [Input] itself: the [Input] pipeline reports those. Deciding
    /// that here, without a semantic model, keeps the pipeline's transform off every network on every keystroke (it
    /// cost a 20-layer network's cached run a fifth more).</summary>
    public static bool MayCarryConvNetAttribute(SyntaxNode node)
    {
        if (node is not (BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)) return false;
        bool candidate = false;
        foreach (var list in ((MemberDeclarationSyntax)node).AttributeLists)
            foreach (var attribute in list.Attributes)
            {
                if (node is TypeDeclarationSyntax && IsInput(attribute.Name)) return false;
                string name = RightmostName(attribute.Name);
                candidate |= Names.Contains(name) || NamesAlias(node, name);
            }
        return candidate;
    }

    /// <summary><c>[Input]</c>, <c>[InputAttribute]</c>, or either qualified by <c>ConvNet</c> or <c>global::ConvNet</c>.
    /// An unqualified name is taken to be ConvNet's: a type whose [Input] binds to another attribute of that name,
    /// in its own namespace, beside ConvNet's layer attributes, gets no CNN005 (nothing is generated for it either).</summary>
    private static bool IsInput(NameSyntax name)
    {
        if (RightmostName(name) is not ("Input" or "InputAttribute")) return false;
        return name switch
        {
            SimpleNameSyntax => true,
            QualifiedNameSyntax { Left: var left } => left is IdentifierNameSyntax { Identifier.ValueText: KnownNames.Namespace }
                || left is AliasQualifiedNameSyntax { Alias.Identifier.ValueText: "global", Name.Identifier.ValueText: KnownNames.Namespace },
            _ => false,
        };
    }

    /// <summary>The attribute's own name without qualifiers (<c>ConvNet.Conv</c> gives <c>Conv</c>).</summary>
    public static string RightmostName(NameSyntax name) => name switch
    {
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
        _ => "",
    };

    /// <summary>Whether a using alias in scope in this file (<c>using L = ConvNet.ConvAttribute;</c>) makes
    /// <paramref name="name"/> a ConvNet attribute's name.</summary>
    private static bool NamesAlias(SyntaxNode node, string name)
    {
        foreach (var scope in node.Ancestors())
        {
            var usings = scope switch
            {
                CompilationUnitSyntax unit => unit.Usings,
                BaseNamespaceDeclarationSyntax ns => ns.Usings,
                _ => default,
            };
            foreach (var u in usings)
                if (u.Alias is { } alias && (alias.Name.Identifier.ValueText == name || alias.Name.Identifier.ValueText + Suffix == name)
                    && u.NamespaceOrType is NameSyntax target && Names.Contains(RightmostName(target)))
                    return true;
        }
        return false;
    }
}
