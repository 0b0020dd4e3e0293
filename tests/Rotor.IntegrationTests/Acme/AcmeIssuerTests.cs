using Rotor.Tests.Support;
using Microsoft.Extensions.Logging;
using System.Security.Cryptography.X509Certificates;
using Rotor.Cli;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Acme;

/// <summary>The acme issuer kind through Rotor's own lifecycle: apply, reconcile, validate, write.</summary>
[Collection(AcmeLabCollection.Name)]
public class AcmeIssuerTests(AcmeLab lab)
{
    private string Manifest(string dir) => AcmeManifests.All(
    [
        AcmeManifests.Issuer("pebble", lab.Directory, lab.TlsCa, Path.Combine(dir, "issuer-root.pem"), AcmeManifests.HttpResponder),
        AcmeManifests.Target,
        AcmeManifests.Certificate("trunk", "[trunk.example.test, sip.example.test]"),
    ]);

    private static async Task<(int Code, string Out, string Err)> Rotor(string data, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RotorCli.InvokeAsync([.. args, "--data", data], output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task An_acme_certificate_is_issued_validated_against_the_ca_root_and_written()
    {
        lab.StartPebble("real");
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest(dir.Path));
        var (code, output, err) = await Rotor(dir.Combine("data"), "reconcile", "-f", dir.Combine("rotor.yaml"));
        Assert.True(code == 0, output + err);
        using var leaf = X509CertificateLoader.LoadCertificateFromFile(dir.Combine("out", "cert.pem"));
        Assert.Contains("trunk.example.test", leaf.GetNameInfo(X509NameType.DnsName, false) + string.Join(",", global::Rotor.Core.Validation.CertificateNames.Read(leaf)), StringComparison.Ordinal);
        var (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", dir.Combine("issuer-root.pem"), "-untrusted", dir.Combine("out", "chain.pem"), dir.Combine("out", "cert.pem"));
        Assert.True(verify == 0, text);
        Assert.Contains("checked rules passed", (await Rotor(dir.Combine("data"), "events", "-o", "json")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_trusted_roots_chain_pem_holds_the_root_validation_reached_and_alone_verifies_cert_pem_also_after_a_restart()
    {
        lab.StartPebble("fast");
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest(dir.Path));
        var data = dir.Combine("data");
        var (code, output, err) = await Rotor(data, "reconcile", "-f", dir.Combine("rotor.yaml"));
        Assert.True(code == 0, output + err);

        // Pebble sends the leaf and its intermediate; the root comes from trustedRoots.
        var (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", dir.Combine("out", "chain.pem"), dir.Combine("out", "cert.pem"));
        Assert.True(verify == 0, text);
        var chain = global::Rotor.Certificates.CertificatePem.ReadPemChain(File.ReadAllText(dir.Combine("out", "chain.pem")));
        using var root = X509CertificateLoader.LoadCertificateFromFile(lab.IssuerRoot);
        Assert.Equal(2, chain.Count);
        Assert.Equal(root.Thumbprint, chain[^1].Thumbprint);
        // What the server presents stays the leaf and the intermediate, without the root.
        Assert.Equal(2, global::Rotor.Certificates.CertificatePem.ReadPemChain(File.ReadAllText(dir.Combine("out", "fullchain.pem"))).Count);

        // The root is kept with the version: a target added later, in a new process, gets it too,
        // even with another root in the trustedRoots file by then.
        File.Copy(lab.TlsCa, dir.Combine("issuer-root.pem"), overwrite: true);
        File.AppendAllText(dir.Combine("rotor.yaml"), """
            ---
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: later}
            spec: {file: {path: later}}

            """);
        File.WriteAllText(dir.Combine("rotor.yaml"), File.ReadAllText(dir.Combine("rotor.yaml"))
            .Replace("deploy: [{target: out}]", "deploy: [{target: out}, {target: later}]\n  rotation: {stagger: 0s}", StringComparison.Ordinal));
        (code, output, err) = await Rotor(data, "reconcile", "-f", dir.Combine("rotor.yaml"));
        Assert.True(code == 0, output + err);
        Assert.True(output.Contains("0 issued, 1 deployed", StringComparison.Ordinal), output + err);
        (verify, text) = await OpenSsl.RunAsync("verify", "-CAfile", dir.Combine("later", "chain.pem"), dir.Combine("later", "cert.pem"));
        Assert.True(verify == 0, text);
    }

    [Fact]
    public async Task After_the_ca_forgets_the_account_it_is_created_again()
    {
        lab.StartPebble("fast");
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        File.WriteAllText(dir.Combine("rotor.yaml"), Manifest(dir.Path));
        var data = dir.Combine("data");
        Assert.Equal(0, (await Rotor(data, "apply", "-f", dir.Combine("rotor.yaml"))).Code);
        var log = new StringWriter();
        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(
            new global::Rotor.Telemetry.TextWriterLoggerProvider(TextWriter.Synchronized(log), TimeProvider.System, Microsoft.Extensions.Logging.LogLevel.Information, json: false)));
        await using var host = await RotorHost.OpenAsync(data, TimeProvider.System, loggers, null, default);
        Assert.False((await host.Reconciler.ReconcileAsync("trunk", default)).Failed);

        // A new Pebble: new CA, no accounts. The same issuer object still holds the old account URL.
        lab.StartPebble("fast");
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"), overwrite: true);
        var status = (await host.Store.GetStatusAsync("trunk", default))!;
        await host.Store.UnderLeaseAsync(status.Name, () => host.Store.SaveStatusAsync(status with { RenewRequested = true }, default));
        var again = await host.Reconciler.ReconcileAsync("trunk", default);
        var events = await host.Store.ListEventsAsync("Certificate", "trunk", 20, default);
        Assert.False(again.Failed, string.Join("\n", events.Select(e => e.Message)));
        Assert.Equal(2, (await host.Store.ListVersionsAsync("trunk", default)).Count);
        Assert.Contains("no longer exists", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificates_of_one_issuer_reconciled_at_once_share_one_account_and_one_http01_listener()
    {
        lab.StartPebble("fast");
        if (!lab.Require()) return;
        using var dir = new TempDir();
        File.Copy(lab.IssuerRoot, dir.Combine("issuer-root.pem"));
        File.WriteAllText(dir.Combine("rotor.yaml"), AcmeManifests.All(
        [
            AcmeManifests.Issuer("pebble", lab.Directory, lab.TlsCa, "issuer-root.pem", AcmeManifests.HttpResponder),
            AcmeManifests.Target.Replace("spec: {file: {path: out}}", "spec: {file: {}}", StringComparison.Ordinal),
            .. Enumerable.Range(0, 8).Select(i => AcmeManifests.Certificate($"c{i}", $"[c{i}.example.test]", path: $"out/c{i}")),
        ]));
        var (code, output, err) = await Rotor(dir.Combine("data"), "-v", "reconcile", "-f", dir.Combine("rotor.yaml"));
        Assert.True(code == 0, output + err);
        Assert.Contains("8 issued, 8 deployed, 0 failed", output, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(err, @"\[1101\]"));
        Assert.Single(Directory.GetFiles(dir.Combine("data", "keys"), "account-*"));
    }
}
