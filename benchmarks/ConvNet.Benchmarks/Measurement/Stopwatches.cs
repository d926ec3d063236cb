using System;
using System.Collections.Generic;
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

    /// <summary>Times one action; see <see cref="MeasureInterleaved"/>.</summary>
    public static Timing Measure(Action run, double budgetSeconds = 2.5) => MeasureInterleaved([run], budgetSeconds)[0];

    /// <summary>
    /// Warms each action up for at least <paramref name="warmupSeconds"/> (and two calls), then runs repetitions of N calls,
    /// N chosen per action so one repetition lasts about <paramref name="repetitionSeconds"/>. The repetitions of the
    /// actions take turns (A, B, C, A, B, C, ...), so when other processes load the machine for a while, every system
    /// is hit alike and the ratios stay meaningful. Slow actions get fewer repetitions (never under three) so the whole
    /// measurement stays near <paramref name="budgetSeconds"/> per action.
    /// </summary>
    public static Timing[] MeasureInterleaved(IReadOnlyList<Action> runs, double budgetSeconds = 2.5,
        double warmupSeconds = 0.3, double repetitionSeconds = 0.15, int repetitions = 7)
    {
        var calls = new long[runs.Count];
        double round = 0;
        for (int i = 0; i < runs.Count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            int warm = 0;
            double last = 0;
            while (warm < 2 || Stopwatch.GetElapsedTime(start).TotalSeconds < warmupSeconds)
            {
                last = Once(runs[i]);
                warm++;
            }
            // The last warmup call, not the average, estimates the steady state: early calls may still run unoptimised code.
            calls[i] = Math.Max(1, (long)(repetitionSeconds / Math.Max(last, 1e-9)));
            round += calls[i] * last;
        }
        int reps = (int)Math.Clamp(budgetSeconds * runs.Count / Math.Max(round, 1e-9), 3, repetitions);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var samples = new double[runs.Count][];
        for (int i = 0; i < runs.Count; i++) samples[i] = new double[reps];
        for (int r = 0; r < reps; r++)
            for (int i = 0; i < runs.Count; i++)
            {
                var run = runs[i];
                long t0 = Stopwatch.GetTimestamp();
                for (long c = 0; c < calls[i]; c++) run();
                samples[i][r] = Stopwatch.GetElapsedTime(t0).TotalSeconds / calls[i];
            }
        var result = new Timing[runs.Count];
        for (int i = 0; i < runs.Count; i++)
        {
            var s = samples[i];
            Array.Sort(s);
            double median = reps % 2 == 1 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2;
            result[i] = new Timing(median, s[0], s[^1], reps, calls[i]);
        }
        return result;
    }

    public static string Format(double seconds) => seconds switch
    {
        >= 1 => $"{seconds:F2} s",
        >= 1e-3 => $"{seconds * 1e3:F2} ms",
        _ => $"{seconds * 1e6:F1} us",
    };
}
