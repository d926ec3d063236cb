using System;
using System.Diagnostics;
using System.IO;

namespace ConvNet.Benchmarks;

/// <summary>
/// Another process that keeps one core busy while a scenario is timed: this program started again as <c>spin</c>, a loop
/// that does nothing else. Disposing kills it; it also ends on its own after <see cref="Lifetime"/>, so a crashed
/// compare never leaves it spinning.
/// </summary>
internal sealed class Spinner : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly Process _process;

    private Spinner(Process process) => _process = process;

    public static Spinner Start()
    {
        // Under `dotnet ConvNet.Benchmarks.dll` the process is dotnet itself, so the assembly goes first.
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell this program's path.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(Spinner).Assembly.Location);
        start.ArgumentList.Add("spin");
        var spinner = new Spinner(Process.Start(start) ?? throw new InvalidOperationException("Could not start the spinning process."));
        // Let it get past the runtime's start-up and into its loop before anything is timed.
        System.Threading.Thread.Sleep(500);
        return spinner;
    }

    /// <summary>The <c>spin</c> mode: busy until killed, or until <see cref="Lifetime"/> has passed.</summary>
    public static int Spin()
    {
        var clock = Stopwatch.StartNew();
        long turns = 0;
        while (clock.Elapsed < Lifetime) turns++;
        return turns > 0 ? 0 : 1;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
