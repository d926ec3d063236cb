using ConvNet.Generator.Emit;
using ConvNet.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace ConvNet.Generator;

/// <summary>
/// The pipeline: every class carrying [Input] -> parse its attributes in source order and check the shapes
/// (<see cref="NetworkParser"/>, <see cref="Shapes.ShapeInference"/>) -> an equatable model -> one .g.cs file
/// (<see cref="NetworkEmitter"/>). Diagnostics come from <see cref="Diagnostics.NetworkAnalyzer"/>, which runs the same parser.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public const string ParseStep = "Parse";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var networks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.Input,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                // [Input] on several partial declarations (itself an error) must still give one file per class:
                // only the declaration that comes first produces a model.
                static (ctx, ct) => NetworkParser.IsFirstDeclaration(ctx.TargetSymbol, ctx.TargetNode, ct)
                    ? NetworkParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ct).Model
                    : null)
            .WithTrackingName(ParseStep)
            .Where(static model => model is not null);

        context.RegisterSourceOutput(networks, static (spc, model) =>
            spc.AddSource(model!.Type.HintName, NetworkEmitter.Emit(model, spc.CancellationToken)));
    }
}
