using Microsoft.Extensions.Time.Testing;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.IntegrationTests.Support.Emulators;

namespace Rotor.IntegrationTests.Rotation;

/// <summary>
/// The genesysCloud target against the Genesys Cloud emulator: each step of the target seam, and
/// each documented failure (400, 401, 429 with Retry-After, 5xx), with the trusted CAs left as
/// they were and neither the client secret nor a token in any message or log line.
/// </summary>
public sealed class GenesysCloudTargetTests
{
    private static void NoSecretIn(GenesysRig rig, params string[] texts)
    {
        foreach (var text in texts.Concat(rig.Logs.Lines))
        {
            Assert.DoesNotContain(GenesysRig.ClientSecret, text);
            Assert.DoesNotContain("Bearer", text);
        }
    }

    [Fact]
    public async Task GenesysStageActivateInspectRollbackRetire()
    {
        await using var rig = await GenesysRig.StartAsync();
        rig.Cloud.PageSizeCap = 2; // several pages: the CA Rotor looks for is never on the first
        for (var i = 0; i < 3; i++) rig.Cloud.AddForeign($"admin CA {i}", rig.NewCa($"CN=Admin {i}"));
        var target = rig.Target();
        var v1 = rig.Version(1, rig.OldCa);
        await target.StageAsync(v1, default);
        Assert.True(rig.Cloud.Trusts(rig.OldCa));
        var created = Assert.Single(rig.Cloud.Authorities, a => a.Name.StartsWith("Rotor ", StringComparison.Ordinal));
        Assert.Equal("REMOTE", created.Type);
        Assert.Equal(["SIP"], created.Services);
        await target.ActivateAsync(v1, default); // idempotent: found on page 2 by its content, not added twice
        Assert.Single(rig.Cloud.Authorities, a => a.Name.StartsWith("Rotor ", StringComparison.Ordinal));
        Assert.Contains(rig.Cloud.Requests, r => r.Contains("certificateauthorities", StringComparison.Ordinal) && r.StartsWith("GET", StringComparison.Ordinal));
        var inspected = await target.InspectAsync(v1, default);
        Assert.Equal(CertificatePem.Sha256Fingerprint(rig.OldCa), inspected.Sha256Fingerprint);

        // The CA changes: version 2 keeps version 1's CA while it drains.
        var v2 = rig.Version(2, rig.NewCaCert, alsoTrust: [rig.OldCa]);
        await target.StageAsync(v2, default);
        await target.ActivateAsync(v2, default);
        Assert.True(rig.Cloud.Trusts(rig.NewCaCert) && rig.Cloud.Trusts(rig.OldCa));
        await target.RollbackAsync(v2, default);
        Assert.True(rig.Cloud.Trusts(rig.OldCa), "a rollback never removes the previous version's CA");

        // The drain after the overlap: the current bundle alone, then the old version retires.
        var drain = rig.Target();
        await drain.StageAsync(rig.Version(2, rig.NewCaCert), default);
        await drain.ActivateAsync(rig.Version(2, rig.NewCaCert), default);
        Assert.True(rig.Cloud.Trusts(rig.OldCa), "still there until the retire");
        await drain.RetireAsync(v1, default);
        Assert.False(rig.Cloud.Trusts(rig.OldCa));
        Assert.True(rig.Cloud.Trusts(rig.NewCaCert));
        Assert.Equal(3, rig.Cloud.Authorities.Count(a => a.Name.StartsWith("admin CA", StringComparison.Ordinal)));
        Assert.Null((await drain.InspectAsync(v1, default)).Sha256Fingerprint);
        await drain.RetireAsync(v1, default); // idempotent
        Assert.Contains(rig.Logs.Lines, l => l.StartsWith("3122 ", StringComparison.Ordinal));
        NoSecretIn(rig);
    }

