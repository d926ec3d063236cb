using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;

namespace ConvNet.Benchmarks.Bdn;

/// <summary>ConvNet's cost inside the compiler: a cold generator run (one build) and an incremental generator run after an edit to an unrelated file (every keystroke in an IDE).
/// See <see cref="GeneratorWorkload"/> for what is and is not included.</summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private GeneratorWorkload _workload = null!;

    [Params("Deep20", "AlexNet")]
    public string Network { get; set; } = "Deep20";

    [GlobalSetup]
    public void Setup()
    {
        _workload = new GeneratorWorkload(Network);
        _workload.GeneratedBytes();
        _workload.WarmUp(track: true);
        _workload.Incremental();
        _workload.AssertCached();
        _workload.WarmUp(); // step tracking off while timed, as in a real build
    }

    [Benchmark(Baseline = true)]
    public int GeneratorFull() => _workload.Generate();

    [Benchmark]
    public GeneratorDriver GeneratorIncremental() => _workload.Incremental();
}
