using System.Collections.Immutable;
using System.Linq;
using ConvNet.Generator.Diagnostics;
using ConvNet.Generator.Emit;
using ConvNet.Generator.Model;
using ConvNet.Generator.Parsing;
using ConvNet.Generator.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvNet.Generator;

/// <summary>
/// The pipeline: every class carrying [Input] -> parse its attributes in source order and check the shapes
/// (<see cref="NetworkParser"/>, <see cref="Shapes.ShapeInference"/>) -> an equatable model -> plan how it runs
/// (<see cref="Planner"/>, an equatable plan of every decision) -> one .g.cs file printing the plan
/// (<see cref="NetworkEmitter"/>), and the class's errors and warnings as diagnostics; types with ConvNet attributes that
/// this pipeline never sees (no [Input], or [Input] on an enum) get theirs from a second pipeline (<see cref="AttributeFilter"/>). The kernels
/// that generated code calls are checked-in code of the runtime library (ConvNet.Internal), not generated.
/// Every CNN diagnostic comes from here, none from an analyzer: the compiler skips analyzers once any error is reported,
/// so an analyzer's diagnostics would vanish from a build with one bad network anywhere in the project.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public const string ParseStep = "Parse";
    public const string ModelStep = "Model";
    public const string PlanStep = "Plan";
    public const string ErrorsStep = "Errors";
    public const string WarningsStep = "Warnings";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var networks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.Input,
                static (node, _) => node is TypeDeclarationSyntax,
                // [Input] on several partial declarations (itself an error) must still give one file per class:
                // only the declaration that comes first produces a model.
                static (ctx, ct) => NetworkParser.IsFirstDeclaration(ctx.TargetSymbol, ctx.TargetNode, ct)
                    ? NetworkParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ct).ForGenerator()
                    : null)
            .WithTrackingName(ParseStep)
            .Where(static parse => parse is not null);

        var models = networks.Select(static (parse, _) => parse!.Model).WithTrackingName(ModelStep).Where(static model => model is not null);
        // Its own step, so an edit that changes the model but not the plan's inputs still compares plans, and the
        // emitter only prints decisions made here.
        var plans = models.Select(static (model, _) =>
            new PlannedNetwork(model!.Type, model.Plan, model.Plan is { } graph ? Planner.Plan(graph) : null)).WithTrackingName(PlanStep);
        context.RegisterSourceOutput(plans, static (spc, network) =>
            spc.AddSource(network.Type.HintName, NetworkEmitter.Emit(network, spc.CancellationToken)));
        Report(context, networks!);

        Report(context, context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => AttributeFilter.MayCarryConvNetAttribute(node),
                static (ctx, ct) => NetworkParser.ParseUnseen(ctx.SemanticModel.GetDeclaredSymbol(ctx.Node, ct), ctx.Node, ct))
            .Where(static parse => parse is not null)!);
    }

    /// <summary>Errors and warnings are separate outputs of the parse, apart from the model: an edit that only moves a
    /// problem (a line added above the class) re-reports it at its new place without regenerating the class.</summary>
    private static void Report(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<NetworkParse> parses)
    {
        // Errors are NotConfigurable, so their plain file locations lose nothing and stay cached across edits elsewhere.
        var errors = parses.Select(static (parse, _) => parse.Errors).WithTrackingName(ErrorsStep).Where(static errors => errors.Count > 0);
        context.RegisterSourceOutput(errors, static (spc, errors) =>
        {
            foreach (var error in errors) spc.ReportDiagnostic(Create(error, error.Location?.ToLocation()));
        });

        // A warning is placed in the compilation's own syntax tree: the compiler then applies #pragma and the tree's
        // .editorconfig severity to it as to any warning (NoWarn applies to either kind of location). That output runs
        // again on every compilation, but only for the classes that have warnings.
        var warnings = parses.Select(static (parse, _) => parse.Warnings).WithTrackingName(WarningsStep).Where(static warnings => warnings.Count > 0);
        context.RegisterSourceOutput(warnings.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            var (warnings, compilation) = pair;
            foreach (var warning in warnings)
            {
                var tree = warning.Location is { } l ? compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == l.FilePath) : null;
                spc.ReportDiagnostic(Create(warning, tree is null ? warning.Location?.ToLocation() : Location.Create(tree, warning.Location!.Span)));
            }
        });
    }

    private static Diagnostic Create(DiagnosticInfo info, Location? location) =>
        Diagnostic.Create(Descriptors.For(info.Id), location, info.Properties.ToImmutableDictionary(p => p.Key, p => p.Value), info.Message);
}
