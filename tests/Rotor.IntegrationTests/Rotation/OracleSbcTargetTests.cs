using Rotor.Core.Abstractions;
using Rotor.IntegrationTests.Support.Emulators;

namespace Rotor.IntegrationTests.Rotation;

/// <summary>
/// The oracleSbc target against the Oracle SBC REST emulator (HTTPS, trusted through caBundle):
/// each step of the target seam, and each documented failure (400, 401, 423 lock, 5xx), with the
/// previous certificate left in service, the configuration lock released afterwards, and neither
/// the password nor a token in any message or log line.
/// </summary>
public sealed class OracleSbcTargetTests
{
    private static void NoSecretIn(OracleSbcRig rig, params string[] texts)
    {
        foreach (var secret in rig.Secrets)
        {
            Assert.All(rig.Logs.Lines, l => Assert.DoesNotContain(secret, l));
            Assert.All(texts, t => Assert.DoesNotContain(secret, t));
        }
    }

    [Theory]
    [InlineData("9.3")]
    [InlineData("8.4")]
    public async Task OracleSbcStageActivateInspectRollbackRetireWithTwoRecords(string release)
    {
        await using var rig = await OracleSbcRig.StartAsync(release);
        var target = rig.Target();
        var v1 = await rig.VersionAsync(target, 1);
        await target.StageAsync(v1, default);
        Assert.Equal(OracleSbcEmulator.RecordA, rig.Device.ServedRecord); // staging changes nothing
        await target.ActivateAsync(v1, default);
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.Equal(OracleSbcEmulator.RecordB, rig.Device.ServedRecord);
        Assert.True(rig.Device.ServedKeyMatches());
        Assert.True(rig.Device.SavedMatchesRunning(), "saved before activated");
        Assert.Null(rig.Device.LockHolder);

        var v2 = await rig.VersionAsync(target, 2, previous: v1); // the new key goes into the idle record
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.True(rig.Device.ServedKeyMatches(), "a request for a new key does not touch the record in service");
        await target.StageAsync(v2, default);
        await target.ActivateAsync(v2, default);
        Assert.Equal(OracleSbcEmulator.RecordA, rig.Device.ServedRecord);
        Assert.Equal(OracleSbcRig.Fingerprint(v2.Leaf), (await target.InspectAsync(v2, default)).Sha256Fingerprint);
        Assert.True(rig.Device.ServedKeyMatches());
        var requests = rig.Device.Requests.Count;
        await target.ActivateAsync(v2, default); // idempotent: already in service, nothing changed
        Assert.DoesNotContain(rig.Device.Requests.Skip(requests), r => r.StartsWith("PUT ", StringComparison.Ordinal) || r.Contains("/lock", StringComparison.Ordinal));

        await target.RollbackAsync(v2, default);
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.True(rig.Device.ServedKeyMatches(), "the previous record kept the previous key with its certificate");
        Assert.True(rig.Device.SavedMatchesRunning());
        await target.RollbackAsync(v2, default); // idempotent: v2 is not in service any more
        await target.RetireAsync(v2, default);
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.Null(rig.Device.LockHolder);
        Assert.Equal(rig.Device.Requests.Count(r => r.StartsWith("POST /rest/v1.2/configuration/lock 204", StringComparison.Ordinal)),
            rig.Device.Requests.Count(r => r.StartsWith("POST /rest/v1.2/configuration/unlock 204", StringComparison.Ordinal)));
        NoSecretIn(rig);
    }

    [Fact]
    public async Task OracleSbcOneRecordRollbackIsRefusedAndTheVersionInServiceStays()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var target = rig.Target(twoRecords: false);
        var v1 = await rig.VersionAsync(target, 1);
        await target.ActivateAsync(v1, default); // 9.3: replaces the shipped certificate with overwrite
        var v2 = await rig.VersionAsync(target, 2, previous: v1);
        await target.ActivateAsync(v2, default);
        Assert.Equal(OracleSbcRig.Fingerprint(v2.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));

