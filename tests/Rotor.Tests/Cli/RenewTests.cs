using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

public class RenewTests
{
    [Fact]
    public async Task Renew_marks_the_certificate_and_now_also_skips_the_key_update_window()
    {
        using var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", manifest)).Code);

        Assert.Equal(0, (await rotor.RunAsync("renew", "sip-edge")).Code);
        var plain = (await rotor.RunAsync("describe", "certificate", "sip-edge")).Out;
        Assert.Contains("(manual renewal requested)", plain, StringComparison.Ordinal);

        Assert.Equal(0, (await rotor.RunAsync("renew", "sip-edge", "--now")).Code);
        var now = (await rotor.RunAsync("describe", "certificate", "sip-edge", "-o", "json")).Out;
        Assert.Contains("\"renewNow\": true", now, StringComparison.Ordinal);
        Assert.Contains("--now: no key-update window wait", (await rotor.RunAsync("events", "-o", "json")).Out, StringComparison.Ordinal);

        // Issuing clears both marks.
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        var after = (await rotor.RunAsync("describe", "certificate", "sip-edge", "-o", "json")).Out;
        Assert.Contains("\"renewNow\": false", after, StringComparison.Ordinal);
        Assert.Contains("\"renewRequested\": false", after, StringComparison.Ordinal);
    }
}
