using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ConvNet.Benchmarks;

/// <summary>What the numbers were measured on, printed above every table.</summary>
internal static class Machine
{
    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The 1-, 5- and 15-minute load averages: above the core count, other processes were competing for the
    /// cores during the run, and the spreads in the repetition list will show it.</summary>
    public static string LoadAverage()
    {
        var parts = ReadLoad();
        return parts is null ? "unknown" : $"{parts[0]} {parts[1]} {parts[2]}";
    }

    /// <summary>A warning to print when the last minute's load average exceeds the core count, else null; <paramref name="turns"/>
    /// says how the systems alternated.</summary>
    public static string? BusyWarning(string turns = "repetition by repetition")
    {
        var parts = ReadLoad();
        if (parts is null || !double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double load)
            || load <= Environment.ProcessorCount) return null;
        return $"WARNING: the machine is busy (load {load:F1} on {Environment.ProcessorCount} cores): other processes took CPU time during the run, " +
            "so absolute times are inflated and noisy, two-thread scenarios most. Ratios hold up better, since the systems of a " +
            $"scenario took turns {turns}; for the record, rerun on a quiet machine.";
    }

    private static string[]? ReadLoad()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' '); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public static string Describe() =>
        $"{CpuModel()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; " +
        $"accelerated vectors: 512={Vector512.IsHardwareAccelerated} 256={Vector256.IsHardwareAccelerated}";
}
