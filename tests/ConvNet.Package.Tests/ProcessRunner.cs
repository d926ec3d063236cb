using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace ConvNet.Package.Tests;

internal sealed record ProcessResult(int ExitCode, string Output);

/// <summary>Runs <c>dotnet</c>, the one on PATH.</summary>
internal static class DotNet
{
    public static ProcessResult Run(string workingDirectory, params string[] args) =>
        ProcessRunner.Run("dotnet", workingDirectory, args);
}

/// <summary>Runs <c>git</c> (the one on PATH), as the package's version target does.</summary>
internal static class Git
{
    public static string Run(string workingDirectory, params string[] args)
    {
        var result = ProcessRunner.Run("git", workingDirectory, args);
        if (result.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({result.ExitCode}):\n{result.Output}");
        return result.Output;
    }
}

/// <summary>Runs a program to its end, collecting stdout and stderr together.</summary>
internal static class ProcessRunner
{
    /// <summary>Only to catch a hang: a pack or build that takes 20 s on a quiet machine took more than the 150 s limit
    /// once, with other builds on the same two cores, so no limit here is a measure of speed.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(15);

    public static ProcessResult Run(string program, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        // The test host inherits MSBuild's variables from `dotnet test`; they would steer the child build to the
        // parent's MSBuild state instead of a clean one.
        var inherited = new List<string>();
        foreach (string key in start.Environment.Keys)
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || key == "DOTNET_HOST_PATH") inherited.Add(key);
        foreach (var key in inherited) start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // Lingering MSBuild nodes or a compiler server would hold our output pipes open past the timeout, and
        // would outlive the test.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(HangLimit))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            lock (output)
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {HangLimit.TotalMinutes:F0} minutes:\n{output}");
        }
        process.WaitForExit(); // drains the asynchronous readers
        lock (output) return new ProcessResult(process.ExitCode, output.ToString());
    }
}

internal static class Repo
{
    /// <summary>The repository root: the nearest folder above the test assembly that holds ConvNet.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ConvNet.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No ConvNet.sln above {AppContext.BaseDirectory}.");
    }
}
