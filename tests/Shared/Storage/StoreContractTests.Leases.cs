using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;
using Rotor.Tests.Support;

namespace Rotor.Tests.Storage;

/// <summary>Leases: one writer per certificate, and the fencing counter that refuses a writer whose lease moved.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task Leases_are_exclusive_until_they_expire_and_fence_each_new_owner()
    {
        if (await OpenAsync() is not { } store) return;
        Assert.Equal(1, await store.TryAcquireLeaseAsync("a", "one", Now, Now.AddMinutes(1), default));
        Assert.Null(await store.TryAcquireLeaseAsync("a", "two", Now.AddSeconds(30), Now.AddMinutes(2), default));
        Assert.Equal(1, await store.TryAcquireLeaseAsync("a", "one", Now.AddSeconds(30), Now.AddMinutes(2), default));
        Assert.Equal(2, await store.TryAcquireLeaseAsync("a", "two", Now.AddMinutes(3), Now.AddMinutes(4), default));
        Assert.Equal(new LeaseHolder("two", Now.AddMinutes(4), 2), await store.GetLeaseAsync("a", default));
        Assert.Equal(["two"], await store.ListLeaseOwnersAsync(Now.AddMinutes(3), default));

        // A dead owner's leases: taken over at once, or expired (the counter stays, so the next holder's is higher).
        Assert.Equal(3, await store.TakeOverLeaseAsync("a", "two", "three", Now.AddMinutes(5), default));
        Assert.Null(await store.TakeOverLeaseAsync("a", "two", "four", Now.AddMinutes(5), default));
        await store.ExpireLeasesOfAsync("three", default);
        Assert.Empty(await store.ListLeaseOwnersAsync(Now, default));
        Assert.Equal(4, await store.TryAcquireLeaseAsync("a", "four", Now, Now.AddMinutes(1), default));
        await store.ReleaseLeaseAsync("a", "someone-else", default);
        Assert.NotNull(await store.GetLeaseAsync("a", default));
        await store.ReleaseLeaseAsync("a", "four", default);
        Assert.Null(await store.GetLeaseAsync("a", default));
    }

    [Fact]
    public async Task Instances_racing_for_one_certificate_lease_let_exactly_one_win()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OpenAsync()));
        if (stores[0] is null) return;
        for (var round = 0; round < 20; round++)
        {
            var resource = Lease.ResourceOf($"race-{round}");
            using var start = new ManualResetEventSlim();
            var attempts = stores.Select((s, i) => Task.Run(async () =>
            {
                start.Wait();
                return (Owner: $"instance-{i}", Fencing: await s!.TryAcquireLeaseAsync(resource, $"instance-{i}", Now, Now.AddMinutes(1), default));
            })).ToArray();
            start.Set();
            var results = await Task.WhenAll(attempts);
            var winner = Assert.Single(results, r => r.Fencing is not null);
            Assert.Equal(1, winner.Fencing);
            Assert.Equal(winner.Owner, (await stores[0]!.GetLeaseAsync(resource, default))!.Owner);
        }
    }

    [Fact]
    public async Task A_writer_whose_lease_was_taken_cannot_write_and_one_without_a_lease_is_refused()
    {
        if (await OpenAsync() is not { } store || await OpenAsync() is not { } other) return;
        var resource = Lease.ResourceOf("a");
        var first = await store.TryAcquireLeaseAsync(resource, "one", Now, Now.AddMinutes(1), default);
        var oldLease = new Lease("a", "one", first!.Value);
        long versionId;
        using (LeaseScope.Enter(oldLease))
        {
            await store.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now, LastFailure = "by one" }, default);
            versionId = (await store.AddVersionAsync(Version("a", "01"), default)).Id;
        }

        // "one" stalls past its lease; "two", another instance, takes it (fencing token 2) and writes.
        var second = await other.TryAcquireLeaseAsync(resource, "two", Now.AddMinutes(2), Now.AddMinutes(3), default);
        Assert.Equal(first + 1, second);
        using (LeaseScope.Enter(new Lease("a", "two", second!.Value)))
        {
            await other.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now, LastFailure = "by two" }, default);
        }

        // "one" wakes up and writes with its old token: every kind of write is refused, nothing changes.
        using (LeaseScope.Enter(oldLease))
        {
            await Assert.ThrowsAsync<LeaseLostException>(() => store.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now, LastFailure = "by one, late" }, default));
            await Assert.ThrowsAsync<LeaseLostException>(() => store.SaveIssuerStateAsync("a", "{}", default));
            await Assert.ThrowsAsync<LeaseLostException>(() => store.AddVersionAsync(Version("a", "02"), default));
            await Assert.ThrowsAsync<LeaseLostException>(() => store.SetVersionStateAsync(versionId, VersionState.Failed, default));
            await Assert.ThrowsAsync<LeaseLostException>(() => store.SaveRotationAsync(new RotationRecord(versionId, "out", RotationState.Staged, null, Now), default));
            await Assert.ThrowsAsync<LeaseLostException>(() => store.RecordKeyIntentAsync("a-late", "a", Now, default));
        }
        Assert.Equal("by two", (await store.GetStatusAsync("a", default))!.LastFailure);
        Assert.Equal(VersionState.Issued, Assert.Single(await store.ListVersionsAsync("a", default)).State);
        Assert.Empty(await store.ListRotationsAsync(versionId, default));
        Assert.Empty(await store.ListKeyIntentsAsync(default));

        // Without any lease, or under another certificate's, a write is a bug and refused.
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now }, default));
        using (LeaseScope.Enter(new Lease("b", "two", 1)))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now }, default));
        }
    }

    [Fact]
    public async Task A_certificate_someone_holds_is_not_due_here_and_its_lease_end_is_the_next_wake()
    {
        if (await OpenAsync() is not { } store) return;
        foreach (var name in new[] { "a", "b" })
        {
            await store.UnderLeaseAsync(name, () => store.SaveStatusAsync(new CertificateStatus { Name = name, NextDueAt = Now.AddMinutes(-1) }, default));
        }
        await store.TryAcquireLeaseAsync(Lease.ResourceOf("a"), "other", Now, Now.AddSeconds(60), default);
        Assert.Equal(["b"], await store.ListDueAsync(Now, 10, default));
        await store.UnderLeaseAsync("b", () => store.SaveStatusAsync(new CertificateStatus { Name = "b", NextDueAt = Now.AddHours(1) }, default));
        Assert.Empty(await store.ListDueAsync(Now, 10, default));
        Assert.Equal(Now.AddSeconds(60), await store.GetEarliestDueAsync(Now, default));
        // Once the holder's lease has expired, the certificate is due again.
        Assert.Equal(["a"], await store.ListDueAsync(Now.AddSeconds(61), 10, default));
    }
}
