using Microsoft.Playwright;

using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Dashboard;

/// <summary>
/// Headless Chromium from Debian (tests/env/install-deps.sh) driven by Microsoft.Playwright's
/// bundled driver: no browser download, no network. Missing Chromium skips a test locally and
/// fails it under CI=true. Screenshots go to TestResults/screenshots of this test project
/// (ROTOR_SCREENSHOTS moves them).
/// </summary>
internal static class BrowserLab
{
    public const string Executable = "/usr/bin/chromium";

    public static bool Require() => EnvScript.Require(File.Exists(Executable),
        $"{Executable} not found; run tests/env/install-deps.sh as root", "Chromium");

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright) => await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Executable,
        Headless = true,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    public static string ScreenshotFolder()
    {
        var folder = Environment.GetEnvironmentVariable("ROTOR_SCREENSHOTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Rotor.Testing.Checkout.Root(), "tests", "Rotor.IntegrationTests", "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
