using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.Playwright;
using Xunit;

namespace Web.Tests;

/// <summary>
/// The page as a user gets it: <c>dotnet run --project samples/Web</c> (already built, in this test project's
/// configuration) on a free local port, and a headless Chromium with a fresh profile. Started by the first test that
/// asks for it, so a machine without Chromium starts nothing.
/// </summary>
public sealed class WebApp : IAsyncLifetime
{
    private Process? _server;
    private IPlaywright? _playwright;
    private IBrowserContext? _browser;
    private string? _profile;

    /// <summary>The page's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The repository's root folder (the one with ConvNet.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A new tab with the page loaded and its weights in place (the pad is ready for strokes).</summary>
    public async Task<IPage> OpenAsync()
    {
        if (_browser is null) await StartAsync();
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(Address.ToString());
        // The pad is wired once the weights have loaded and the drawing tab has rendered; the filters are drawn then.
        await page.WaitForFunctionAsync("() => document.getElementById('conv1-filters')?.width > 0", null, new() { Timeout = 120_000 });
        return page;
    }

    private async Task StartAsync()
    {
        int port = FreePort();
        string configuration = typeof(WebApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "Configuration").Value!;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        foreach (string arg in new[] { "run", "--project", Path.Combine(Root, "samples", "Web"), "--no-build", "-c", configuration,
                                       "--", "--urls", $"http://127.0.0.1:{port}" })
            start.ArgumentList.Add(arg);
        _server = Process.Start(start)!;
        var listening = new TaskCompletionSource();
        var log = new System.Text.StringBuilder();
        _server.OutputDataReceived += (_, e) =>
        {
            lock (log) log.AppendLine(e.Data);
            if (e.Data?.Contains("Now listening on", StringComparison.Ordinal) == true) listening.TrySetResult();
        };
        _server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        _server.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"the web app exited:\n{log}"));
        _server.EnableRaisingEvents = true;
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromMinutes(10)); // only to catch a hang
        Address = new Uri($"http://127.0.0.1:{port}/");

        _playwright = await Playwright.CreateAsync();
        _profile = Directory.CreateTempSubdirectory("web-tests-profile-").FullName;
        _browser = await _playwright.Chromium.LaunchPersistentContextAsync(_profile, new()
        {
            ExecutablePath = BrowserFactAttribute.Chromium,
            Headless = true,
            ViewportSize = new() { Width = 1100, Height = 900 },
            // No sandbox (containers and root have none to give); nothing that reaches out to the network.
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
    }

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }
        _server?.Dispose();
        if (_profile is not null) Directory.Delete(_profile, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "ConvNet.sln"))) return folder.FullName;
        throw new DirectoryNotFoundException($"no ConvNet.sln above {AppContext.BaseDirectory}");
    }
}
