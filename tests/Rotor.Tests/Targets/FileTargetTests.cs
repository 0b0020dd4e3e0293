using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Renewal;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Targets;
using Rotor.Tests.Support;

namespace Rotor.Tests.Targets;

public class FileTargetTests
{
    private static DeploymentArtifact Artifact(string dir, long version, string cn = "a.example.test")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + cn, key, HashAlgorithmName.SHA256);
        var now = TestRotor.Start;
        using var withKey = req.CreateSelfSigned(now, now.AddDays(1));
        var leaf = X509CertificateLoader.LoadCertificate(withKey.RawData);
        return new DeploymentArtifact("a", version, leaf, [], [leaf], key.ExportPkcs8PrivateKeyPem(), new DeployBinding("out", "out", []), dir) { VersionNumber = version };
    }

    [Fact]
    public async Task Writes_every_file_with_its_mode_and_an_optional_pkcs12()
    {
        using var dir = new TempDir();
        var spec = new FileTargetSpec
        {
            CertificateFile = "tls.crt",
            PrivateKeyFile = "tls.key",
            Mode = (UnixFileMode)Convert.ToInt32("644", 8),
            KeyMode = (UnixFileMode)Convert.ToInt32("640", 8),
            Pkcs12 = new Pkcs12Spec("store.p12", new SecretRef(null, "p12.pass")),
        };
        dir.Write("p12.pass", "s3cret\n");
        var target = new FileTarget("out", spec, dir.Path);
        var artifact = Artifact(dir.Path, 1);
        await target.StageAsync(artifact, default);
        Assert.False(File.Exists(dir.Combine("out", "tls.crt")), "staging must not touch the live files");
        await target.ActivateAsync(artifact, default);
        Assert.Equal((UnixFileMode)Convert.ToInt32("640", 8), File.GetUnixFileMode(dir.Combine("out", "tls.key")));
        Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), File.GetUnixFileMode(dir.Combine("out", "tls.crt")));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(dir.Combine("out", "tls.key")), StringComparison.Ordinal);
        using var p12 = X509CertificateLoader.LoadPkcs12FromFile(dir.Combine("out", "store.p12"), "s3cret");
        Assert.True(p12.HasPrivateKey);
        Assert.Equal(artifact.Leaf.Thumbprint, p12.Thumbprint);
        var inspection = await target.InspectAsync(artifact, default);
        Assert.Equal(artifact.Leaf.GetCertHashString(HashAlgorithmName.SHA256), inspection.Sha256Fingerprint);
        Assert.Empty(Directory.GetFiles(dir.Combine("out"), "*.tmp"));
    }

    [Fact]
    public async Task A_failing_reload_restores_the_previous_files_and_reports_the_exit_code()
    {
        using var dir = new TempDir();
        var ok = new FileTarget("out", new FileTargetSpec { Reload = new ReloadSpec("true", null, null, ReloadSpec.DefaultTimeout) }, dir.Path);
        var v1 = Artifact(dir.Path, 1);
        await ok.StageAsync(v1, default);
        await ok.ActivateAsync(v1, default);
        var before = Directory.GetFiles(dir.Combine("out")).ToDictionary(f => Path.GetFileName(f), File.ReadAllText);

        var failing = new FileTarget("out", new FileTargetSpec { Reload = new ReloadSpec("echo config test failed >&2; exit 7", null, null, ReloadSpec.DefaultTimeout) }, dir.Path);
        var v2 = Artifact(dir.Path, 2, "b.example.test");
        await failing.StageAsync(v2, default);
        var e = await Assert.ThrowsAsync<RotorException>(() => failing.ActivateAsync(v2, default));
        Assert.True(e.IsTransient);
        Assert.Equal("ReloadFailed", e.Reason);
        Assert.Contains("exited with code 7", e.Message, StringComparison.Ordinal);
        Assert.Contains("config test failed", e.Message, StringComparison.Ordinal);
        var after = Directory.GetFiles(dir.Combine("out")).ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task A_reload_that_hangs_is_stopped_at_its_timeout()
    {
        using var dir = new TempDir();
        var target = new FileTarget("out", new FileTargetSpec { Reload = new ReloadSpec("sleep 30", null, null, TimeSpan.FromMilliseconds(300)) }, dir.Path);
        var v1 = Artifact(dir.Path, 1);
        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v1, default));
        Assert.Contains("timed out", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("out", "cert.pem")), "with nothing before, a failed first deploy leaves nothing behind");
    }

    [Fact]
    public async Task A_signal_reload_reaches_the_process_in_the_pid_file()
    {
        using var dir = new TempDir();
        using var sleeper = System.Diagnostics.Process.Start("sleep", "30");
        dir.Write("server.pid", sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var target = new FileTarget("out", new FileTargetSpec { Reload = new ReloadSpec(null, "TERM", "server.pid", ReloadSpec.DefaultTimeout) }, dir.Path);
        await target.ActivateAsync(Artifact(dir.Path, 1), default);
        Assert.True(sleeper.WaitForExit(5000), "the signalled process ends");
    }
}

