using BenchmarkDotNet.Attributes;

namespace ConvNet.Benchmarks.Bdn;

/// <summary>The CIFAR net's generated conv and FC kernels, called directly on one sample's real activations, one thread
/// (see <see cref="LayerProfile"/> for why direct calls are possible and honest). Divide the layer's FLOPs by the
/// reported time for GFLOP/s; the compare mode prints that division.</summary>
[MemoryDiagnoser]
public class CifarLayerBenchmarks
{
    private LayerProfile.Kernel _kernel = null!;
    private LayerProfile.LayerBuffers _b = null!;

    [Params("conv1", "conv2", "conv3", "fc1", "fc2")]
    public string Layer { get; set; } = "conv1";

    [GlobalSetup]
    public void Setup()
    {
        var w = new Workload(NetworkDef.Cifar, 1, 1);
        foreach (var k in LayerProfile.CifarKernels)
            if (w.Prototype.Layers[k.Index].Name == Layer) _kernel = k;
        _b = LayerProfile.LayerBuffers.For([_kernel], w)[0];
        _kernel.Forward(_b.Parameters, _b.Input, _b.Output, _b.Scratch);
        Agreement.Check($"CIFAR {Layer} kernel vs network", _b.Expected, _b.Output, _b.Output.Length);
    }

    [Benchmark]
    public void Forward() => _kernel.Forward(_b.Parameters, _b.Input, _b.Output, _b.Scratch);

    [Benchmark]
    public void Backward() => _kernel.Backward(_b.Parameters, _b.Input, _b.Expected, _b.DOutput, _b.Gradients, _b.DInput, _b.Scratch);
}
