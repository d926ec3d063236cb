using System.IO;
using Xunit;

namespace Web.Tests;

/// <summary>A test that drives the page in Chromium: skipped, with the reason, on a machine without it.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Debian's <c>chromium</c> package puts the browser here; Playwright's own download is not used.</summary>
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <see cref="Chromium"/> is missing.</summary>
    public BrowserFactAttribute()
    {
        if (!File.Exists(Chromium))
            Skip = $"no browser: these tests drive the page in Chromium at {Chromium} (Debian: apt-get install chromium; .ci/run installs it)";
    }
}
