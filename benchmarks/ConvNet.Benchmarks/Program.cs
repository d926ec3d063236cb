using System;
using BenchmarkDotNet.Running;

namespace ConvNet.Benchmarks;

/// <summary>
/// <c>compare [network...]</c>: the quick comparison table (under three minutes), of every network or of those named
/// (e.g. <c>compare ResNet-20</c>); <c>layers [AlexNet]</c>: only the per-layer tables of LeNet-5 and the CIFAR net, or of AlexNet (with the FMA
/// peak and the memory bandwidth), for kernel work; <c>peak</c>: only the FMA peak; <c>generator</c>: the generator's own
/// cost; <c>bignets</c>: AlexNet and VGG-16 once, with the JIT checks;
/// <c>export-torch-fixture DIR</c>: the weight interop fixtures, both directions (<see cref="TorchFixtureCommand"/>);
/// <c>resnet-mnist [options]</c>: the ResNet sample trained in ConvNet and in TorchSharp, accuracy and throughput side
/// by side (<see cref="ResNetMnistCommand"/>); <c>spin</c>: keeps a core busy (the other process of compare's "one core
/// busy" rows, <see cref="Spinner"/>).
/// Anything else goes to BenchmarkDotNet, e.g.
/// <c>--filter *Inference*</c> or <c>--list flat</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "compare") return CompareCommand.Run(args[1..]);
        if (args.Length > 0 && args[0] == "peak") return PrintPeak();
        if (args.Length > 0 && args[0] == "layers") return PrintLayers(args.Length > 1 && args[1] == "AlexNet");
        if (args.Length > 0 && args[0] == "export-torch-fixture") return TorchFixtureCommand.Run(args[1..]);
        if (args.Length > 0 && args[0] == "generator") return GeneratorCommand.Run();
        if (args.Length > 0 && args[0] == "resnet-mnist") return ResNetMnistCommand.Run(args[1..]);
        if (args.Length > 0 && args[0] == "bignets") return BigNetsCommand.Run();
        if (args.Length > 0 && args[0] == "bignets-once") return BigNetsCommand.Once();
        if (args.Length > 0 && args[0] == "spin") return Spinner.Spin();
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    private static int PrintPeak()
    {
        Peak();
        return 0;
    }

    private static FmaPeak.Result Peak()
    {
        Console.WriteLine($"Machine: {Machine.Describe()}");
        var peak = FmaPeak.Measure();
        Console.WriteLine($"FMA peak (Vector{peak.VectorBits}, fp32): {peak.PerCoreGflops:F1} GFLOP/s per core; {peak.AllCoresGflops:F1} GFLOP/s on all {peak.Cores} cores together");
        return peak;
    }

    private static int PrintLayers(bool alexNet)
    {
        var peak = Peak();
        var bandwidth = MemoryBandwidth.Measure();
        Console.WriteLine(bandwidth);
        if (alexNet)
        {
            LayerProfile.Run(NetworkDef.AlexNet, LayerProfile.AlexNetKernels, peak, bandwidth);
            return 0;
        }
        LayerProfile.Run(NetworkDef.LeNet5, LayerProfile.LeNet5Kernels, peak, bandwidth);
        LayerProfile.Run(NetworkDef.Cifar, LayerProfile.CifarKernels, peak, bandwidth);
        return 0;
    }
}
