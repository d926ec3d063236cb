// Start-up and batch-1 latency of LeNet-5 and the CIFAR net, built the same way under the JIT and NativeAOT, for
// benchmarks/aot-check.sh, which times whole processes from outside:
//   first lenet|cifar    one Forward from a fresh process, then exit: the script times the process
//   steady lenet|cifar   time of one single-sample Forward on one thread, after a warm-up
//   fixture DIR          writes LeNet-5 weights and a one-digit IDX file for the Classify sample's timing
using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.Intrinsics;
using ConvNet;
using ConvNet.Benchmarks;

if (args.Length != 2) return Usage();
if (args[0] == "fixture") return Fixture(args[1]);
INetwork? network = args[1] switch
{
    "lenet" => new LeNet5(),
    "cifar" => new CifarNet(),
    _ => null,
};
if (network is null) return Usage();
network.MaxDegreeOfParallelism = 1;
var rng = new Rng(1);
var input = new float[network.InputLength];
for (int i = 0; i < input.Length; i++) input[i] = rng.NextUniform(-1f, 1f);
var scores = new float[network.OutputLength];

switch (args[0])
{
    case "first":
        int predicted = network.Predict(input, scores);
        Console.WriteLine($"{args[1]}: class {predicted}; vectors used: {VectorBits()} bits");
        return 0;
    case "steady":
        var (median, best, cpu) = SteadyMicroseconds(network, input, scores);
        Console.WriteLine($"{args[1]}: {median:F2} us per Forward (median), {best:F2} us (best round), {cpu:F2} us CPU; vectors used: {VectorBits()} bits");
        return 0;
    default:
        return Usage();
}

// The widths the generated kernels choose between; under NativeAOT these are fixed when the executable is compiled.
static int VectorBits() =>
    Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

// A second of warm-up (the JIT's tiers settle), then 21 rounds of about 50 ms each: per call, the median round, the best
// round (the least disturbed by other processes on a shared machine) and the process's CPU time over all rounds (which
// other processes hardly change; the calls run on this thread alone).
static (double Median, double Best, double Cpu) SteadyMicroseconds(INetwork network, float[] input, float[] scores)
{
    var clock = Stopwatch.StartNew();
    long calls = 0;
    while (clock.ElapsedMilliseconds < 1000)
    {
        network.Forward(input, scores);
        calls++;
    }
    long perRound = Math.Max(1, calls / 20);
    var rounds = new double[21];
    var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    for (int r = 0; r < rounds.Length; r++)
    {
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < perRound; i++) network.Forward(input, scores);
        rounds[r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / perRound;
    }
    double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMicroseconds / (perRound * rounds.Length);
    Array.Sort(rounds);
    return (rounds[rounds.Length / 2], rounds[0], cpu);
}

static int Fixture(string folder)
{
    Directory.CreateDirectory(folder);
    SafeTensors.Save(new LeNet5(), Path.Combine(folder, "lenet.safetensors"));
    // IDX: magic 0x00000803 (unsigned bytes, 3 dimensions), the dimensions big-endian, then one 28x28 image (a bar).
    var idx = new byte[16 + 784];
    idx[2] = 0x08;
    idx[3] = 3;
    idx[7] = 1;
    idx[11] = 28;
    idx[15] = 28;
    for (int y = 4; y < 24; y++) idx[16 + y * 28 + 14] = 255;
    File.WriteAllBytes(Path.Combine(folder, "digit-idx3-ubyte"), idx);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: ConvNet.Latency first|steady lenet|cifar, or ConvNet.Latency fixture DIR");
    return 2;
}
