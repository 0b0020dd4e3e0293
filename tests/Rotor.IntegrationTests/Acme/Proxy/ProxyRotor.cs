using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Cli;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Acme.Proxy;

/// <summary>One Certificate and its acme Issuer, both pointed at the proxy.</summary>
public sealed record ProxiedCertificate(string Name, string Issuer = "pebble", string? Profile = null);

/// <summary>Rotor in the test process, with acme issuers that reach Pebble through an <see cref="AcmeProxy"/>.</summary>
internal static class ProxyRotor
{
    public const string DnsName = "trunk.example.test";

    /// <summary>
    /// Writes the manifest into <paramref name="dir"/> (and a copy of Pebble's current root, which
    /// every Pebble start changes), applies it through the CLI, and opens a host on the data.
    /// </summary>
    public static async Task<RotorHost> OpenAsync(AcmeLab lab, AcmeProxy proxy, TempDir dir, CancellationToken cancellationToken,
        params ProxiedCertificate[] certificates)
    {
        if (certificates.Length == 0) certificates = [new ProxiedCertificate("trunk")];
        var root = dir.Combine("issuer-root.pem");
        File.Copy(lab.IssuerRoot, root, overwrite: true);
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest(proxy, root, certificates));
        var data = dir.Combine("data");
        var output = new StringWriter();
        var code = await RotorCli.InvokeAsync(["apply", "-f", dir.Combine("rotor.yaml"), "--data", data], output, output);
        Assert.True(code == 0, output.ToString());
        return await RotorHost.OpenAsync(data, TimeProvider.System, NullLoggerFactory.Instance, null, cancellationToken);
    }

    private static string Manifest(AcmeProxy proxy, string root, IEnumerable<ProxiedCertificate> certificates) => AcmeManifests.All(
    [
        AcmeManifests.Target,
        .. certificates.DistinctBy(c => c.Issuer).Select(c => AcmeManifests.Issuer(c.Issuer, proxy.Directory, proxy.CaPath, root,
            AcmeManifests.HttpResponder, c.Profile is null ? null : "profile: " + c.Profile)),
        .. certificates.Select(c => AcmeManifests.Certificate(c.Name, $"[{DnsName}]", c.Issuer, path: "out/" + c.Name)),
    ]);

    /// <summary>The certificate's events, newest first, for assertion messages.</summary>
    public static async Task<string> EventsAsync(RotorHost host, string name = "trunk") =>
        string.Join("\n", (await host.Store.ListEventsAsync("Certificate", name, 50, default)).Select(e => $"{e.Reason}: {e.Message}"));
}
