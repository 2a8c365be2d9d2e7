using Microsoft.Playwright;

namespace Distributed.Dashboard.Tests;

/// <summary>
/// Debian's chromium under Playwright, shared by the browser tests. A missing browser fails the tests (never skips
/// them): infra/setup.d/45-chromium.sh installs it.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string Path = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: artifacts/screenshots at the repository's top.</summary>
    public static string Screenshots { get; } = FindScreenshots();

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path))
            throw new InvalidOperationException($"{Path} is missing: the dashboard's browser tests need Debian's chromium. Run infra/setup.sh (step 45-chromium.sh) or `apt-get install chromium`.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Path, Headless = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    private static string FindScreenshots()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Distributed.sln"))) dir = dir.Parent;
        var path = System.IO.Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(path);
        return path;
    }
}
