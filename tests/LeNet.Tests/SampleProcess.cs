using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace LeNet.Tests;

/// <summary>
/// A sample (LeNet unless told otherwise) run as a user runs it: its own process (the built LeNet.dll under the dotnet host), arguments on the
/// command line, output through a pipe (so never an interactive terminal), and signals for Ctrl-C.
/// </summary>
internal sealed partial class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _error = [];

    /// <param name="environment">Variables to set (or, with a null value, to remove) for the child.</param>
    public SampleProcess(IReadOnlyDictionary<string, string?> environment, params string[] args)
        : this("LeNet.dll", null, environment, args)
    {
    }

    /// <summary>The LeNet sample started to receive <see cref="Interrupt"/>: its SIGINT is at the default disposition
    /// (what a terminal gives), so the sample's handler is installed even when this test run inherited SIGINT
    /// ignored.</summary>
    public static SampleProcess Interruptible(params string[] args) =>
        new("LeNet.dll", null, new Dictionary<string, string?>(), args, interruptible: true);

    /// <param name="program">A sample's dll next to the tests (the test project references the sample).</param>
    /// <param name="workingDirectory">The child's current folder, or null for this one's.</param>
    /// <param name="environment">Variables to set (or, with a null value, to remove) for the child.</param>
    /// <param name="args">The command line.</param>
    /// <param name="interruptible">Start the child with SIGINT's default disposition, as a terminal gives it, whatever
    /// this process inherited (see <see cref="Interruptible"/>).</param>
    /// <param name="standardOutput">A shell redirection of the child's standard output in place of the pipe
    /// (<c>&gt;/dev/full</c>, <c>&gt;&amp;-</c>), or null; <see cref="Output"/> then stays empty.</param>
    public SampleProcess(string program, string? workingDirectory, IReadOnlyDictionary<string, string?> environment, string[] args,
        bool interruptible = false, string? standardOutput = null)
    {
        // The test host runs under the same dotnet host the sample needs; DOTNET_HOST_PATH names it when `dotnet test`
        // started us.
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        List<string> command = [host, Path.Combine(AppContext.BaseDirectory, program), .. args];
        if (interruptible && OperatingSystem.IsLinux())
        {
            // A shell without job control starts background commands with SIGINT ignored, exec keeps that, and .NET
            // then leaves the sample's SIGINT handler uninstalled: so `dotnet test` run from such a script (CI's) gave a
            // sample that trained on through Ctrl-C. GNU env restores the default before it execs the host.
            command.InsertRange(0, ["/usr/bin/env", "--default-signal=INT"]);
        }
        if (standardOutput is not null)
        {
            // The shell replaces its own standard output (the pipe) and then becomes the sample, which inherits it.
            command.InsertRange(0, ["/bin/sh", "-c", $"exec \"$@\" {standardOutput}", "sh"]);
        }
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        foreach (string a in command.Skip(1)) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment)
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Add(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_error, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Runs the sample to its end (at most <paramref name="timeout"/>) with no extra environment.</summary>
    public static SampleProcess Run(TimeSpan timeout, params string[] args)
    {
        var run = new SampleProcess(new Dictionary<string, string?>(), args);
        run.WaitForExit(timeout);
        return run;
    }

    /// <summary>Runs <paramref name="program"/> in <paramref name="workingDirectory"/> to its end (at most <paramref name="timeout"/>).</summary>
    public static SampleProcess RunIn(string program, string workingDirectory, TimeSpan timeout, params string[] args) =>
        RunIn(program, workingDirectory, null, timeout, args);

    /// <summary>Runs <paramref name="program"/> in <paramref name="workingDirectory"/> to its end (at most <paramref name="timeout"/>),
    /// its standard output redirected by the shell as <paramref name="standardOutput"/> says (null: the pipe).</summary>
    public static SampleProcess RunIn(string program, string workingDirectory, string? standardOutput, TimeSpan timeout, params string[] args)
    {
        var run = new SampleProcess(program, workingDirectory, new Dictionary<string, string?>(), args, standardOutput: standardOutput);
        run.WaitForExit(timeout);
        return run;
    }

    public string[] Output
    {
        get { lock (_output) return [.. _output]; }
    }

    public string StandardError
    {
        get { lock (_error) return string.Join("\n", _error); }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything printed, for assertion messages.</summary>
    public override string ToString() => string.Join("\n", Output) + "\n--- stderr ---\n" + StandardError;

    /// <summary>Waits until a line of standard output satisfies <paramref name="match"/>.</summary>
    public void WaitForLine(Func<string, bool> match, TimeSpan timeout) => WaitFor(() => Output, match, timeout);

    /// <summary>Waits until a line of standard error satisfies <paramref name="match"/>.</summary>
    public void WaitForErrorLine(Func<string, bool> match, TimeSpan timeout) => WaitFor(() => { lock (_error) return [.. _error]; }, match, timeout);

    private void WaitFor(Func<string[]> lines, Func<string, bool> match, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!lines().Any(match))
        {
            if (_process.HasExited) throw new InvalidOperationException($"The sample exited ({_process.ExitCode}) before the line appeared:\n{this}");
            if (DateTime.UtcNow > until) throw new TimeoutException($"No such line within {timeout.TotalSeconds:F0} s:\n{this}");
            Thread.Sleep(50);
        }
    }

    public void WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            throw new TimeoutException($"The sample did not finish within {timeout.TotalSeconds:F0} s:\n{this}");
        _process.WaitForExit(); // drains the asynchronous readers
    }

    /// <summary>Sends SIGINT, what Ctrl-C in a terminal sends.</summary>
    public void Interrupt()
    {
        if (Kill(_process.Id, SigInt) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, SIGINT) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private static void Add(List<string> lines, string? line)
    {
        if (line is null) return;
        lock (lines) lines.Add(line);
    }

    private const int SigInt = 2;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
