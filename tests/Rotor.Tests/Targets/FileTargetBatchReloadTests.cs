using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Targets;
using Rotor.Tests.Support;

namespace Rotor.Tests.Targets;

/// <summary>
/// A file target's reload shared by certificates deploying at once (<c>reload: {batch: true}</c>,
/// signals), with a real <c>/bin/sh</c>. The first reload holds until the test removes <c>hold</c>,
/// so the others are known to arrive while it runs.
/// </summary>
public class FileTargetBatchReloadTests
{
    // Appends one line per reload: the certificates, then their versions and folders (newlines as '|').
    private const string LoggingReload = """
        { printf '%s;%s;%s;%s\n' "$ROTOR_CERTIFICATES" "$ROTOR_VERSIONS" "$ROTOR_TARGET_DIRS" "${ROTOR_CERTIFICATE-unset}" | tr '\n' '|'; echo; } >> reloads.log
        while [ -e hold ]; do sleep 0.01; done
        """;

    private static DeploymentArtifact Artifact(string dir, string certificate, long version)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={certificate}.example.test", key, HashAlgorithmName.SHA256);
        using var withKey = req.CreateSelfSigned(TestRotor.Start, TestRotor.Start.AddDays(1));
        var leaf = X509CertificateLoader.LoadCertificate(withKey.RawData);
        return new DeploymentArtifact(certificate, version, leaf, [], [leaf], key.ExportPkcs8PrivateKeyPem(), new DeployBinding("out", "out/" + certificate, []), dir)
        { VersionNumber = version };
    }

    private static string[] Reloads(TempDir dir) => File.ReadAllLines(dir.Combine("reloads.log")).Where(l => l.Length > 0).ToArray();

    [Fact]
    public async Task Certificates_deploying_while_a_reload_runs_share_one_reload_that_names_each_of_them()
    {
        using var dir = new TempDir();
        dir.Write("hold", "");
        var reloads = new FileTargetReloads();
        var spec = new FileTargetSpec { Reload = new ReloadSpec(LoggingReload, null, null, ReloadSpec.DefaultTimeout) { Batch = true } };
        // Each certificate's deploy builds its own target object, as the reconciler does; they share the process's reloads.
        FileTarget Target() => new("out", spec, dir.Path, reloads);

        var a = Target().ActivateAsync(Artifact(dir.Path, "a", 1), default);
        Assert.True(SpinWait.SpinUntil(() => reloads.Reloads == 1, TimeSpan.FromSeconds(10)), "a's reload started");
        var b = Target().ActivateAsync(Artifact(dir.Path, "b", 3), default);
        var c = Target().ActivateAsync(Artifact(dir.Path, "c", 7), default);
        Assert.True(SpinWait.SpinUntil(() => reloads.Waiting == 2, TimeSpan.FromSeconds(10)), "b and c wait for the next reload");
        Assert.False(b.IsCompleted || c.IsCompleted, "a reload that started before their files were in place does not count for them");
        File.Delete(dir.Combine("hold"));
        await Task.WhenAll(a, b, c);

        var lines = Reloads(dir);
        Assert.Equal(2, lines.Length);
        Assert.Equal($"a;1;{dir.Combine("out", "a")};unset|", lines[0]);
        // b and c in either order, each line of one list matching the same line of the others.
        var second = lines[1].Split(';');
        var names = second[0].Split('|');
        Assert.Equal(["b", "c"], names.Order());
        var versions = second[1].Split('|');
        var folders = second[2].Split('|');
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(names[i] == "b" ? "3" : "7", versions[i]);
            Assert.Equal(dir.Combine("out", names[i]), folders[i]);
        }
        Assert.Equal("unset|", second[3]);
        Assert.Equal(2, reloads.Reloads);
    }

    [Fact]
    public async Task A_failed_shared_reload_puts_back_each_certificates_previous_files()
    {
        using var dir = new TempDir();
        var reloads = new FileTargetReloads();
        var good = new FileTargetSpec { Reload = new ReloadSpec("true", null, null, ReloadSpec.DefaultTimeout) { Batch = true } };
        foreach (var name in new[] { "a", "b" })
        {
            await new FileTarget("out", good, dir.Path, reloads).ActivateAsync(Artifact(dir.Path, name, 1), default);
        }
        var before = new[] { "a", "b" }.ToDictionary(n => n, n => File.ReadAllText(dir.Combine("out", n, "cert.pem")));

        dir.Write("hold", "");
        var failing = new FileTargetSpec
        {
            Reload = new ReloadSpec("while [ -e hold ]; do sleep 0.01; done; [ -e first-done ] && exit 3; touch first-done", null, null, ReloadSpec.DefaultTimeout) { Batch = true },
        };
        var other = new FileTarget("out", failing, dir.Path, reloads).ActivateAsync(Artifact(dir.Path, "z", 1), default);
        Assert.True(SpinWait.SpinUntil(() => reloads.Reloads == 3, TimeSpan.FromSeconds(10)), "the first reload started");
        var a = new FileTarget("out", failing, dir.Path, reloads).ActivateAsync(Artifact(dir.Path, "a", 2), default);
        var b = new FileTarget("out", failing, dir.Path, reloads).ActivateAsync(Artifact(dir.Path, "b", 2), default);
        Assert.True(SpinWait.SpinUntil(() => reloads.Waiting == 2, TimeSpan.FromSeconds(10)), "a and b wait for the next reload");
        File.Delete(dir.Combine("hold"));
        await other;

        foreach (var (name, task) in new[] { ("a", a), ("b", b) })
        {
            var e = await Assert.ThrowsAsync<RotorException>(() => task);
            Assert.Equal("ReloadFailed", e.Reason);
            Assert.Contains("exited with code 3", e.Message, StringComparison.Ordinal);
            Assert.Equal(before[name], File.ReadAllText(dir.Combine("out", name, "cert.pem")));
        }
        Assert.Equal(4, reloads.Reloads);
    }

    [Fact]
    public async Task A_command_without_batch_reloads_once_per_certificate_with_its_own_variables()
    {
        using var dir = new TempDir();
        dir.Write("hold", "");
        var reloads = new FileTargetReloads();
        var spec = new FileTargetSpec { Reload = new ReloadSpec("echo \"$ROTOR_CERTIFICATE ${ROTOR_CERTIFICATES-unset}\" >> reloads.log", null, null, ReloadSpec.DefaultTimeout) };
        await Task.WhenAll(new[] { "a", "b" }.Select(n => new FileTarget("out", spec, dir.Path, reloads).ActivateAsync(Artifact(dir.Path, n, 1), default)));
        Assert.Equal(["a unset", "b unset"], Reloads(dir).Order());
        Assert.Equal(0, reloads.Reloads);
    }
}