        var e = await Assert.ThrowsAsync<RotorException>(() => target.RollbackAsync(v2, default));
        Assert.Equal(RotorReasons.OracleSbcCannotRollBack, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains("version 2 stays in service", e.Message);
        Assert.Contains("spareCertificateRecord", e.Message);
        Assert.Equal(OracleSbcRig.Fingerprint(v2.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.True(rig.Device.ServedKeyMatches(), "nothing that cannot work was put in service");
        Assert.Contains(rig.Logs.Lines, l => l.StartsWith("3145 ", StringComparison.Ordinal));
        Assert.Null(rig.Device.LockHolder);
    }

    [Fact]
    public async Task OracleSbcBadPemIsRefusedWith400AndThePreviousStays()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var target = rig.Target();
        var v1 = await rig.VersionAsync(target, 1);
        await target.ActivateAsync(v1, default);
        var v2 = await rig.VersionAsync(target, 2, previous: v1);
        rig.Device.FailNext("PUT", "/certificates/import", 400);
        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v2, default));
        Assert.Equal(RotorReasons.OracleSbcRejected, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains("Oracle SBC answered 400: " + OracleSbcEmulator.Malformed, e.Message);
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.True(rig.Device.ServedKeyMatches());
        Assert.Null(rig.Device.LockHolder);
        NoSecretIn(rig, e.ToString());
    }

    [Fact]
    public async Task OracleSbcWrongPasswordFailsWith401AndNoSecretIsShown()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var v1 = await rig.VersionAsync(rig.Target(), 1);
        await rig.Target().ActivateAsync(v1, default);
        File.WriteAllText(rig.Dir.Combine("wrong"), $"{OracleSbcRig.User}:{OracleSbcRig.Password}-old\n");
        var e = await Assert.ThrowsAsync<RotorException>(() => rig.Target(credentialsFile: "wrong").StageAsync(v1, default));
        Assert.Equal(RotorReasons.OracleSbcAuthFailed, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains("POST /rest/v1.2/auth/token: Oracle SBC answered 401", e.Message);
        Assert.Contains("file:wrong", e.Message);
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.Null(rig.Device.LockHolder);
        NoSecretIn(rig, e.ToString());
    }

