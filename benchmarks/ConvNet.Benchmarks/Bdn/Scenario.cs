namespace ConvNet.Benchmarks.Bdn;

/// <summary>The thread counts of the scenarios, shared with the compare mode's choice: one thread at batch 1, both
/// cores at batch 64.</summary>
internal static class Scenario
{
    public static int ThreadsFor(int batch) => batch == 1 ? 1 : 2;
}
