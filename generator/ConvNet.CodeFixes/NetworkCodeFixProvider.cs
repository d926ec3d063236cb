using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConvNet.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvNet.CodeFixes;

/// <summary>Fixes for CNN001/CNN002 (argument values computed by the shape inference and passed in
/// Diagnostic.Properties, so the fix and the message always agree), CNN004 (add partial), CNN005 (put [Input] first)
/// and CNN014 on an Add (insert the 1x1 projection Conv the message suggests).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NetworkCodeFixProvider)), Shared]
public sealed class NetworkCodeFixProvider : CodeFixProvider
{
    private static readonly string[] ArgumentOrder = ["Stride", "Pad", "Size"];

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        ProblemIds.NotWhole, ProblemIds.WindowTooLarge, ProblemIds.NotPartial, ProblemIds.InputPlacement, ProblemIds.MergeMismatch);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            switch (diagnostic.Id)
            {
                case ProblemIds.NotWhole or ProblemIds.WindowTooLarge when node.FirstAncestorOrSelf<AttributeSyntax>() is { } attribute:
                    await RegisterArgumentFixes(context, diagnostic, attribute).ConfigureAwait(false);
                    break;
                case ProblemIds.NotPartial when node.FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } declaration
                                                && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword):
                    context.RegisterCodeFix(CodeAction.Create($"Make '{declaration.Identifier.ValueText}' partial",
                        _ => Replace(context.Document, root, declaration, AddPartial(declaration)), ProblemIds.NotPartial), diagnostic);
                    break;
                case ProblemIds.InputPlacement:
                    RegisterInputFix(context, diagnostic, root, node);
                    break;
                case ProblemIds.MergeMismatch when diagnostic.Properties.ContainsKey(FixKeys.ProjectFrom)
                                                   && node.FirstAncestorOrSelf<AttributeSyntax>() is { Parent: AttributeListSyntax { Parent: TypeDeclarationSyntax } } add:
                    RegisterProjectionFix(context, diagnostic, add);
                    break;
            }
        }
    }

    private static async Task RegisterArgumentFixes(CodeFixContext context, Diagnostic diagnostic, AttributeSyntax attribute)
    {
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        string? type = model?.GetSymbolInfo(attribute, context.CancellationToken).Symbol?.ContainingType?.Name;
        bool isConv = type == "ConvAttribute";
        bool isPool = type is "MaxPoolAttribute" or "AvgPoolAttribute";
        if (!isConv && !isPool) return;

        foreach (string argument in ArgumentOrder)
        {
            if (!diagnostic.Properties.TryGetValue(argument, out string? value) || value is null) continue;
            diagnostic.Properties.TryGetValue(argument + FixKeys.OutputSuffix, out string? output);
            // A pool's unset stride follows its size: changing the size alone would change the stride too.
            string? keepStride = isPool && argument == "Size" && Named(attribute, "Stride") is null
                                 && diagnostic.Properties.TryGetValue(FixKeys.CurrentStride, out string? s) ? s : null;
            string title = $"Use {argument} = {value}{(keepStride is null ? "" : $", Stride = {keepStride}")} (output {output})";
            context.RegisterCodeFix(CodeAction.Create(title, async ct =>
            {
                var root = await context.Document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
                var fixedAttribute = argument == "Size"
                    ? SetPositional(attribute, isConv ? 1 : 0, "size", value)
                    : SetNamed(attribute, argument, value);
                if (keepStride is not null) fixedAttribute = SetNamed(fixedAttribute, "Stride", keepStride);
                return context.Document.WithSyntaxRoot(root!.ReplaceNode(attribute, fixedAttribute));
            }, $"{diagnostic.Id}.{argument}"), diagnostic);
        }
    }

    /// <summary>CNN014: inserts <c>[Conv(F, 1, Stride = S, From = "x", Name = "add1_proj")]</c> right before the Add and makes
    /// the Add take it instead of x. A new Conv would renumber the default names of the Conv layers after it (and so
    /// their weight names and any From/Add/Concat naming them), so those get their current names written out.</summary>
    private static void RegisterProjectionFix(CodeFixContext context, Diagnostic diagnostic, AttributeSyntax add)
    {
        string Get(string key) => diagnostic.Properties.TryGetValue(key, out var v) && v is not null ? v : "";
        string from = Get(FixKeys.ProjectFrom), filters = Get(FixKeys.ProjectFilters), stride = Get(FixKeys.ProjectStride);
        string projection = Get(FixKeys.MergeName) + "_proj";
        string title = $"Insert a 1x1 projection Conv({filters}, 1{(stride == "1" ? "" : $", Stride = {stride}")}) on {from}";
        context.RegisterCodeFix(CodeAction.Create(title, async ct =>
        {
            var root = await context.Document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(ct).ConfigureAwait(false);
            var declaration = (TypeDeclarationSyntax)add.Parent!.Parent!;
            var conv = SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Conv"), SyntaxFactory.ParseAttributeArgumentList(
                $"({filters}, 1{(stride == "1" ? "" : $", Stride = {stride}")}, From = {Quote(from)}, Name = {Quote(projection)})"));
            var fixedAdd = Get(FixKeys.ProjectedInput) == "other"
                ? SetPositional(add, 0, "other", Quote(projection))
                : SetNamed(add, "From", Quote(projection));
            // The Add's implicit input (the layer above) would now be the projection: name it.
            if (Get(FixKeys.ProjectedInput) == "other" && Named(add, "From") is null)
                fixedAdd = SetNamed(fixedAdd, "From", Quote(Get(FixKeys.MergeInput)));

            var replacements = new Dictionary<SyntaxNode, SyntaxNode>();
            int convs = 0;
            bool after = false;
            foreach (var list in declaration.AttributeLists)
                foreach (var attribute in list.Attributes)
                {
                    if (attribute == add) after = true;
                    if (model?.GetSymbolInfo(attribute, ct).Symbol?.ContainingType is not { Name: "ConvAttribute" }) continue;
                    convs++;
                    if (after && Named(attribute, "Name") is null)
                        replacements[attribute] = SetNamed(attribute, "Name", Quote($"conv{convs}"));
                }
            replacements[add] = fixedAdd;
            var addList = (AttributeListSyntax)add.Parent!;
            var newDeclaration = declaration.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]);
            // Find the Add's list again in the new tree (same position) and put the projection just before the Add.
            int listIndex = declaration.AttributeLists.IndexOf(addList), attributeIndex = addList.Attributes.IndexOf(add);
            var newList = newDeclaration.AttributeLists[listIndex];
            if (attributeIndex == 0)
            {
                // Its own line, indented like the Add's; every other line keeps its comments.
                var own = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(conv))
                    .WithLeadingTrivia(Indentation(addList.GetLeadingTrivia()))
                    .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"));
                newDeclaration = newDeclaration.WithAttributeLists(newDeclaration.AttributeLists.Insert(listIndex, own));
            }
            else
            {
                newDeclaration = newDeclaration.ReplaceNode(newList, newList.WithAttributes(newList.Attributes.Insert(attributeIndex, conv)));
            }
            return context.Document.WithSyntaxRoot(root!.ReplaceNode(declaration, newDeclaration));
        }, $"{ProblemIds.MergeMismatch}.Projection"), diagnostic);
    }

    private static string Quote(string text) => SyntaxFactory.Literal(text).ToFullString();

    private static AttributeArgumentSyntax? Named(AttributeSyntax attribute, string name) =>
        attribute.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);

    private static ExpressionSyntax Number(string value) => SyntaxFactory.ParseExpression(value);

    private static AttributeSyntax SetNamed(AttributeSyntax attribute, string name, string value)
    {
        if (Named(attribute, name) is { } existing)
            return attribute.ReplaceNode(existing, existing.WithExpression(Number(value).WithTriviaFrom(existing.Expression)));
        var argument = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(name)), null, Number(value));
        var list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        return attribute.WithArgumentList(list.WithArguments(list.Arguments.Add(argument)));
    }

    /// <summary>The constructor argument at <paramref name="position"/>, whether written positionally or as "size: n".</summary>
    private static AttributeSyntax SetPositional(AttributeSyntax attribute, int position, string parameter, string value)
    {
        var arguments = attribute.ArgumentList?.Arguments ?? default;
        var target = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameter)
                     ?? arguments.Where(a => a.NameEquals is null && a.NameColon is null).ElementAtOrDefault(position);
        return target is null
            ? attribute
            : attribute.ReplaceNode(target, target.WithExpression(Number(value).WithTriviaFrom(target.Expression)));
    }

    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        // 'partial' must come right before the type keyword, so it goes last among the modifiers.
        var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (declaration.Modifiers.Count > 0) return declaration.WithModifiers(declaration.Modifiers.Add(partial));
        var keyword = declaration.Keyword;
        return declaration
            .WithKeyword(keyword.WithLeadingTrivia())
            .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
    }

    private static void RegisterInputFix(CodeFixContext context, Diagnostic diagnostic, SyntaxNode root, SyntaxNode node)
    {
        diagnostic.Properties.TryGetValue(FixKeys.Input, out string? kind);
        if (kind == FixKeys.InputNotFirst
            && node.FirstAncestorOrSelf<AttributeSyntax>() is { Parent: AttributeListSyntax { Parent: TypeDeclarationSyntax declaration } } input)
        {
            context.RegisterCodeFix(CodeAction.Create("Move [Input] to be the first attribute",
                _ => Replace(context.Document, root, declaration, MoveFirst(declaration, input)), $"{ProblemIds.InputPlacement}.Move"), diagnostic);
        }
        else if (kind == FixKeys.InputMissing && node.FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } type)
        {
            // The layers matter more than the declaration the symbol's first location happens to name.
            var carrier = CarrierOfLayers(type, context.CancellationToken) ?? type;
            var placeholder = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Input"), SyntaxFactory.ParseAttributeArgumentList("(1, 1, 1)"))));
            context.RegisterCodeFix(CodeAction.Create("Add [Input(1, 1, 1)] first (then fill in channels, height, width)",
                _ => Replace(context.Document, root, carrier, Prepend(carrier, placeholder)), $"{ProblemIds.InputPlacement}.Add"), diagnostic);
        }
        // Repeated [Input]: which one is right is the user's call, so no fix is offered.
    }

    /// <summary>The declaration (in this document) of the same type that carries attribute lists, if any.</summary>
    private static TypeDeclarationSyntax? CarrierOfLayers(TypeDeclarationSyntax type, CancellationToken ct) =>
        type.SyntaxTree.GetRoot(ct).DescendantNodes().OfType<TypeDeclarationSyntax>()
            .FirstOrDefault(d => d.Identifier.ValueText == type.Identifier.ValueText && d.Parent == type.Parent && d.AttributeLists.Count > 0);

    private static TypeDeclarationSyntax MoveFirst(TypeDeclarationSyntax declaration, AttributeSyntax input)
    {
        var list = (AttributeListSyntax)input.Parent!;
        var lists = declaration.AttributeLists.ToList();
        int index = lists.IndexOf(list);
        AttributeListSyntax moved;
        if (list.Attributes.Count == 1)
        {
            lists.RemoveAt(index);
            moved = list;
        }
        else
        {
            lists[index] = list.WithAttributes(list.Attributes.Remove(input));
            moved = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(input.WithoutTrivia()));
        }
        lists.Insert(0, moved);
        return WithListsInPlace(declaration, lists);
    }

    private static TypeDeclarationSyntax Prepend(TypeDeclarationSyntax declaration, AttributeListSyntax list)
    {
        if (declaration.AttributeLists.Count > 0)
            return WithListsInPlace(declaration, [list, .. declaration.AttributeLists]);
        // No lists yet: the new one takes the declaration's leading trivia (comments, indentation) and its own line.
        var leading = declaration.GetLeadingTrivia();
        var indentation = leading.LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
        var trailing = SyntaxFactory.TriviaList(SyntaxFactory.EndOfLine("\n"));
        if (indentation.IsKind(SyntaxKind.WhitespaceTrivia)) trailing = trailing.Add(indentation);
        return declaration.WithoutLeadingTrivia()
            .WithAttributeLists(SyntaxFactory.SingletonList(list.WithLeadingTrivia(leading).WithTrailingTrivia(trailing)));
    }

    /// <summary>Reorders attribute lists while every line keeps the trivia of the position it lands in,
    /// so doc comments stay on top and indentation stays put.</summary>
    private static TypeDeclarationSyntax WithListsInPlace(TypeDeclarationSyntax declaration, IReadOnlyList<AttributeListSyntax> lists)
    {
        var original = declaration.AttributeLists;
        var placed = new List<AttributeListSyntax>(lists.Count);
        for (int i = 0; i < lists.Count; i++)
        {
            var slot = original[System.Math.Min(i, original.Count - 1)];
            var trailing = i < original.Count ? slot.GetTrailingTrivia() : SyntaxFactory.TriviaList(SyntaxFactory.EndOfLine("\n"));
            var leading = i < original.Count ? slot.GetLeadingTrivia() : Indentation(original[original.Count - 1].GetLeadingTrivia());
            placed.Add(lists[i].WithLeadingTrivia(leading).WithTrailingTrivia(trailing));
        }
        return declaration.WithAttributeLists(SyntaxFactory.List(placed));
    }

    private static SyntaxTriviaList Indentation(SyntaxTriviaList leading) =>
        leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList();

    private static Task<Document> Replace(Document document, SyntaxNode root, SyntaxNode oldNode, SyntaxNode newNode) =>
        Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(oldNode, newNode)));
}