    [Fact]
    public async Task OracleSbcExpiredTokenIsRenewedOnce()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var target = rig.Target();
        var v1 = await rig.VersionAsync(target, 1);
        rig.Device.ExpireTokens(); // ten minutes pass between the request and the activation
        await target.ActivateAsync(v1, default);
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.Contains(rig.Logs.Lines, l => l.StartsWith("3146 ", StringComparison.Ordinal));
        Assert.Null(rig.Device.LockHolder);
        NoSecretIn(rig);
    }

    [Fact]
    public async Task OracleSbcLockHeldByAnotherUserIsRetriedThenTheActivationSucceeds()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var target = rig.Target();
        var v1 = await rig.VersionAsync(target, 1);
        rig.Device.OtherUserHoldsLock(2);
        await target.ActivateAsync(v1, default);
        Assert.Equal(2, rig.Device.Requests.Count(r => r == "POST /rest/v1.2/configuration/lock 423"));
        Assert.Equal(2, rig.Logs.Lines.Count(l => l.StartsWith("3140 ", StringComparison.Ordinal) && l.Contains(OracleSbcEmulator.LockedByOther, StringComparison.Ordinal)));
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.Null(rig.Device.LockHolder);
        NoSecretIn(rig);
    }

    [Fact]
    public async Task OracleSbcLockHeldThroughoutFailsTransientAndThePreviousStays()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var target = rig.Target(lockAttempts: 3);
        var v1 = await rig.VersionAsync(target, 1);
        await target.ActivateAsync(v1, default);
        var v2 = await rig.VersionAsync(target, 2, previous: v1);
        rig.Device.OtherUserHoldsLock(int.MaxValue);
        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v2, default));
        Assert.Equal(RotorReasons.OracleSbcLocked, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Contains($"Oracle SBC answered 423: {OracleSbcEmulator.LockedByOther} on each of 3 attempts", e.Message);
        Assert.Equal(3, rig.Device.Requests.Count(r => r == "POST /rest/v1.2/configuration/lock 423"));
        Assert.DoesNotContain(rig.Device.Requests, r => r.StartsWith("PUT /rest/v1.2/configuration/certificates/import", StringComparison.Ordinal) && r.EndsWith(" 423", StringComparison.Ordinal));
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.Equal("other", rig.Device.LockHolder); // never Rotor's
        NoSecretIn(rig, e.ToString());
    }

    [Theory]
    [InlineData("PUT", "/configuration/management", "save")]
    [InlineData("POST", "/configuration/management", "activate")]
    [InlineData("PUT", "/configuration/configElements", "profile")]
    public async Task OracleSbcServerErrorLeavesThePreviousInServiceAndReleasesTheLock(string method, string path, string step)
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var target = rig.Target();
        var v1 = await rig.VersionAsync(target, 1);
        await target.ActivateAsync(v1, default);
        var v2 = await rig.VersionAsync(target, 2, previous: v1);
        rig.Device.FailNext(method, path, 503);
        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v2, default));
        Assert.Equal(RotorReasons.OracleSbcUnavailable, e.Reason);
        Assert.True(e.IsTransient, step);
        Assert.Contains("Oracle SBC answered 503", e.Message);
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.True(rig.Device.ServedKeyMatches());
        Assert.Null(rig.Device.LockHolder);
        NoSecretIn(rig, e.ToString());

        await target.ActivateAsync(v2, default); // the next pass finishes what this one began
        Assert.Equal(OracleSbcRig.Fingerprint(v2.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.True(rig.Device.ServedKeyMatches());
    }

    [Fact]
    public async Task OracleSbcActionsStillInProgressArePolledUntilSuccess()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var target = rig.Target();
        var v1 = await rig.VersionAsync(target, 1);
        rig.Device.PollsBeforeDone = 2; // each of save, verify and activate answers "inProgress" twice
        await target.ActivateAsync(v1, default);
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.True(rig.Device.SavedMatchesRunning());
        Assert.Equal(9, rig.Device.Requests.Count(r => r == "GET /rest/v1.2/admin/asyncstatus 200"));
        Assert.Null(rig.Device.LockHolder);
    }

    [Fact]
    public async Task OracleSbcActivateEndingInFailQuotesItsErrorMessageAndThePreviousStays()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var target = rig.Target();
        var v1 = await rig.VersionAsync(target, 1);
        await target.ActivateAsync(v1, default);
        var v2 = await rig.VersionAsync(target, 2, previous: v1);
        rig.Device.FailNextAction("activate", "activation refused by the test");
        var e = await Assert.ThrowsAsync<RotorException>(() => target.ActivateAsync(v2, default));
        Assert.Equal(RotorReasons.OracleSbcRejected, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains("activate of the configuration ended in 'fail': activation refused by the test", e.Message);
        Assert.Equal(OracleSbcRig.Fingerprint(v1.Leaf), OracleSbcRig.Fingerprint(rig.Device.Served()));
        Assert.True(rig.Device.ServedKeyMatches());
        Assert.Null(rig.Device.LockHolder);
        NoSecretIn(rig, e.ToString());
    }

    [Fact]
    public async Task OracleSbcCancelledActivationStillReleasesTheLock()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        var target = rig.Target();
        var v1 = await rig.VersionAsync(target, 1);
        rig.Device.PollsBeforeDone = 1000; // the save never finishes while the step waits
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => target.ActivateAsync(v1, cancel.Token));
        Assert.Null(rig.Device.LockHolder);
        Assert.EndsWith("POST /rest/v1.2/configuration/unlock 204", rig.Device.Requests[^1]);
    }

    [Fact]
    public async Task OracleSbcManagementCertificateOutsideCaBundleIsRefused()
    {
        await using var rig = await OracleSbcRig.StartAsync();
        using var other = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=other", other, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var stranger = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));
        File.WriteAllText(rig.Dir.Combine("other-ca.pem"), stranger.ExportCertificatePem());
        var v1 = await rig.VersionAsync(rig.Target(), 1);
        var e = await Assert.ThrowsAsync<RotorException>(() => rig.Target(caBundle: "other-ca.pem").StageAsync(v1, default));
        Assert.Equal(RotorReasons.OracleSbcUnavailable, e.Reason);
        Assert.Contains("TLS handshake failed", e.Message);
        Assert.Equal(1, rig.Device.Requests.Count(r => r.StartsWith("POST /rest/v1.2/auth/token", StringComparison.Ordinal))); // only the trusted client's
    }
}
