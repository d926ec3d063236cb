using System;
using System.Diagnostics;
using System.IO;

namespace LeNet.Tests;

/// <summary>Runs a sample's program the way a user does: its own process, its own working folder, its output read back.</summary>
internal static class SampleProcess
{
    /// <summary>
    /// Runs <paramref name="program"/> (a dll next to the tests: the test project references the sample) with the same
    /// host as the tests; a run past <paramref name="timeout"/> (default two minutes) is killed and fails.
    /// </summary>
    public static (int ExitCode, string Output, string Error) Run(string program, string workingDirectory, string[] args, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, program));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in time.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
