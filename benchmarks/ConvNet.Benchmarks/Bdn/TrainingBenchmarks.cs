using System;
using BenchmarkDotNet.Attributes;

namespace ConvNet.Benchmarks.Bdn;

/// <summary>One SGD training step at batch 64 on 2 threads (forward, softmax cross-entropy, backward, update).
/// The setup runs one step on the system and on a fresh ConvNet from the same weights and compares loss and gradients.</summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private const int Batch = 64;
    private ITrainer _system = null!;

    [Params("LeNet5", "CifarNet")]
    public string Network { get; set; } = "LeNet5";

    [GlobalSetup(Target = nameof(ConvNet))]
    public void SetupConvNet() => _system = new ConvNetTrainer(Workload());

    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        if (!TorchSystem.TryLoad(out string reason)) throw new InvalidOperationException("TorchSharp n/a: " + reason);
        var w = Workload();
        _system = new TorchTrainer(w);
        using var reference = new ConvNetTrainer(w);
        float expectedLoss = reference.Step(), loss = _system.Step();
        if (!(Math.Abs(loss - expectedLoss) <= Agreement.Tolerance * Math.Max(1, Math.Abs(expectedLoss))))
            throw new DisagreementException($"{Network}: TorchSharp loss {loss}, ConvNet {expectedLoss}.");
        float[] expected = reference.Gradients(), actual = _system.Gradients();
        foreach (var l in w.Prototype.Layers)
            foreach (var t in l.Tensors)
                Agreement.Check($"{Network} gradient of {t.Name}", expected.AsSpan(t.Offset, t.Length), actual.AsSpan(t.Offset, t.Length), t.Length);
    }

    [Benchmark(Baseline = true)]
    public float ConvNet() => _system.Step();

    [Benchmark]
    public float TorchSharp() => _system.Step();

    [GlobalCleanup]
    public void Cleanup() => _system.Dispose();

    private Workload Workload() => new(NetworkDef.ByName(Network), Batch, Scenario.ThreadsFor(Batch));
}