    [Fact]
    public async Task GenesysNeverDeletesACaItDidNotCreate()
    {
        await using var rig = await GenesysRig.StartAsync();
        rig.Cloud.AddForeign("uploaded by an administrator", rig.OldCa);
        var drain = rig.Target();
        await drain.ActivateAsync(rig.Version(2, rig.NewCaCert), default);
        await drain.RetireAsync(rig.Version(1, rig.OldCa), default);
        Assert.True(rig.Cloud.Trusts(rig.OldCa));
        Assert.DoesNotContain(rig.Cloud.Requests, r => r.StartsWith("DELETE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GenesysLeafBindingIsRefusedNamingTheRule()
    {
        await using var rig = await GenesysRig.StartAsync();
        var e = await Assert.ThrowsAsync<RotorException>(() => rig.Target().StageAsync(rig.Version(1, rig.OldCa, role: DeployRole.Leaf), default));
        Assert.Equal(RotorReasons.GenesysTrustOnly, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains("accepts no private keys", e.Message);
        Assert.Empty(rig.Cloud.Requests);
    }

    [Fact]
    public async Task GenesysBadCertificateAnswer400FailsNamingTheAnswerAndTrustStays()
    {
        await using var rig = await GenesysRig.StartAsync();
        var target = rig.Target();
        await target.ActivateAsync(rig.Version(1, rig.OldCa), default);
        var before = rig.Cloud.Authorities;
        rig.Cloud.FailNext(1, 400, "POST");
        var e = await Assert.ThrowsAsync<RotorException>(() => target.StageAsync(rig.Version(2, rig.NewCaCert, alsoTrust: [rig.OldCa]), default));
        Assert.Equal(RotorReasons.GenesysRejected, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains($"Genesys Cloud answered 400: {GenesysCloudEmulator.BadPemMessage} ({GenesysCloudEmulator.BadPemCode})", e.Message);
        Assert.Equal(before.Select(a => a.Id), rig.Cloud.Authorities.Select(a => a.Id));
        NoSecretIn(rig, e.ToString());
    }

    [Fact]
    public async Task GenesysWrongClientSecretFailsWith401AndNoSecretLeaks()
    {
        await using var rig = await GenesysRig.StartAsync();
        await rig.Target().ActivateAsync(rig.Version(1, rig.OldCa), default);
        File.WriteAllText(rig.Dir.Combine("old-secret"), GenesysRig.ClientSecret + "-rotated-away\n");
        var e = await Assert.ThrowsAsync<RotorException>(() => rig.Target(secretFile: "old-secret").StageAsync(rig.Version(2, rig.NewCaCert), default));
        Assert.Equal(RotorReasons.GenesysAuthFailed, e.Reason);
        Assert.False(e.IsTransient);
        Assert.Contains($"Genesys Cloud answered 401: {GenesysCloudEmulator.InvalidClientDescription} (invalid_client)", e.Message);
        Assert.Contains("file:old-secret", e.Message);
        Assert.True(rig.Cloud.Trusts(rig.OldCa));
        Assert.False(rig.Cloud.Trusts(rig.NewCaCert));
        NoSecretIn(rig, e.ToString());
        Assert.DoesNotContain(GenesysRig.ClientSecret + "-rotated-away", e.ToString());
    }

    [Fact]
    public async Task GenesysRevokedTokenIsRefreshedOnceThenTheCallSucceeds()
    {
        await using var rig = await GenesysRig.StartAsync();
        var target = rig.Target();
        await target.ActivateAsync(rig.Version(1, rig.OldCa), default);
        rig.Cloud.RevokeTokens();
        await target.ActivateAsync(rig.Version(2, rig.NewCaCert, alsoTrust: [rig.OldCa]), default);
        Assert.True(rig.Cloud.Trusts(rig.NewCaCert));
        Assert.Equal(2, rig.Cloud.Requests.Count(r => r == "POST /oauth/token 200"));
        Assert.Single(rig.Cloud.Requests, r => r.EndsWith(" 401", StringComparison.Ordinal));
        NoSecretIn(rig);
    }

    [Fact]
    public async Task GenesysRateLimitWaitsRetryAfterThenSucceeds()
    {
        await using var rig = await GenesysRig.StartAsync();
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var target = rig.Target(time);
        rig.Cloud.RateLimitNext(2, retryAfterSeconds: 20);
        var moved = await GenesysRig.DriveAsync(time, target.ActivateAsync(rig.Version(1, rig.OldCa), default));
        Assert.True(rig.Cloud.Trusts(rig.OldCa));
        Assert.Equal(2, rig.Logs.Lines.Count(l => l.StartsWith("3120 ", StringComparison.Ordinal) && l.Contains("answered 429", StringComparison.Ordinal) && l.Contains("in 20000 ms", StringComparison.Ordinal)));
        Assert.True(moved >= TimeSpan.FromSeconds(40), $"waited {moved} of fake time");
        NoSecretIn(rig);
    }

    [Fact]
    public async Task GenesysRateLimitBeyond180SecondsGivesUpTransientAndTrustStays()
    {
        await using var rig = await GenesysRig.StartAsync();
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var target = rig.Target(time);
        await target.ActivateAsync(rig.Version(1, rig.OldCa), default);
        rig.Cloud.RateLimitNext(100, retryAfterSeconds: 60);
        var e = await Assert.ThrowsAsync<RotorException>(() => GenesysRig.DriveAsync(time, target.StageAsync(rig.Version(2, rig.NewCaCert), default)));
        Assert.Equal(RotorReasons.GenesysRateLimited, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Equal(TimeSpan.FromSeconds(60), e.RetryAfter);
        Assert.Contains("Genesys Cloud answered 429: " + GenesysCloudEmulator.RateLimitedMessage, e.Message);
        // 60 + 60 + 60 s reach the 180 s limit; a fourth wait would pass it.
        Assert.Equal(3, rig.Logs.Lines.Count(l => l.StartsWith("3120 ", StringComparison.Ordinal)));
        Assert.True(rig.Cloud.Trusts(rig.OldCa));
        Assert.False(rig.Cloud.Trusts(rig.NewCaCert));
        NoSecretIn(rig, e.ToString());
    }

    [Fact]
    public async Task GenesysServerErrorsBackOff3And9And27SecondsThenSucceedOrGiveUp()
    {
        await using var rig = await GenesysRig.StartAsync();
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var target = rig.Target(time);
        rig.Cloud.FailNext(2, 503);
        await GenesysRig.DriveAsync(time, target.ActivateAsync(rig.Version(1, rig.OldCa), default));
        Assert.True(rig.Cloud.Trusts(rig.OldCa));
        var waits = rig.Logs.Lines.Where(l => l.StartsWith("3120 ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, waits.Count);
        Assert.Contains("in 3000 ms", waits[0]);
        Assert.Contains("in 9000 ms", waits[1]);

        rig.Cloud.FailNext(10, 502);
        var e = await Assert.ThrowsAsync<RotorException>(() => GenesysRig.DriveAsync(time, target.StageAsync(rig.Version(2, rig.NewCaCert), default)));
        Assert.Equal(RotorReasons.GenesysUnavailable, e.Reason);
        Assert.True(e.IsTransient);
        Assert.Contains($"Genesys Cloud answered 502: {GenesysCloudEmulator.UnavailableMessage} ({GenesysCloudEmulator.UnavailableCode}) (after 3 retries)", e.Message);
        Assert.Contains(rig.Logs.Lines, l => l.StartsWith("3120 ", StringComparison.Ordinal) && l.Contains("in 27000 ms", StringComparison.Ordinal));
        Assert.False(rig.Cloud.Trusts(rig.NewCaCert));
        Assert.True(rig.Cloud.Trusts(rig.OldCa));
        NoSecretIn(rig, e.ToString());
    }

    [Fact]
    public async Task GenesysTrunkStatusReadsConnectedAndInService()
    {
        await using var rig = await GenesysRig.StartAsync();
        rig.Cloud.SetTrunk("trunk-up", "BYOC SBC pair", connected: true, inService: true);
        rig.Cloud.SetTrunk("trunk-down", "BYOC SBC backup", connected: false, inService: true);
        var trunks = await rig.Target(trunks: ["trunk-up", "trunk-down", "trunk-gone"]).ReadTrunksAsync(default);
        Assert.Equal([true, false, false], trunks.Select(t => t.Healthy));
        Assert.Equal("trunk BYOC SBC backup: connected no, in service yes", trunks[1].Detail);
        Assert.Null(trunks[2].Connected);
        Assert.Contains("404", trunks[2].Detail);

        // The same readings, as the health gate gets them.
        var target = rig.Target(trunks: ["trunk-up", "trunk-down"]);
        Assert.True(target.HasHealthSignals);
        Assert.False(rig.Target().HasHealthSignals);
        var signals = await target.ReadHealthSignalsAsync(default);
        Assert.Equal([true, false], signals.Select(s => s.Healthy));
        Assert.Equal("genesysCloud target genesys", signals[1].Source);
    }
}
