using System.Collections.Immutable;
using System.Linq;
using ConvNet.Generator.Diagnostics;
using ConvNet.Generator.Emit;
using ConvNet.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace ConvNet.Generator;

/// <summary>
/// The pipeline: every class carrying [Input] -> parse its attributes in source order and check the shapes
/// (<see cref="NetworkParser"/>, <see cref="Shapes.ShapeInference"/>) -> an equatable model -> one .g.cs file
/// (<see cref="NetworkEmitter"/>), and the class's errors as diagnostics; and, in the runtime library's own build only, the
/// kernels all networks share (<see cref="KernelHelpers.EmitLibrary"/>). Warnings, and errors of classes this pipeline
/// never sees, come from <see cref="NetworkAnalyzer"/>, which runs the same parser (<see cref="ParseResult.ReportedBy"/>).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public const string ParseStep = "Parse";
    public const string ModelStep = "Model";
    public const string ErrorsStep = "Errors";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var networks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.Input,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                // [Input] on several partial declarations (itself an error) must still give one file per class:
                // only the declaration that comes first produces a model.
                static (ctx, ct) => NetworkParser.IsFirstDeclaration(ctx.TargetSymbol, ctx.TargetNode, ct)
                    ? NetworkParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ct).ForGenerator()
                    : null)
            .WithTrackingName(ParseStep)
            .Where(static parse => parse is not null);

        // Two outputs of one parse: an edit that only moves an error (a line added above the class) re-reports it at
        // its new place without regenerating the class, whose model is equal.
        var models = networks.Select(static (parse, _) => parse!.Model).WithTrackingName(ModelStep).Where(static model => model is not null);
        context.RegisterSourceOutput(models, static (spc, model) =>
            spc.AddSource(model!.Type.HintName, NetworkEmitter.Emit(model, spc.CancellationToken)));

        var errors = networks.Select(static (parse, _) => parse!.Errors).WithTrackingName(ErrorsStep).Where(static errors => errors.Count > 0);
        context.RegisterSourceOutput(errors, static (spc, errors) =>
        {
            foreach (var error in errors)
                spc.ReportDiagnostic(Diagnostic.Create(Descriptors.For(error.Id), error.Location?.ToLocation(),
                    error.Properties.ToImmutableDictionary(p => p.Key, p => p.Value), error.Message));
        });

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
