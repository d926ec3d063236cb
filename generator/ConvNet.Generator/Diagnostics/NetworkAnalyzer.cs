using System.Collections.Immutable;
using ConvNet.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ConvNet.Generator.Diagnostics;

/// <summary>Reports the CNN warnings, which #pragma and .editorconfig can silence since an analyzer's locations are in
/// syntax trees, and the errors of classes the generator does not see (layer attributes without [Input]). The generator
/// reports every other error (<see cref="ParseResult.ReportedBy"/>). Both share <see cref="NetworkParser"/>, so they cannot disagree.</summary>
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
            var result = NetworkParser.Parse((INamedTypeSymbol)c.Symbol, c.CancellationToken);
            foreach (var (problem, location) in result.Problems)
                if (result.ReportedBy(problem, generator: false))
                    c.ReportDiagnostic(Diagnostic.Create(Descriptors.For(problem.Id), location, problem.Fixes, problem.Message));
        }, SymbolKind.NamedType);
    }
}
