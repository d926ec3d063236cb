using BenchmarkDotNet.Attributes;

namespace ConvNet.Benchmarks.Bdn;

/// <summary>
/// Forward pass over one batch on each system: batch 1 on 1 thread, batch 64 on 2 threads. Every setup checks its
/// system's scores against ConvNet's before anything is timed, and throws (failing the benchmark) if they disagree.
/// </summary>
/// <remarks>BenchmarkDotNet runs each benchmark in its own process, so each system gets its own setup, and TorchSharp's
/// process-wide thread count cannot leak from one case into another.</remarks>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private Workload _workload = null!;
    private IInference _system = null!;

    [Params("LeNet5", "CifarNet")]
    public string Network { get; set; } = "LeNet5";

    [Params(1, 64)]
    public int Batch { get; set; } = 1;

    [GlobalSetup(Target = nameof(ConvNet))]
    public void SetupConvNet() => _system = Checked(new ConvNetInference(Workload()));

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime() => _system = Checked(new OrtInference(Workload()));

    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        if (!TorchSystem.TryLoad(out string reason)) throw new System.InvalidOperationException("TorchSharp n/a: " + reason);
        _system = Checked(new TorchInference(Workload()));
    }

    [GlobalSetup(Target = nameof(NaiveCSharp))]
    public void SetupNaive() => _system = Checked(new NaiveInference(Workload()));

    [Benchmark(Baseline = true)]
    public void ConvNet() => _system.Run();

    [Benchmark]
    public void OnnxRuntime() => _system.Run();

    [Benchmark]
    public void TorchSharp() => _system.Run();

    [Benchmark]
    public void NaiveCSharp() => _system.Run();

    [GlobalCleanup]
    public void Cleanup() => _system.Dispose();

    private Workload Workload() => _workload = new Workload(NetworkDef.ByName(Network), Batch, Scenario.ThreadsFor(Batch));

    private IInference Checked(IInference system)
    {
        using var reference = new ConvNetInference(_workload);
        reference.Run();
        system.Run();
        Agreement.Check($"{Network} b{Batch} scores vs ConvNet", reference.Scores(), system.Scores(), _workload.Prototype.OutputLength);
        return system;
    }
}
