using System;
using System.Diagnostics;
using System.IO;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace ConvNet.Benchmarks;

/// <summary>
/// The machine's memory bandwidth, measured STREAM-style on arrays far larger than the last-level cache: the limit a
/// kernel that streams its operands once (a fully connected layer at batch 1) cannot beat, as the FMA peak is the limit of
/// one that reuses them.
/// </summary>
/// <remarks>
/// Bytes are counted as STREAM counts them: every float read plus every float written, not the extra read a cache
/// line's write-allocate costs. Three patterns: read (a sum: a forward pass's weights), read-modify-write a += s·b (a
/// backward pass's dWeight += g·x beside its weights: one array read, one read and written), and STREAM's triad
/// a = b + s·c. Best of several passes, as for the FMA peak: other processes only ever lower a pass.
/// </remarks>
internal static class MemoryBandwidth
{
    /// <summary>GB/s (1e9 bytes) of each pattern on one thread and on all cores.</summary>
    public readonly record struct Result(long ArrayBytes, double ReadOne, double ReadAll, double UpdateOne, double UpdateAll,
        double TriadOne, double TriadAll, int Cores)
    {
        /// <summary>One line for the machine's header.</summary>
        public override string ToString() =>
            $"Memory bandwidth (STREAM-style, {ArrayBytes >> 20} MB arrays; GB/s on 1 thread / all {Cores} cores): read {ReadOne:F1} / {ReadAll:F1}, " +
            $"read-modify-write a += s*b {UpdateOne:F1} / {UpdateAll:F1}, triad a = b + s*c {TriadOne:F1} / {TriadAll:F1}";
    }

    private enum Pattern { Read, Update, Triad }

    /// <summary>The last-level cache's size in bytes from sysfs, or null where it cannot be read.</summary>
    public static long? LastLevelCacheBytes()
    {
        const string Folder = "/sys/devices/system/cpu/cpu0/cache";
        long? largest = null;
        try
        {
            if (!Directory.Exists(Folder)) return null;
            foreach (var index in Directory.GetDirectories(Folder, "index*"))
            {
                string text = File.ReadAllText(Path.Combine(index, "size")).Trim();
                long scale = text.EndsWith('K') ? 1024 : text.EndsWith('M') ? 1024 * 1024 : 1;
                if (long.TryParse(text.TrimEnd('K', 'M'), out long size)) largest = Math.Max(largest ?? 0, size * scale);
            }
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        return largest;
    }

    /// <param name="passes">Passes per pattern and thread count; each moves 128 to 192 MB.</param>
    public static Result Measure(int passes = 8)
    {
        // Eight times the last-level cache (or 64 MB each if unknown), so nearly every byte comes from memory.
        long bytes = Math.Max(64L << 20, 8 * (LastLevelCacheBytes() ?? 0) / 3);
        int n = (int)(bytes / sizeof(float)) / Vector<float>.Count * Vector<float>.Count;
        var a = GC.AllocateUninitializedArray<float>(n);
        var b = GC.AllocateUninitializedArray<float>(n);
        var c = GC.AllocateUninitializedArray<float>(n);
        // First touch maps the pages, which would otherwise be timed in the first pass; small values keep a += s·b finite.
        Array.Fill(a, 1f);
        Array.Fill(b, 1f);
        Array.Fill(c, 1f);
        int cores = Environment.ProcessorCount;
        double Best(Pattern p, int threads)
        {
            double best = 0;
            for (int i = 0; i < passes; i++) best = Math.Max(best, Run(p, threads, a, b, c));
            return best;
        }
        return new Result((long)n * sizeof(float), Best(Pattern.Read, 1), Best(Pattern.Read, cores), Best(Pattern.Update, 1),
            Best(Pattern.Update, cores), Best(Pattern.Triad, 1), Best(Pattern.Triad, cores), cores);
    }

    /// <summary>One pass of <paramref name="p"/> over the arrays, split into one contiguous slice per thread; GB/s.</summary>
    private static double Run(Pattern p, int threads, float[] a, float[] b, float[] c)
    {
        int n = a.Length, slice = n / threads / Vector<float>.Count * Vector<float>.Count;
        using var go = new ManualResetEventSlim();
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int start = t * slice, length = t == threads - 1 ? n - start : slice;
            workers[t] = new Thread(() =>
            {
                go.Wait();
                switch (p)
                {
                    case Pattern.Read: Sink = Sum(a.AsSpan(start, length)); break;
                    case Pattern.Update: Update(a.AsSpan(start, length), b.AsSpan(start, length), 1e-9f); break;
                    default: Triad(a.AsSpan(start, length), b.AsSpan(start, length), c.AsSpan(start, length), 1e-9f); break;
                }
            }) { IsBackground = true };
            workers[t].Start();
        }
        // The threads are started before the clock is, and wait on go, so thread creation is not timed.
        Thread.Sleep(1);
        long t0 = Stopwatch.GetTimestamp();
        go.Set();
        foreach (var w in workers) w.Join();
        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        long floats = p switch { Pattern.Read => n, Pattern.Update => 3L * n, _ => 3L * n };
        return floats * sizeof(float) / seconds / 1e9;
    }

    // Four accumulators, so the loop waits on loads, not on the latency of one chain of additions.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Sum(ReadOnlySpan<float> a)
    {
        var v = MemoryMarshal.Cast<float, Vector<float>>(a);
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int i = 0;
        for (; i + 4 <= v.Length; i += 4) { s0 += v[i]; s1 += v[i + 1]; s2 += v[i + 2]; s3 += v[i + 3]; }
        for (; i < v.Length; i++) s0 += v[i];
        return Vector.Sum(s0 + s1 + s2 + s3);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Update(Span<float> a, ReadOnlySpan<float> b, float s)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var vs = new Vector<float>(s);
        for (int i = 0; i < va.Length; i++) va[i] = Vector.FusedMultiplyAdd(vs, vb[i], va[i]);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Triad(Span<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, float s)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var vc = MemoryMarshal.Cast<float, Vector<float>>(c);
        var vs = new Vector<float>(s);
        for (int i = 0; i < va.Length; i++) va[i] = Vector.FusedMultiplyAdd(vs, vc[i], vb[i]);
    }

    // Written by the read pass so its sum is live; internal so the compiler does not flag it as never read.
    internal static float Sink;
}
