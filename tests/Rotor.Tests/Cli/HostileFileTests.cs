using Rotor.Tests.Support;

namespace Rotor.Tests.Cli;

/// <summary>Files a manifest names (a secret, a pid file) that never end are read up to a cap, then refused plainly.</summary>
public class HostileFileTests
{
    [Fact]
    public async Task A_secret_file_that_never_ends_fails_the_certificate_with_a_plain_message()
    {
        using var rotor = new TestRotor();
        var target = """
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: out}
            spec:
              file:
                pkcs12: {file: store.p12, passwordSecretRef: {file: /dev/zero}}
            """;
        var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, target, Manifests.Certificate()));
        var (code, _, err) = await rotor.RunAsync("reconcile", "-f", path);
        Assert.Equal(Rotor.Cli.ExitCodes.Failed, code);
        Assert.Contains("/dev/zero is larger than 64 KiB", err, StringComparison.Ordinal);
        Assert.DoesNotContain("bug in Rotor", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pid_file_that_never_ends_fails_the_reload_with_a_plain_message()
    {
        using var rotor = new TestRotor();
        var target = """
            apiVersion: rotor/v1
            kind: Target
            metadata: {name: out}
            spec:
              file:
                reload: {signal: {name: HUP, pidFile: /dev/zero}}
            """;
        var path = rotor.WriteManifest(Manifests.All(Manifests.Issuer, target, Manifests.Certificate()));
        var (code, _, err) = await rotor.RunAsync("reconcile", "-f", path);
        Assert.Equal(Rotor.Cli.ExitCodes.Failed, code);
        Assert.Contains("/dev/zero is larger than 4 KiB", err, StringComparison.Ordinal);
        Assert.DoesNotContain("bug in Rotor", err, StringComparison.Ordinal);
    }
}
