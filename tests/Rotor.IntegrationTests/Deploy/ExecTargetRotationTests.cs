using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;

namespace Rotor.IntegrationTests.Deploy;

/// <summary>
/// Real rotations through an exec target: deploy hooks written for certbot and for lego, as
/// people have them, run unchanged; a failing or hanging hook leaves the previous certificate
/// where it was; nothing secret reaches the hook's environment, Rotor's output or its events.
/// </summary>
public sealed class ExecTargetRotationTests
{
    /// <summary>A typical certbot deploy hook (renewal-hooks/deploy/): copy the lineage for the service and reload it.</summary>
    private static string CertbotHook(string destination) => $$"""
        #!/bin/sh
        # certbot deploy hook: install the renewed certificate for the SIP proxy.
        set -e
        for domain in $RENEWED_DOMAINS; do
            case $domain in
            sip.example.test)
                daemon_cert_root={{destination}}
                umask 077
                cp "$RENEWED_LINEAGE/fullchain.pem" "$daemon_cert_root/sip.example.test.crt"
                cp "$RENEWED_LINEAGE/privkey.pem" "$daemon_cert_root/sip.example.test.key"
                chmod 400 "$daemon_cert_root/sip.example.test.key"
                echo "installed $domain" >> "$daemon_cert_root/hook.log"
                ;;
            esac
        done
        """;

    /// <summary>A typical lego --deploy-hook / --renew-hook script.</summary>
    private static string LegoHook(string destination) => $$"""
        #!/bin/sh
        # lego renew hook: copy the bundle and key where the SBC pulls them from.
        set -eu
        cp "$LEGO_CERT_PATH" "{{destination}}/$LEGO_CERT_DOMAIN.crt"
        cp "$LEGO_CERT_KEY_PATH" "{{destination}}/$LEGO_CERT_DOMAIN.key"
        """;

    private static X509Certificate2 Leaf(string pemFile) => X509Certificate2.CreateFromPem(File.ReadAllText(pemFile));

    private static string Fingerprint(X509Certificate2 c) => c.GetCertHashString(HashAlgorithmName.SHA256);

    private static string FullChainOf(CertificateVersion v)
    {
        var chain = Rotor.Certificates.CertificatePem.ReadPemChain(v.ChainPem);
        return string.Concat(chain.Take(1 + v.IntermediateCount).Select(Rotor.Certificates.CertificatePem.ToPem));
    }

