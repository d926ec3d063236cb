namespace ConvNet.Tests;

/// <summary>The trait of the slowest sweeps: tests/default.runsettings (every test project's settings) leaves them out of a
/// plain <c>dotnet test</c>, tests/exhaustive.runsettings runs only them (docs/contributing.md; .ci/run runs both).</summary>
internal static class Exhaustive
{
    public const string Category = "Category", Name = "Exhaustive";
}
