using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Rotor.Core.Rotation;
using Rotor.Dashboard;
using Rotor.IntegrationTests.Sip;
using Rotor.IntegrationTests.Support;
using Xunit.Abstractions;

namespace Rotor.IntegrationTests.Dashboard;

/// <summary>
/// An operator in headless Chromium runs a rotation of a real Kamailio (tests/env/sip) from the
/// dashboard: log in, find the certificate through the filter, open it, rotate it, watch it reach
/// Promoted, roll it back, and find both in the event feed. A screenshot is saved at each step,
/// and the elements it should show are checked in the page at that moment.
/// </summary>
[Collection(SipCollection.Name)]
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private const string OperatorToken = "rotor_browser-test-operator-token";

    private static string Manifest(KamailioLab k) => $$$"""
        apiVersion: rotor/v1
        kind: Issuer
        metadata: {name: local}
        spec: {ca: {}}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: kam}
        spec:
          kamailio:
            ctlSocket: {{{k.ControlSocket}}}
            certificatePath: {{{k.CertificatePath}}}
            privateKeyPath: {{{k.PrivateKeyPath}}}
            tlsEndpoint: "{{{k.Host}}}:{{{k.TlsPort}}}"
            minReloadInterval: 1s
        ---
        apiVersion: rotor/v1
        kind: Endpoint
        metadata: {name: kam-tls}
        spec: {host: {{{k.Host}}}, port: {{{k.TlsPort}}}, sni: {{{k.ServerName}}}, sip: true}
        ---
        apiVersion: rotor/v1
        kind: Target
        metadata: {name: files}
        spec: {file: {}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: edge}
        spec:
          commonName: localhost
          dnsNames: [localhost]
          ipAddresses: [127.0.0.1]
          duration: 720h
          issuerRef: {name: local}
          deploy:
            - {target: kam, endpoints: [kam-tls]}
          rotation: {overlap: 10m, stagger: 1s, healthGate: {window: 2s, probesPerSecond: 5}}
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: branch-office}
        spec:
          commonName: branch.example.test
          dnsNames: [branch.example.test]
          duration: 720h
          issuerRef: {name: local}
          deploy: [{target: files, path: out/branch-office}]
        ---
        apiVersion: rotor/v1
        kind: Certificate
        metadata: {name: contact-centre}
        spec:
          commonName: cc.example.test
          dnsNames: [cc.example.test]
          duration: 720h
          issuerRef: {name: local}
          deploy: [{target: files, path: out/contact-centre}]
        """;

    [Fact]
    public async Task An_operator_rotates_a_Kamailio_certificate_to_Promoted_rolls_it_back_and_finds_both_in_the_event_feed()
    {
        if (!BrowserLab.Require()) return;
        await using var kamailio = await KamailioLab.StartAsync();
        if (!kamailio.Require()) return;
        await using var rig = new RotationRig();
        await rig.ApplyAsync(Manifest(kamailio));
        await rig.StartAsync();
        var v1 = await rig.WaitForActiveAsync("edge", 0, TimeSpan.FromSeconds(60));
        await using var server = await DashboardServer.StartAsync(rig.Host, new Dictionary<string, DashboardPrincipal>
        {
            [OperatorToken] = new("ops-browser", "operator", CanAct: true),
        });

        var shots = BrowserLab.ScreenshotFolder();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserLab.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        async Task ShotAsync(string name)
        {
            var path = Path.Combine(shots, $"dashboard-{name}.png");
            var png = await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            Assert.True(png.Length > 1000 && png[0] == 0x89 && png[1] == (byte)'P', $"{path} is a PNG");
            output.WriteLine($"screenshot: {path}");
        }

        // Log in: the login page, then the inventory with every certificate and the timeline.
        await page.GotoAsync(server.BaseUrl + "/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login"));
        await page.GetByLabel("API token").FillAsync(OperatorToken);
        await ShotAsync("01-login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Certificates", Exact = true, Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync("ops-browser");
        await Assertions.Expect(page.Locator("#inventory tbody tr")).ToHaveCountAsync(3);
        Assert.Equal(1, await page.Locator("svg#timeline").CountAsync());
        await ShotAsync("02-inventory");

        // Find it through the filter.
        await page.GetByLabel("Name contains").FillAsync("edg");
        await page.Locator("#apply-filter").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"\?q=edg"));
        await Assertions.Expect(page.Locator("#inventory tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#inventory tbody tr th a")).ToHaveTextAsync("edge");
        await ShotAsync("03-filtered");

        // Open it.
        await page.GetByRole(AriaRole.Link, new() { Name = "edge", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#certificate-name")).ToHaveTextAsync("edge");
        await Assertions.Expect(page.Locator("#versions tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#targets")).ToContainTextAsync("kam-tls");
        await ShotAsync("04-certificate");

        // Rotate it, through the confirmation.
        await page.Locator("#action-rotate").ClickAsync();
        await Assertions.Expect(page.Locator("#confirm")).ToHaveTextAsync("Yes, rotate edge");
        await ShotAsync("05-confirm-rotate");
        await page.Locator("#confirm").ClickAsync();
        await Assertions.Expect(page.Locator("#action-result")).ToContainTextAsync("Rotation requested");

        // Watch it reach Promoted: the page is reloaded as a user would (it needs no script).
        var promoted = page.Locator("#rotations tbody tr[data-state=Promoted]", new() { Has = page.Locator("th", new() { HasTextRegex = new Regex("^2$") }) });
        var watching = System.Diagnostics.Stopwatch.StartNew();
        while (await promoted.CountAsync() == 0)
        {
            Assert.True(watching.Elapsed < TimeSpan.FromSeconds(90), "version 2 reached Promoted on the certificate page; events:\n" + rig.EventsText("edge"));
            await Task.Delay(1000);
            await page.ReloadAsync();
        }
        await Assertions.Expect(promoted.Locator("td").Nth(3)).ToContainTextAsync("%");       // success rate
        await Assertions.Expect(promoted.Locator("td").Nth(5)).ToContainTextAsync("ms");      // handshake p50
        await Assertions.Expect(promoted.Locator("td").Nth(6)).ToContainTextAsync("ms");      // p95
        await Assertions.Expect(promoted).ToContainTextAsync("passed");
        await ShotAsync("06-promoted");
        var v2 = await rig.WaitForActiveAsync("edge", v1.Id, TimeSpan.FromSeconds(30));
        var served = await kamailio.ProbeAsync(sipOptions: true);
        Assert.Equal(v2.Sha256Fingerprint, served.LeafSha256, ignoreCase: true);

        // Roll it back, through the confirmation.
        await page.Locator("#action-rollback").ClickAsync();
        await Assertions.Expect(page.Locator("#confirm")).ToHaveTextAsync("Yes, roll back edge");
        await ShotAsync("07-confirm-rollback");
        await page.Locator("#confirm").ClickAsync();
        await Assertions.Expect(page.Locator("#action-result")).ToContainTextAsync("Rolled back");
        await Assertions.Expect(page.Locator("#versions tbody tr").First).ToContainTextAsync("Failed");
        await ShotAsync("08-rolled-back");
        Assert.Equal(VersionState.Active, (await rig.Host.Store.GetVersionAsync(v1.Id, default))!.State);
        var back = await kamailio.ProbeAsync(sipOptions: true);
        Assert.Equal(v1.Sha256Fingerprint, back.LeafSha256, ignoreCase: true);

        // Both in the event feed, with who asked.
        await page.GetByRole(AriaRole.Link, new() { Name = "Events", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Events", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr[data-reason=RotateRequested] .message").First).ToHaveTextAsync("manual rotation requested by token ops-browser (dashboard)");
        await Assertions.Expect(page.Locator("tr[data-reason=Promoted]").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr[data-reason=RollbackRequested] .message").First).ToHaveTextAsync("rollback requested by token ops-browser (dashboard)");
        await Assertions.Expect(page.Locator("tr[data-reason=RolledBack] .message").First).ToContainTextAsync("version 2 rolled back by the user; version 1 is in service again");
        await ShotAsync("09-events");
    }
}