    [Fact]
    public async Task An_unmodified_certbot_deploy_hook_installs_each_issued_version()
    {
        using var site = new HookSite("  exec: {command: ./certbot-deploy-hook.sh}");
        var destination = Directory.CreateDirectory(site.Dir.Combine("sip-tls")).FullName;
        site.Script("certbot-deploy-hook.sh", CertbotHook(destination));

        var (code, text) = await site.ReconcileAsync();
        Assert.True(code == 0, text);
        var v1 = Assert.Single(await site.VersionsAsync(), v => v.State == VersionState.Active);
        Assert.Equal(FullChainOf(v1), File.ReadAllText(Path.Combine(destination, "sip.example.test.crt")));
        Assert.Equal(await site.KeyOfAsync(v1), File.ReadAllText(Path.Combine(destination, "sip.example.test.key")));

        (code, text) = await site.RenewAsync();
        Assert.True(code == 0, text);
        var v2 = Assert.Single(await site.VersionsAsync(), v => v.State == VersionState.Active);
        Assert.Equal(2, v2.Number);
        Assert.Equal(FullChainOf(v2), File.ReadAllText(Path.Combine(destination, "sip.example.test.crt")));
        Assert.Equal(await site.KeyOfAsync(v2), File.ReadAllText(Path.Combine(destination, "sip.example.test.key")));
        using var installed = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(destination, "sip.example.test.crt")),
            File.ReadAllText(Path.Combine(destination, "sip.example.test.key")));
        Assert.Equal(v2.Sha256Fingerprint, Fingerprint(installed), ignoreCase: true);
        Assert.Equal(["installed sip.example.test", "installed sip.example.test"], File.ReadAllLines(Path.Combine(destination, "hook.log")));
    }

    [Fact]
    public async Task An_unmodified_lego_hook_installs_the_bundle_and_key_under_the_main_domain()
    {
        using var site = new HookSite("  exec: {command: [./lego-hook.sh]}");
        var destination = Directory.CreateDirectory(site.Dir.Combine("sbc")).FullName;
        site.Script("lego-hook.sh", LegoHook(destination));

        var (code, text) = await site.ReconcileAsync();
        Assert.True(code == 0, text);
        (code, text) = await site.RenewAsync();
        Assert.True(code == 0, text);

        var v2 = Assert.Single(await site.VersionsAsync(), v => v.State == VersionState.Active);
        Assert.Equal(FullChainOf(v2), File.ReadAllText(Path.Combine(destination, "sip.example.test.crt")));
        Assert.Equal(await site.KeyOfAsync(v2), File.ReadAllText(Path.Combine(destination, "sip.example.test.key")));
    }

    [Fact]
    public async Task A_hook_that_exits_non_zero_keeps_the_previous_certificate_in_service_and_leaks_nothing()
    {
        using var site = new HookSite("  exec: {command: ./deploy.sh, env: [ROTOR_TEST_HOOK_TOKEN_51C]}");
        var destination = Directory.CreateDirectory(site.Dir.Combine("sip-tls")).FullName;
        // Installs, then "reloads" the device, which refuses while the refuse flag is there; prints its environment first.
        site.Script("deploy.sh", $$"""
            #!/bin/sh
            env > "{{destination}}/env.$ROTOR_STEP"
            cp "$RENEWED_LINEAGE/fullchain.pem" "{{destination}}/cert.pem"
            cp "$RENEWED_LINEAGE/privkey.pem" "{{destination}}/key.pem"
            if [ -f "{{destination}}/refuse" ] && [ "$ROTOR_STEP" = activate ]; then
                cat "$RENEWED_LINEAGE/privkey.pem" >&2
                echo "device rejected the key with token $ROTOR_TEST_HOOK_TOKEN_51C" >&2
                exit 7
            fi
            """);
        Environment.SetEnvironmentVariable("ROTOR_TEST_HOOK_TOKEN_51C", "hook-token-9d1e77");
        try
        {
            var (code, text) = await site.ReconcileAsync();
            Assert.True(code == 0, text);
            var v1 = Assert.Single(await site.VersionsAsync(), v => v.State == VersionState.Active);
            File.WriteAllText(Path.Combine(destination, "refuse"), "");

            (code, text) = await site.RenewAsync();

            Assert.NotEqual(0, code);
            var versions = await site.VersionsAsync();
            Assert.Equal(v1.Id, Assert.Single(versions, v => v.State == VersionState.Active).Id);
            Assert.Equal(FullChainOf(v1), File.ReadAllText(Path.Combine(destination, "cert.pem")));
            Assert.Equal(await site.KeyOfAsync(v1), File.ReadAllText(Path.Combine(destination, "key.pem")));
            var events = await site.EventsTextAsync();
            Assert.Contains("DeployCommandFailed: target hook: exec target 'hook': the activate command exited with code 7: device rejected the key with token [ROTOR_TEST_HOOK_TOKEN_51C censored]", events, StringComparison.Ordinal);
            Assert.Contains("handed to the command again", events, StringComparison.Ordinal);

            // The hook saw the documented names and the one variable listed, never the master key.
            var env = File.ReadAllText(Path.Combine(destination, "env.activate"));
            Assert.Contains("RENEWED_LINEAGE=", env, StringComparison.Ordinal);
            Assert.Contains("ROTOR_TEST_HOOK_TOKEN_51C=hook-token-9d1e77", env, StringComparison.Ordinal);
            Assert.DoesNotContain("ROTOR_MASTER_KEY", env, StringComparison.Ordinal);
            Assert.DoesNotContain(File.ReadAllText(Path.Combine(site.Data, "master.key")).Trim(), env, StringComparison.Ordinal);

            var v2 = versions.Single(v => v.Number == 2);
            var everything = string.Join("\n", site.Transcript) + events;
            Assert.DoesNotContain("hook-token-9d1e77", everything, StringComparison.Ordinal);
            foreach (var line in HookSite.KeyLines(await site.KeyOfAsync(v2)).Concat(HookSite.KeyLines(await site.KeyOfAsync(v1))))
            {
                Assert.DoesNotContain(line, everything, StringComparison.Ordinal);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("ROTOR_TEST_HOOK_TOKEN_51C", null);
        }
    }

    [Fact]
    public async Task A_hook_past_its_timeout_is_killed_and_the_previous_certificate_stays()
    {
        using var site = new HookSite("  exec: {command: ./slow.sh, timeout: 2s}");
        var destination = Directory.CreateDirectory(site.Dir.Combine("out")).FullName;
        site.Script("slow.sh", $$"""
            #!/bin/sh
            cp "$RENEWED_LINEAGE/cert.pem" "{{destination}}/cert.pem"
            if [ -f "{{destination}}/hang" ] && [ "$ROTOR_STEP" = activate ]; then sleep 120; fi
            """);
        var (code, text) = await site.ReconcileAsync();
        Assert.True(code == 0, text);
        var v1 = Assert.Single(await site.VersionsAsync(), v => v.State == VersionState.Active);
        File.WriteAllText(Path.Combine(destination, "hang"), "");

        var started = System.Diagnostics.Stopwatch.StartNew();
        (code, _) = await site.RenewAsync();

        Assert.NotEqual(0, code);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), $"the hook was not stopped at its timeout ({started.Elapsed})");
        Assert.Equal(v1.Id, Assert.Single(await site.VersionsAsync(), v => v.State == VersionState.Active).Id);
        using var served = Leaf(Path.Combine(destination, "cert.pem"));
        Assert.Equal(v1.Sha256Fingerprint, Fingerprint(served), ignoreCase: true);
        Assert.Contains("did not finish within 2s and was killed", await site.EventsTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_rollback_hands_the_previous_lineage_to_the_hook()
    {
        using var site = new HookSite("  exec: {command: ./certbot-deploy-hook.sh}");
        var destination = Directory.CreateDirectory(site.Dir.Combine("sip-tls")).FullName;
        site.Script("certbot-deploy-hook.sh", CertbotHook(destination));
        var (code, text) = await site.ReconcileAsync();
        Assert.True(code == 0, text);
        var v1 = Assert.Single(await site.VersionsAsync(), v => v.State == VersionState.Active);
        (code, text) = await site.RenewAsync();
        Assert.True(code == 0, text);

        (code, text) = await site.CliAsync("rollback", "sip-edge");

        Assert.True(code == 0, text);
        Assert.Equal(v1.Id, Assert.Single(await site.VersionsAsync(), v => v.State == VersionState.Active).Id);
        Assert.Equal(FullChainOf(v1), File.ReadAllText(Path.Combine(destination, "sip.example.test.crt")));
        Assert.Equal(await site.KeyOfAsync(v1), File.ReadAllText(Path.Combine(destination, "sip.example.test.key")));
    }
}
