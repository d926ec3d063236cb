using System.Collections.Immutable;
using ConvNet.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConvNet.Generator.Diagnostics;

/// <summary>Reports the CNN diagnostics. They come from an analyzer rather than the generator so that they carry
/// real source locations (#pragma can silence them) without putting locations into the generator's cached models.
/// The analyzer and the generator share <see cref="NetworkParser"/>, so they cannot disagree.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NetworkAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => Descriptors.All;

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(static c =>
        {
            foreach (var (problem, location) in NetworkParser.Parse((INamedTypeSymbol)c.Symbol, c.CancellationToken).Problems)
                c.ReportDiagnostic(Diagnostic.Create(Descriptors.For(problem.Id), location, problem.Fixes, problem.Message));
        }, SymbolKind.NamedType);
    }
}
