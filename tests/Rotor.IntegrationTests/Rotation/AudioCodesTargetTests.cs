using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.IntegrationTests.Support.Emulators;
using Rotor.Targets;

namespace Rotor.IntegrationTests.Rotation;

/// <summary>
/// The audiocodes target against the Mediant REST API emulator: each step of the target seam,
/// and each documented failure (400, 401, 409 while synchronizing, 5xx), with the previous
/// certificate left in service and no password in any message or log line.
/// </summary>
public sealed class AudioCodesTargetTests
{
    private const int Id = AudioCodesRig.ContextId;

    [Fact]
    public async Task AudioCodesStageActivateInspectRollbackRetire()
    {
        await using var rig = await AudioCodesRig.StartAsync();
        var target = rig.Target();
        var v1 = rig.Version(1);
        await target.StageAsync(v1, default);
        await target.ActivateAsync(v1, default);
        Assert.Equal(CertificatePem.Sha256Fingerprint(v1.Leaf), CertificatePem.Sha256Fingerprint(rig.Device.Served(Id)));
        Assert.True(rig.Device.KeyMatchesCertificate(Id));

        var v2 = rig.Version(2, previous: v1);
        var savesBefore = rig.Device.Saves;
        await target.StageAsync(v2, default);
        // Staging changes nothing that is served; it puts the intermediate in the trusted root store (trust first).
        Assert.Equal(CertificatePem.Sha256Fingerprint(v1.Leaf), CertificatePem.Sha256Fingerprint(rig.Device.Served(Id)));
        Assert.Contains(rig.Device.Context(Id).TrustedRoots, pem => pem.Contains(rig.Intermediate.ExportCertificatePem().Split('\n')[1], StringComparison.Ordinal));
        await target.ActivateAsync(v2, default);
        Assert.True(rig.Device.Saves > savesBefore, "saveConfiguration after the upload");
        Assert.Equal(rig.Device.Context(Id).CertificatePem, rig.Device.Context(Id).SavedCertificatePem);
        var inspected = await target.InspectAsync(v2, default);
        Assert.Equal(CertificatePem.Sha256Fingerprint(v2.Leaf), inspected.Sha256Fingerprint);
        Assert.True(rig.Device.KeyMatchesCertificate(Id));
        var requests = rig.Device.Requests.Count;
        await target.ActivateAsync(v2, default); // idempotent: already live, nothing uploaded
        Assert.DoesNotContain(rig.Device.Requests.Skip(requests), r => r.StartsWith("PUT ", StringComparison.Ordinal));

        await target.RollbackAsync(v2, default);
        Assert.Equal(CertificatePem.Sha256Fingerprint(v1.Leaf), (await target.InspectAsync(v1, default)).Sha256Fingerprint);
        Assert.True(rig.Device.KeyMatchesCertificate(Id), "the previous key went back with the previous certificate");
        await target.RollbackAsync(v2, default); // idempotent: v2 is not live any more
        Assert.Equal(CertificatePem.Sha256Fingerprint(v1.Leaf), CertificatePem.Sha256Fingerprint(rig.Device.Served(Id)));
        await target.RetireAsync(v2, default);
        Assert.Equal(CertificatePem.Sha256Fingerprint(v1.Leaf), CertificatePem.Sha256Fingerprint(rig.Device.Served(Id)));
    }

    [Fact]
    public async Task AudioCodesBadPemIsRefusedWith400AndThePreviousStays()
    {
        await using var rig = await AudioCodesRig.StartAsync();
        var target = rig.Target();
        var v1 = rig.Version(1);
        await target.ActivateAsync(v1, default);
        var broken = rig.Version(2, previous: v1) with { PrivateKeyPem = "this is not a PEM key" };
        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(broken, default));
        Assert.Equal(RotorReasons.AudioCodesRejected, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains("AudioCodes answered 400: Bad request: private key file is not in PEM format", e.Message);
        Assert.Equal(CertificatePem.Sha256Fingerprint(v1.Leaf), CertificatePem.Sha256Fingerprint(rig.Device.Served(Id)));
        Assert.True(rig.Device.KeyMatchesCertificate(Id));
    }

