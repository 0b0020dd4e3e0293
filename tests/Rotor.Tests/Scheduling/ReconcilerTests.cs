using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Renewal;
using Rotor.Core.Rotation;
using Rotor.Core.Validation;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scheduling;

/// <summary>The lifecycle on fake time: issue, deploy, renew on schedule, re-issue on spec change.</summary>
public class ReconcilerTests
{
    private static X509Certificate2 Leaf(TestRotor rotor, string name) =>
        X509CertificateLoader.LoadCertificateFromFile(rotor.OutFile(name, "cert.pem"));

    private static async Task<(int, string, string)> ApplyAndReconcile(TestRotor rotor, string manifest)
    {
        var path = rotor.WriteManifest(manifest);
        var (code, _, err) = await rotor.RunAsync("apply", "-f", path);
        Assert.True(code == 0, err);
        return await rotor.RunAsync("reconcile");
    }

    [Fact]
    public async Task First_pass_issues_validates_and_writes_every_file()
    {
        using var rotor = new TestRotor();
        var (code, output, _) = await ApplyAndReconcile(rotor, Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        Assert.Equal(0, code);
        Assert.Contains("1 issued, 1 deployed, 0 failed", output, StringComparison.Ordinal);
        foreach (var f in new[] { "cert.pem", "chain.pem", "fullchain.pem", "key.pem" })
        {
            Assert.True(File.Exists(rotor.OutFile("sip-edge", f)), f);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(rotor.OutFile("sip-edge", "key.pem")));
        using var leaf = Leaf(rotor, "sip-edge");
        Assert.Equal(TestRotor.Start.AddHours(-1), new DateTimeOffset(leaf.NotBefore.ToUniversalTime()));
        Assert.Contains("DNS:sip.example.test", CertificateNames.Read(leaf));
        Assert.Equal("reloaded\n", await File.ReadAllTextAsync(rotor.Dir.Combine("reload.log")));

        await using var host = await rotor.OpenHostAsync();
        var status = (await host.Store.GetStatusAsync("sip-edge", default))!;
        Assert.True(status.Ready);
        // 2160 h from a notBefore back-dated by 1 h: renewal at two thirds of 2161 h.
        // Spread over up to a tenth of the time left after it (the fleet does not renew in one second).
        var plain = TestRotor.Start.AddHours(-1) + TimeSpan.FromHours(2161) * (2.0 / 3.0);
        Assert.InRange(status.RenewalAt!.Value, plain - RenewalSchedule.MaxSpread, plain);
        Assert.Equal(RenewalSchedule.SpreadRenewalTime(
            Rotor.Storage.SpecSerializer.SpecOf<Rotor.Core.Resources.CertificateSpec>((await host.Store.GetResourceAsync("Certificate", "sip-edge", default))!), TestRotor.Start.AddHours(-1), TestRotor.Start.AddHours(2160), "sip-edge"),
            status.RenewalAt!.Value, TimeSpan.FromSeconds(1));
        Assert.Equal(status.RenewalAt, status.NextDueAt);
    }

    [Fact]
    public async Task Renewal_happens_at_the_computed_time_and_the_target_receives_the_new_version()
    {
        using var rotor = new TestRotor();
        await ApplyAndReconcile(rotor, Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        await using var host = await rotor.OpenHostAsync();
        var renewalAt = (await host.Store.GetStatusAsync("sip-edge", default))!.RenewalAt!.Value;
        using var first = Leaf(rotor, "sip-edge");

        rotor.Time.SetUtcNow(renewalAt.AddSeconds(-1));
        var (_, early, _) = await rotor.RunAsync("reconcile");
        Assert.Contains("reconciled 0 due", early, StringComparison.Ordinal);
        Assert.Equal(first.Thumbprint, Leaf(rotor, "sip-edge").Thumbprint);

        rotor.Time.SetUtcNow(renewalAt);
        var (code, due, _) = await rotor.RunAsync("reconcile");
        Assert.Equal(0, code);
        Assert.Contains("1 issued, 1 deployed", due, StringComparison.Ordinal);
        using var second = Leaf(rotor, "sip-edge");
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.Equal(renewalAt.AddHours(-1), new DateTimeOffset(second.NotBefore.ToUniversalTime()), TimeSpan.FromSeconds(1));
        // rotationPolicy Always: a new key.
        Assert.NotEqual(first.PublicKey.ExportSubjectPublicKeyInfo(), second.PublicKey.ExportSubjectPublicKeyInfo());
        var versions = await host.Store.ListVersionsAsync("sip-edge", default);
        Assert.Equal([VersionState.Superseded, VersionState.Active], versions.Select(v => v.State));
        Assert.Equal("reloaded\nreloaded\n", await File.ReadAllTextAsync(rotor.Dir.Combine("reload.log")));
    }

    [Fact]
    public async Task Replaced_versions_drain_through_the_overlap_then_retire_and_lose_their_keys()
    {
        using var rotor = new TestRotor();
        await ApplyAndReconcile(rotor, Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        for (var i = 0; i < 2; i++)
        {
            await rotor.RunAsync("renew", "sip-edge");
            Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        }
        await using (var host = await rotor.OpenHostAsync())
        {
            var versions = await host.Store.ListVersionsAsync("sip-edge", default);
            // Within the 72 h overlap both replaced versions stay valid, restorable, with their keys.
            Assert.Equal([VersionState.Superseded, VersionState.Superseded, VersionState.Active], versions.Select(v => v.State));
            Assert.Equal(3, (await host.Keys.ListAsync(default)).Count(k => k.StartsWith("sip-edge", StringComparison.Ordinal)));
            var status = (await host.Store.GetStatusAsync("sip-edge", default))!;
            Assert.Equal(rotor.Time.GetUtcNow() + TimeSpan.FromHours(72), status.NextDueAt, TimeSpan.FromSeconds(1)); // wakes for the drain
        }

        rotor.Time.Advance(TimeSpan.FromHours(72) + TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        await using (var host = await rotor.OpenHostAsync())
        {
            var versions = await host.Store.ListVersionsAsync("sip-edge", default);
            Assert.Equal([VersionState.Retired, VersionState.Retired, VersionState.Active], versions.Select(v => v.State));
            var keys = (await host.Keys.ListAsync(default)).Where(k => k.StartsWith("sip-edge", StringComparison.Ordinal)).ToList();
            Assert.Equal([versions[2].KeyRef], keys);
            Assert.Equal(2, (await host.Store.ListEventsAsync(null, "sip-edge", 100, default)).Count(e => e.Reason == "VersionRetired"));
        }
    }

    [Fact]
    public async Task RotationPolicy_Never_keeps_the_key_across_renewals()
    {
        using var rotor = new TestRotor();
        var manifest = Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate(key: "{algorithm: ECDSA, size: 256, rotationPolicy: Never}"));
        await ApplyAndReconcile(rotor, manifest);
        using var first = Leaf(rotor, "sip-edge");
        Assert.Equal(0, (await rotor.RunAsync("renew", "sip-edge")).Item1);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Item1);
        using var second = Leaf(rotor, "sip-edge");
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.Equal(first.PublicKey.ExportSubjectPublicKeyInfo(), second.PublicKey.ExportSubjectPublicKeyInfo());
        await using var host = await rotor.OpenHostAsync();
        Assert.Single(await host.Keys.ListAsync(default), k => k.StartsWith("sip-edge", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_SAN_in_the_spec_triggers_reissue_and_an_unrelated_change_does_not()
    {
        using var rotor = new TestRotor();
        await ApplyAndReconcile(rotor, Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        using var first = Leaf(rotor, "sip-edge");
        rotor.Time.Advance(TimeSpan.FromHours(1));

        var (_, unrelated, _) = await ApplyAndReconcile(rotor, Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate(extra: "  rotation: {overlap: 24h}")));
        Assert.Contains("0 issued", unrelated, StringComparison.Ordinal);

        var (code, output, _) = await ApplyAndReconcile(rotor,
            Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate(dnsNames: "[sip.example.test, sip2.example.test]")));
        Assert.Equal(0, code);
        Assert.Contains("1 issued", output, StringComparison.Ordinal);
        using var second = Leaf(rotor, "sip-edge");
        Assert.Contains("DNS:sip2.example.test", CertificateNames.Read(second));
        Assert.DoesNotContain("DNS:sip2.example.test", CertificateNames.Read(first));
    }

    [Fact]
    public async Task A_certificate_failing_validation_is_never_written_and_backs_off()
    {
        using var rotor = new TestRotor();
        // Secure mode forbids IP SANs: the issued certificate breaks no-ip-sans-secure-mode.
        var issuer = Manifests.Issuer.Replace("spec: {ca: {}}", "spec: {ca: {secureMode: true}}", StringComparison.Ordinal);
        var cert = Manifests.Certificate(extra: "  ipAddresses: [192.0.2.10]");
        var (code, output, err) = await ApplyAndReconcile(rotor, Manifests.All(issuer, Manifests.Target(), cert));
        Assert.Equal(1, code);
        Assert.Contains("1 failed", output, StringComparison.Ordinal);
        Assert.Contains(ValidationRules.NoIpSansSecureMode, err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(rotor.Dir.Combine("out", "sip-edge")) && File.Exists(rotor.OutFile("sip-edge", "cert.pem")));
        Assert.False(File.Exists(rotor.Dir.Combine("reload.log")));

        await using var host = await rotor.OpenHostAsync();
        var status = (await host.Store.GetStatusAsync("sip-edge", default))!;
        Assert.Equal(1, status.Failures);
        Assert.Equal(rotor.Time.GetUtcNow() + new BackoffTable().Step(1), status.NextDueAt);
        Assert.Equal(VersionState.Failed, Assert.Single(await host.Store.ListVersionsAsync("sip-edge", default)).State);
        var evt = (await host.Store.ListEventsAsync("Certificate", "sip-edge", 10, default)).Last();
        Assert.Equal("ValidationFailed", evt.Reason);
        Assert.Contains(ValidationRules.NoIpSansSecureMode, evt.Message, StringComparison.Ordinal);
        // The refused version's key is gone: only keys of live versions stay.
        Assert.DoesNotContain(await host.Keys.ListAsync(default), k => k.StartsWith("sip-edge", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Intermediate_ca_chains_are_written_leaf_first_and_verify()
    {
        using var rotor = new TestRotor();
        var issuer = Manifests.Issuer.Replace("spec: {ca: {}}", "spec: {ca: {intermediate: true}}", StringComparison.Ordinal);
        var (code, _, err) = await ApplyAndReconcile(rotor, Manifests.All(issuer, Manifests.Target(), Manifests.Certificate()));
        Assert.True(code == 0, err);
        var full = new X509Certificate2Collection();
        full.ImportFromPemFile(rotor.OutFile("sip-edge", "fullchain.pem"));
        Assert.Equal(2, full.Count);
        Assert.Equal(full[0].Issuer, full[1].Subject);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(rotor.OutFile("sip-edge", "chain.pem"));
        Assert.Equal(2, chain.Count);
        Assert.Equal(chain[1].Subject, chain[1].Issuer);
        var aki = full[0].Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single();
        Assert.Equal(full[1].Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
        Assert.Equal(16, full[0].SerialNumberBytes.Length);
    }
}