/// <summary>A failing reload through the whole reconciler: old files stay, the failure is an event, the retry follows the table.</summary>
public class ReloadFailureBackoffTests
{
    [Fact]
    public async Task Failed_reload_keeps_the_old_certificate_in_service_and_backs_off_per_table()
    {
        using var rotor = new TestRotor();
        var marker = rotor.Dir.Combine("fail-reload");
        var target = Manifests.Target($"if [ -e {marker} ]; then echo refused >&2; exit 3; fi; echo reloaded >> reload.log");
        rotor.WriteManifest(Manifests.All(Manifests.Issuer, target, Manifests.Certificate()));
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.Dir.Combine("rotor.yaml"))).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        var certBefore = await File.ReadAllTextAsync(rotor.OutFile("sip-edge", "cert.pem"));
        var keyBefore = await File.ReadAllTextAsync(rotor.OutFile("sip-edge", "key.pem"));

        File.WriteAllText(marker, "");
        await rotor.RunAsync("renew", "sip-edge");
        var table = new BackoffTable();
        await using var host = await rotor.OpenHostAsync();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var (code, _, err) = await rotor.RunAsync("reconcile");
            Assert.Equal(1, code);
            Assert.Contains("refused", err, StringComparison.Ordinal);
            Assert.Equal(certBefore, await File.ReadAllTextAsync(rotor.OutFile("sip-edge", "cert.pem")));
            Assert.Equal(keyBefore, await File.ReadAllTextAsync(rotor.OutFile("sip-edge", "key.pem")));
            var status = (await host.Store.GetStatusAsync("sip-edge", default))!;
            Assert.Equal(attempt, status.Failures);
            Assert.Equal(rotor.Time.GetUtcNow() + table.Step(attempt), status.NextDueAt);
            Assert.Contains("ReloadFailed", status.LastFailure, StringComparison.Ordinal);
            rotor.Time.Advance(table.Step(attempt));
        }
        // One new version was issued and is retried for deploy, never issued again.
        var versions = await host.Store.ListVersionsAsync("sip-edge", default);
        Assert.Equal([VersionState.Active, VersionState.Issued], versions.Select(v => v.State));
        var events = await host.Store.ListEventsAsync("Certificate", "sip-edge", 50, default);
        Assert.Equal(3, events.Count(e => e.Reason == "ReloadFailed"));

        File.Delete(marker);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        Assert.NotEqual(certBefore, await File.ReadAllTextAsync(rotor.OutFile("sip-edge", "cert.pem")));
        versions = await host.Store.ListVersionsAsync("sip-edge", default);
        Assert.Equal([VersionState.Superseded, VersionState.Active], versions.Select(v => v.State));
        Assert.Equal(0, (await host.Store.GetStatusAsync("sip-edge", default))!.Failures);
    }
}

/// <summary>Owner and group: applied as root; a clear error naming the file otherwise.</summary>
public class FileTargetOwnershipTests
{
    [Fact]
    public async Task Owner_and_group_are_applied_or_refused_clearly()
    {
        using var dir = new TempDir();
        var target = new FileTarget("out", new FileTargetSpec { Owner = "nobody", Group = "nogroup" }, dir.Path);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var self = new CertificateRequest("CN=a", key, HashAlgorithmName.SHA256).CreateSelfSigned(TestRotor.Start, TestRotor.Start.AddDays(1));
        var leaf = X509CertificateLoader.LoadCertificate(self.RawData);
        var artifact = new DeploymentArtifact("a", 1, leaf, [], [leaf], key.ExportPkcs8PrivateKeyPem(), new DeployBinding("out", "out", []), dir.Path) { VersionNumber = 1 };
        if (Environment.UserName == "root")
        {
            await target.ActivateAsync(artifact, default);
            var (_, stat) = await Run("stat", "-c", "%U:%G", dir.Combine("out", "key.pem"));
            Assert.Equal("nobody:nogroup", stat.Trim());
        }
        else
        {
            var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(artifact, default));
            Assert.Contains("cannot change owner", e.Message, StringComparison.Ordinal);
        }
        var unknown = new FileTarget("out", new FileTargetSpec { Owner = "no-such-user-rotor" }, dir.Path);
        var err = await Assert.ThrowsAsync<RotorException>(() => unknown.StageAsync(artifact, default));
        Assert.Contains("no-such-user-rotor", err.Message, StringComparison.Ordinal);
    }

    private static async Task<(int, string)> Run(string file, params string[] args)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(file, args) { RedirectStandardOutput = true })!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, output);
    }
}