    [Fact]
    public async Task AudioCodesWrongPasswordFailsWith401AndNoPasswordIsShown()
    {
        await using var rig = await AudioCodesRig.StartAsync();
        var v1 = rig.Version(1);
        await rig.Target().ActivateAsync(v1, default);
        File.WriteAllText(rig.Dir.Combine("wrong"), $"{AudioCodesRig.User}:{AudioCodesRig.Password}-old\n");
        var target = rig.Target("wrong");
        var e = await Assert.ThrowsAsync<RotorException>(() => target.StageAsync(rig.Version(2, previous: v1), default));
        Assert.Equal(RotorReasons.AudioCodesAuthFailed, e.Reason);
        Assert.Contains("AudioCodes answered 401", e.Message);
        Assert.Contains("file:wrong", e.Message);
        Assert.DoesNotContain(AudioCodesRig.Password, e.ToString());
        Assert.All(rig.Logs.Lines, l => Assert.DoesNotContain(AudioCodesRig.Password, l));
        Assert.Equal(CertificatePem.Sha256Fingerprint(v1.Leaf), CertificatePem.Sha256Fingerprint(rig.Device.Served(Id)));
    }

    [Fact]
    public async Task AudioCodesSynchronizingBoardIsRetriedThenTheUploadSucceeds()
    {
        await using var rig = await AudioCodesRig.StartAsync();
        var target = rig.Target();
        var v1 = rig.Version(1);
        await target.ActivateAsync(v1, default);
        var v2 = rig.Version(2, previous: v1);
        rig.Device.SynchronizingFor(2);
        await target.ActivateAsync(v2, default);
        Assert.Equal(2, rig.Device.Requests.Count(r => r.EndsWith(" 409", StringComparison.Ordinal)));
        Assert.Equal(CertificatePem.Sha256Fingerprint(v2.Leaf), CertificatePem.Sha256Fingerprint(rig.Device.Served(Id)));
        Assert.Equal(2, rig.Logs.Lines.Count(l => l.StartsWith("3100 ", StringComparison.Ordinal) && l.Contains("answered 409", StringComparison.Ordinal)));
        Assert.All(rig.Logs.Lines, l => Assert.DoesNotContain(AudioCodesRig.Password, l));
    }

    [Fact]
    public async Task AudioCodesStillSynchronizingAfterEveryAttemptFailsTransientAndThePreviousStays()
    {
        await using var rig = await AudioCodesRig.StartAsync();
        var target = rig.Target(conflictAttempts: 2);
        var v1 = rig.Version(1);
        await target.ActivateAsync(v1, default);
        rig.Device.SynchronizingFor(100);
        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(rig.Version(2, previous: v1), default));
        Assert.Equal(RotorReasons.AudioCodesBusy, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Contains("AudioCodes answered 409", e.Message);
        Assert.Equal(CertificatePem.Sha256Fingerprint(v1.Leaf), CertificatePem.Sha256Fingerprint(rig.Device.Served(Id)));
        Assert.True(rig.Device.KeyMatchesCertificate(Id));
    }

    [Fact]
    public async Task AudioCodesServerErrorAfterTheKeyUploadPutsThePreviousPairBack()
    {
        await using var rig = await AudioCodesRig.StartAsync();
        var target = rig.Target();
        var v1 = rig.Version(1);
        await target.ActivateAsync(v1, default);
        rig.Device.FailNext("PUT", "/tls/2/certificate", 503);
        var v2 = rig.Version(2, previous: v1);
        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v2, default));
        Assert.Equal(RotorReasons.AudioCodesUnavailable, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Contains("AudioCodes answered 503", e.Message);
        Assert.Equal(CertificatePem.Sha256Fingerprint(v1.Leaf), CertificatePem.Sha256Fingerprint(rig.Device.Served(Id)));
        Assert.True(rig.Device.KeyMatchesCertificate(Id), "the previous key is back with the previous certificate");
        Assert.Contains("version 1 was put back", e.Message);
        Assert.Contains(rig.Logs.Lines, l => l.StartsWith("3101 ", StringComparison.Ordinal));
        Assert.Contains(rig.Device.Requests, r => r == "PUT /api/v1/files/tls/2/privateKey 200");
    }

    [Fact]
    public async Task AudioCodesTrustBindingAddsTheCaFirstAndDropsItOnlyWhenRetired()
    {
        await using var rig = await AudioCodesRig.StartAsync();
        var target = rig.Target();
        var v1 = rig.Version(1, role: DeployRole.Trust);
        await target.StageAsync(v1, default);
        await target.ActivateAsync(v1, default);
        Assert.Equal(2, rig.Device.Context(Id).TrustedRoots.Count);
        Assert.NotNull((await target.InspectAsync(v1, default)).Sha256Fingerprint);
        // A drain activates the current bundle, then retires the old version: only CA certificates
        // no current version needs go. Here the old version's CA is also the current one's: kept.
        await target.ActivateAsync(rig.Version(2, role: DeployRole.Trust), default);
        await target.RetireAsync(v1, default);
        Assert.Equal(2, rig.Device.Context(Id).TrustedRoots.Count);
    }
}
