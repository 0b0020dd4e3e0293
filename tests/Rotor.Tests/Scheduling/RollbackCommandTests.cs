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
}
