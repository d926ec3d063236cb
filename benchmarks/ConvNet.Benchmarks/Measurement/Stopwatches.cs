using System;
using System.Diagnostics;

namespace ConvNet.Benchmarks;

/// <summary>Median time of one call, from several repetitions of many calls, after a warmup.</summary>
internal readonly record struct Timing(double Median, double Min, double Max, int Repetitions, long CallsPerRepetition)
{
    /// <summary>(max - min) / median over the repetitions: how far to trust the median.</summary>
    public double Spread => (Max - Min) / Median;
}

/// <summary>The quick mode's timer. Plain Stopwatch loops: simple enough to trust, robust through the median.</summary>
internal static class CallTimer
{
    /// <summary>Times <paramref name="run"/> once: the first call pays JIT, lazy allocation and native warm-up.</summary>
    public static double Once(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>
    /// Warms up for at least <paramref name="warmupSeconds"/> (and two calls), then runs repetitions of N calls each, N
    /// chosen so one repetition lasts about <paramref name="repetitionSeconds"/>. Slow calls get fewer repetitions
    /// (never under three) so the whole measurement stays near <paramref name="budgetSeconds"/>.
    /// </summary>
    public static Timing Measure(Action run, double warmupSeconds = 0.3, double repetitionSeconds = 0.15, int repetitions = 7, double budgetSeconds = 2.5)
    {
        long start = Stopwatch.GetTimestamp();
        int warm = 0;
        double last = 0;
        while (warm < 2 || Stopwatch.GetElapsedTime(start).TotalSeconds < warmupSeconds)
        {
            last = Once(run);
            warm++;
        }
        // The last warmup call, not the average, estimates the steady state: early calls may still run unoptimised code.
        long calls = Math.Max(1, (long)(repetitionSeconds / Math.Max(last, 1e-9)));
        int reps = (int)Math.Clamp(budgetSeconds / Math.Max(calls * last, 1e-9), 3, repetitions);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var samples = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (long i = 0; i < calls; i++) run();
            samples[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds / calls;
        }
        Array.Sort(samples);
        double median = reps % 2 == 1 ? samples[reps / 2] : (samples[reps / 2 - 1] + samples[reps / 2]) / 2;
        return new Timing(median, samples[0], samples[^1], reps, calls);
    }

    public static string Format(double seconds) => seconds switch
    {
        >= 1 => $"{seconds:F2} s",
        >= 1e-3 => $"{seconds * 1e3:F2} ms",
        _ => $"{seconds * 1e6:F1} us",
    };
}
