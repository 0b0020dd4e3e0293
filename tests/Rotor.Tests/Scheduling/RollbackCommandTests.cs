using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Rotation;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scheduling;

/// <summary><c>rotor rollback</c>: back to the version the current one replaced, while it is still in its overlap window.</summary>
public class RollbackCommandTests
{
    [Fact]
    public async Task Rollback_puts_the_previous_version_back_in_service_on_every_target()
    {
        using var rotor = new TestRotor();
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate())))).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        using var first = X509CertificateLoader.LoadCertificateFromFile(rotor.OutFile("sip-edge", "cert.pem"));
        Assert.Equal(0, (await rotor.RunAsync("rotate", "sip-edge")).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        using var second = X509CertificateLoader.LoadCertificateFromFile(rotor.OutFile("sip-edge", "cert.pem"));
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);

        var (code, output, err) = await rotor.RunAsync("rollback", "sip-edge");

        Assert.True(code == 0, err);
        Assert.Contains("version 1 is in service again", output, StringComparison.Ordinal);
        using var served = X509CertificateLoader.LoadCertificateFromFile(rotor.OutFile("sip-edge", "cert.pem"));
        Assert.Equal(first.SerialNumber, served.SerialNumber);
        Assert.Equal("reloaded\nreloaded\nreloaded\n", await File.ReadAllTextAsync(rotor.Dir.Combine("reload.log")));
        await using var host = await rotor.OpenHostAsync();
        var versions = await host.Store.ListVersionsAsync("sip-edge", default);
        Assert.Equal([VersionState.Active, VersionState.Failed], versions.Select(v => v.State));
        Assert.Equal(RotationState.Promoted, Assert.Single(await host.Store.ListRotationsAsync(versions[0].Id, default)).State);

        // Nothing older is left to go back to.
        var (again, _, againErr) = await rotor.RunAsync("rollback", "sip-edge");
        Assert.Equal(1, again);
        Assert.Contains("no earlier version", againErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_rollback_the_reload_command_gets_the_version_back_in_service_and_the_one_rolled_back()
    {
        using var rotor = new TestRotor();
        const string reload = "echo \"version=$ROTOR_VERSION rolledBack=${ROTOR_ROLLED_BACK_VERSION-unset} rollback=${ROTOR_ROLLBACK-unset}\" >> reload.log";
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(reload), Manifests.Certificate())))).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);
        Assert.Equal(0, (await rotor.RunAsync("rotate", "sip-edge")).Code);
        Assert.Equal(0, (await rotor.RunAsync("reconcile")).Code);

        var (code, _, err) = await rotor.RunAsync("rollback", "sip-edge");

        Assert.True(code == 0, err);
        Assert.Equal(
            ["version=1 rolledBack=unset rollback=unset", "version=2 rolledBack=unset rollback=unset", "version=1 rolledBack=2 rollback=1"],
            await File.ReadAllLinesAsync(rotor.Dir.Combine("reload.log")));
    }
}
