using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace ConvNet.Benchmarks;

/// <summary>
/// The machine's single-precision FMA peak, measured rather than taken from a data sheet (clock speeds under a
/// hypervisor are anyone's guess): a loop of independent fused multiply-adds at the widest hardware-accelerated width.
/// </summary>
/// <remarks>
/// The loops are compiled fully optimised on their first call (AggressiveOptimization), so no tiering is timed.
/// Sixteen accumulators: an FMA has a latency of about 4 cycles and modern cores issue two per cycle, so at least 8
/// independent chains are needed to keep both pipes busy; 16 leaves margin and still fits the register file.
/// </remarks>
internal static class FmaPeak
{
    public readonly record struct Result(int VectorBits, double PerCoreGflops, double AllCoresGflops, int Cores);

    public static Result Measure(double seconds = 0.05, int samples = 12)
    {
        int bits = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        double one = 0, all = 0;
        int cores = Environment.ProcessorCount;
        // Best of many short samples: the peak is what the core can do, and other processes on the machine only ever
        // lower a sample, so the maximum over short windows is the estimate least disturbed by them.
        for (int i = 0; i < samples; i++)
        {
            one = Math.Max(one, Run(1, bits, seconds));
            all = Math.Max(all, Run(cores, bits, seconds));
        }
        return new Result(bits, one, all, cores);
    }

    private static double Run(int threads, int bits, double seconds)
    {
        const long chunk = 1 << 16;
        long totalFlops = 0;
        using var go = new ManualResetEventSlim();
        var workers = new Thread[threads];
        var counts = new long[threads];
        long deadline = 0;
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                go.Wait();
                long flops = 0;
                while (Stopwatch.GetTimestamp() < Volatile.Read(ref deadline))
                    flops += bits switch { 512 => Loop512(chunk), 256 => Loop256(chunk), _ => Loop128(chunk) };
                counts[id] = flops;
            }) { IsBackground = true };
            workers[t].Start();
        }
        long start = Stopwatch.GetTimestamp();
        Volatile.Write(ref deadline, start + (long)(seconds * Stopwatch.Frequency));
        go.Set();
        foreach (var w in workers) w.Join();
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        foreach (var c in counts) totalFlops += c;
        return totalFlops / elapsed / 1e9;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Loop512(long n)
    {
        var b = Vector512.Create(0.9999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0,
            a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, b, c); a1 = Vector512.FusedMultiplyAdd(a1, b, c);
            a2 = Vector512.FusedMultiplyAdd(a2, b, c); a3 = Vector512.FusedMultiplyAdd(a3, b, c);
            a4 = Vector512.FusedMultiplyAdd(a4, b, c); a5 = Vector512.FusedMultiplyAdd(a5, b, c);
            a6 = Vector512.FusedMultiplyAdd(a6, b, c); a7 = Vector512.FusedMultiplyAdd(a7, b, c);
            a8 = Vector512.FusedMultiplyAdd(a8, b, c); a9 = Vector512.FusedMultiplyAdd(a9, b, c);
            a10 = Vector512.FusedMultiplyAdd(a10, b, c); a11 = Vector512.FusedMultiplyAdd(a11, b, c);
            a12 = Vector512.FusedMultiplyAdd(a12, b, c); a13 = Vector512.FusedMultiplyAdd(a13, b, c);
            a14 = Vector512.FusedMultiplyAdd(a14, b, c); a15 = Vector512.FusedMultiplyAdd(a15, b, c);
        }
        // Consuming every accumulator keeps the JIT from dropping any chain as dead code.
        Sink = (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15).ToScalar();
        return n * 16 * Vector512<float>.Count * 2;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Loop256(long n)
    {
        var b = Vector256.Create(0.9999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0,
            a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        // Twelve chains: AVX2 has 16 ymm registers, and b, c and the loop need some.
        for (long i = 0; i < n; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, b, c); a1 = Vector256.FusedMultiplyAdd(a1, b, c);
            a2 = Vector256.FusedMultiplyAdd(a2, b, c); a3 = Vector256.FusedMultiplyAdd(a3, b, c);
            a4 = Vector256.FusedMultiplyAdd(a4, b, c); a5 = Vector256.FusedMultiplyAdd(a5, b, c);
            a6 = Vector256.FusedMultiplyAdd(a6, b, c); a7 = Vector256.FusedMultiplyAdd(a7, b, c);
            a8 = Vector256.FusedMultiplyAdd(a8, b, c); a9 = Vector256.FusedMultiplyAdd(a9, b, c);
            a10 = Vector256.FusedMultiplyAdd(a10, b, c); a11 = Vector256.FusedMultiplyAdd(a11, b, c);
        }
        Sink = (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).ToScalar();
        return n * 12 * Vector256<float>.Count * 2;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Loop128(long n)
    {
        var b = Vector128.Create(0.9999999f);
        var c = Vector128.Create(1e-7f);
        Vector128<float> a0 = Vector128.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, b, c); a1 = Vector128.FusedMultiplyAdd(a1, b, c);
            a2 = Vector128.FusedMultiplyAdd(a2, b, c); a3 = Vector128.FusedMultiplyAdd(a3, b, c);
            a4 = Vector128.FusedMultiplyAdd(a4, b, c); a5 = Vector128.FusedMultiplyAdd(a5, b, c);
            a6 = Vector128.FusedMultiplyAdd(a6, b, c); a7 = Vector128.FusedMultiplyAdd(a7, b, c);
        }
        Sink = (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7).ToScalar();
        return n * 8 * Vector128<float>.Count * 2;
    }

    // Written by every loop so its accumulators are live; internal so the compiler does not flag it as never read.
    internal static float Sink;
}
