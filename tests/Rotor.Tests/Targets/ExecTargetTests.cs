using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Targets;
using Rotor.Tests.Support;

namespace Rotor.Tests.Targets;

/// <summary>
/// The exec target on its own: the lineage it writes, the environment the command sees, and what
/// a failing command leaves behind. Real rotations with certbot- and lego-style hooks are in the
/// integration tests (ExecTargetRotationTests).
/// </summary>
public class ExecTargetTests
{
    private static DeploymentArtifact Artifact(string dir, long version, string cn = "sip.example.test")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + cn, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(cn);
        san.AddDnsName("alt." + cn);
        req.CertificateExtensions.Add(san.Build());
        var now = TestRotor.Start;
        using var withKey = req.CreateSelfSigned(now, now.AddDays(1));
        var leaf = X509CertificateLoader.LoadCertificate(withKey.RawData);
        return new DeploymentArtifact("edge", version, leaf, [], [leaf], key.ExportPkcs8PrivateKeyPem(), new DeployBinding("hook", null, []), dir) { VersionNumber = version };
    }

    private static ExecTarget Target(TempDir dir, string command, params string[] steps) =>
        new("hook", new ExecTargetSpec { Command = command, Steps = steps.Length == 0 ? HookSteps.Default : steps, Timeout = TimeSpan.FromSeconds(20) },
            dir.Path, dir.Combine("state"), TimeProvider.System, NullLogger.Instance);

    [Fact]
    public async Task The_lineage_holds_certbots_file_names_and_the_key_is_0600()
    {
        using var dir = new TempDir();
        var target = Target(dir, "env > \"$RENEWED_LINEAGE/../seen.env\"");
        var v1 = Artifact(dir.Path, 1);

        await target.StageAsync(v1, default);
        await target.ActivateAsync(v1, default);

        var lineage = dir.Combine("state", "hook", "live", "edge");
        Assert.Equal(["cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"], Directory.GetFiles(lineage).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(lineage, "privkey.pem")));
        Assert.Equal(v1.PrivateKeyPem, File.ReadAllText(Path.Combine(lineage, "privkey.pem")));
        // No intermediates: chain.pem is the issuer (here the root), fullchain.pem the leaf alone.
        Assert.Equal(File.ReadAllText(Path.Combine(lineage, "cert.pem")), File.ReadAllText(Path.Combine(lineage, "fullchain.pem")));
        var env = File.ReadAllLines(dir.Combine("state", "hook", "live", "seen.env")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(lineage, env["RENEWED_LINEAGE"]);
        Assert.Equal("sip.example.test alt.sip.example.test", env["RENEWED_DOMAINS"]);
        Assert.Equal("sip.example.test", env["LEGO_CERT_DOMAIN"]);
        Assert.Equal(Path.Combine(lineage, "fullchain.pem"), env["LEGO_CERT_PATH"]);
        Assert.Equal(Path.Combine(lineage, "privkey.pem"), env["LEGO_CERT_KEY_PATH"]);
        Assert.Equal(("activate", "1", "edge", "hook", "leaf"), (env["ROTOR_STEP"], env["ROTOR_VERSION"], env["ROTOR_CERTIFICATE"], env["ROTOR_TARGET"], env["ROTOR_ROLE"]));
        Assert.False(env.ContainsKey("ROTOR_MASTER_KEY"));
        Assert.False(env.ContainsKey("HOME"), "only PATH and the documented names reach the command");
        var inspection = await target.InspectAsync(v1, default);
        Assert.Equal(v1.Leaf.GetCertHashString(HashAlgorithmName.SHA256), inspection.Sha256Fingerprint);
    }

    [Fact]
    public async Task A_failing_command_puts_the_previous_files_back_and_runs_the_command_on_them_again()
    {
        using var dir = new TempDir();
        // Copies the lineage's certificate where "the device" reads it, then fails its reload when told to.
        var hook = "cp \"$RENEWED_LINEAGE/cert.pem\" device.pem && echo \"$ROTOR_STEP $ROTOR_VERSION\" >> steps.log && " +
                   "if [ -f refuse ] && [ \"$ROTOR_STEP\" = activate ]; then echo 'loading certificate' >&2; echo 'device refused the certificate' >&2; exit 3; fi";
        var target = Target(dir, hook);
        var v1 = Artifact(dir.Path, 1);
        var v2 = Artifact(dir.Path, 2);
        await target.StageAsync(v1, default);
        await target.ActivateAsync(v1, default);
        dir.Write("refuse", "");

        await target.StageAsync(v2, default);
        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v2, default));

        Assert.Equal(RotorReasons.DeployCommandFailed, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Contains("exited with code 3: device refused the certificate", e.Message, StringComparison.Ordinal);
        Assert.Contains("handed to the command again", e.Message, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(dir.Combine("device.pem")), v1.Leaf.ExportCertificatePem() + "\n");
        Assert.Equal(["activate 1", "activate 2", "rollback 1"], File.ReadAllLines(dir.Combine("steps.log")));
        Assert.Equal(v1.Leaf.GetCertHashString(HashAlgorithmName.SHA256), (await target.InspectAsync(v1, default)).Sha256Fingerprint);
    }

    [Fact]
    public async Task A_command_that_prints_the_key_has_it_censored_in_the_failure()
    {
        using var dir = new TempDir();
        var target = Target(dir, "tail -n 2 \"$RENEWED_LINEAGE/privkey.pem\" | head -n 1 >&2; exit 1");
        var v1 = Artifact(dir.Path, 1);
        await target.StageAsync(v1, default);

        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v1, default));

        var keyBody = v1.PrivateKeyPem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal));
        Assert.All(keyBody, line => Assert.DoesNotContain(line, e.Message, StringComparison.Ordinal));
        Assert.Contains("censored", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_passed_variable_reaches_the_command_and_its_value_is_censored_in_a_failure()
    {
        using var dir = new TempDir();
        const string variable = "ROTOR_TEST_EXEC_TOKEN_7F3A";
        Environment.SetEnvironmentVariable(variable, "tok-5ecret-value");
        try
        {
            var target = new ExecTarget("hook", new ExecTargetSpec { Command = $"echo \"auth failed with ${variable}\" >&2; exit 2", Env = [variable] },
                dir.Path, dir.Combine("state"), TimeProvider.System, NullLogger.Instance);
            var v1 = Artifact(dir.Path, 1);
            await target.StageAsync(v1, default);

            var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v1, default));

            Assert.DoesNotContain("tok-5ecret-value", e.Message, StringComparison.Ordinal);
            Assert.Contains($"auth failed with [{variable} censored]", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task A_command_past_its_timeout_is_killed_with_its_children_and_fails_the_step()
    {
        using var dir = new TempDir();
        var target = new ExecTarget("hook", new ExecTargetSpec { Command = "sleep 30 & echo $! > child.pid; wait", Timeout = TimeSpan.FromMilliseconds(500) },
            dir.Path, dir.Combine("state"), TimeProvider.System, NullLogger.Instance);
        var v1 = Artifact(dir.Path, 1);
        await target.StageAsync(v1, default);

        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v1, default));

        Assert.Contains("did not finish within", e.Message, StringComparison.Ordinal);
        var child = int.Parse(File.ReadAllText(dir.Combine("child.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // The kill is delivered asynchronously by the kernel: look for a bounded while, not a fixed sleep.
        var alive = true;
        for (var i = 0; i < 100 && alive; i++)
        {
            alive = IsRunning(child);
            if (alive) await Task.Delay(50);
        }
        Assert.False(alive, "the command's child must be killed with it");
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task An_inspect_step_asks_the_command_what_the_device_holds()
    {
        using var dir = new TempDir();
        var target = Target(dir, "if [ \"$ROTOR_STEP\" = inspect ]; then cat device.pem; else cp \"$RENEWED_LINEAGE/cert.pem\" device.pem; fi",
            HookSteps.Activate, HookSteps.Rollback, HookSteps.Inspect);
        var v1 = Artifact(dir.Path, 1);
        await target.StageAsync(v1, default);
        await target.ActivateAsync(v1, default);
        dir.Write("device.pem", Artifact(dir.Path, 9).Leaf.ExportCertificatePem()); // changed on the device by hand

        var inspection = await target.InspectAsync(v1, default);

        Assert.NotNull(inspection.Sha256Fingerprint);
        Assert.NotEqual(v1.Leaf.GetCertHashString(HashAlgorithmName.SHA256), inspection.Sha256Fingerprint);
    }
}
