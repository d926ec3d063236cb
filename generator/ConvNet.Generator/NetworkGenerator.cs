using ConvNet.Generator.Emit;
using ConvNet.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace ConvNet.Generator;

/// <summary>
/// The pipeline: every class carrying [Input] -> parse its attributes in source order and check the shapes
/// (<see cref="NetworkParser"/>, <see cref="Shapes.ShapeInference"/>) -> an equatable model -> one .g.cs file
/// (<see cref="NetworkEmitter"/>); and, in the runtime library's own build only, the kernels all networks share
/// (<see cref="KernelHelpers.EmitLibrary"/>). Diagnostics come from <see cref="Diagnostics.NetworkAnalyzer"/>, which runs the same parser.
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

        // The kernels every network shares go into the runtime library itself, compiled once and optimised there.
        // The check is a bool, so an edit anywhere regenerates nothing unless it changes the answer.
        var isRuntimeLibrary = context.CompilationProvider.Select(static (c, _) => IsRuntimeLibrary(c));
        context.RegisterSourceOutput(isRuntimeLibrary, static (spc, yes) =>
        {
            if (yes) spc.AddSource("ConvNet.Internal.Kernels.g.cs", KernelHelpers.EmitLibrary());
        });
    }

    /// <summary>True when compiling ConvNet.dll: the assembly that defines <c>ConvNet.INetwork</c> (a user's project
    /// that happens to be called ConvNet references that type, it does not define it).</summary>
    private static bool IsRuntimeLibrary(Compilation compilation) =>
        compilation.AssemblyName == "ConvNet"
        && compilation.GetTypeByMetadataName(KnownNames.Namespace + ".INetwork") is { } network
        && SymbolEqualityComparer.Default.Equals(network.ContainingAssembly, compilation.Assembly);
}
