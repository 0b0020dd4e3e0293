using System.Security.Cryptography.X509Certificates;
using Rotor.Scheduling;
using Rotor.Tests.Support;

namespace Rotor.Tests.Scheduling;

public class ApplyDuringPassTests
{
    [Fact]
    public async Task A_spec_applied_while_a_pass_works_on_the_certificate_is_worked_on_right_after_not_at_renewal()
    {
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var rotor = new TestRotor(new ReconcilerOptions
        {
            UnitRandom = () => 0.5,
            Parallelism = 1,
            FaultPoint = async (point, name, ct) =>
            {
                if (point != FaultPoints.AfterIssue) return;
                paused.TrySetResult();
                await resume.Task.WaitAsync(ct);
            },
        });
        var first = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()), "a.yaml");
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", first)).Code);
        var pass = Task.Run(() => rotor.RunAsync("reconcile"));
        await paused.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The user adds a name while version 1 (for the old spec) is being deployed.
        var second = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate(dnsNames: "[sip.example.test, sip2.example.test]")), "b.yaml");
        var (applied, _, applyErr) = await rotor.RunAsync("apply", "-f", second);
        Assert.True(applied == 0, applyErr);
        resume.SetResult();
        Assert.Equal(0, (await pass).Code);

        // The very next pass (no time passes) issues for the new spec.
        var (code, output, err) = await rotor.RunAsync("reconcile");
        Assert.True(code == 0, err);
        Assert.Contains("1 issued", output, StringComparison.Ordinal);
        using var cert = X509CertificateLoader.LoadCertificateFromFile(rotor.OutFile("sip-edge", "cert.pem"));
        Assert.Contains("sip2.example.test", cert.GetNameInfo(X509NameType.DnsName, false) + string.Join(",",
            cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames())), StringComparison.Ordinal);
    }
}
