using System.Data.Common;
using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;
using Rotor.Storage;
using Rotor.Tests.Support;

namespace Rotor.Tests.Storage;

/// <summary>
/// What every Rotor store must do, whichever database it is on. Each store's tests derive from
/// this class and say how to open a fresh store (<see cref="OpenAsync"/>: every call during one
/// test opens the same database again, as a second Rotor instance or a restart would) and how to
/// run raw SQL on it. xUnit makes one instance per test, so each test starts on an empty store.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private readonly List<IRotorStore> _opened = [];

    /// <summary>Opens (and migrates) this test's database; null when the database server is unavailable here (the test then ends early).</summary>
    protected abstract Task<IRotorStore?> OpenStoreAsync(DateTimeOffset now);

    /// <summary>Runs one statement on this test's database outside the store.</summary>
    protected abstract Task ExecuteAsync(string sql);

    /// <summary>The versions recorded in schema_migrations, in order.</summary>
    protected abstract Task<IReadOnlyList<long>> RecordedMigrationsAsync();

    /// <summary>The store's own migration steps (numbers and descriptions).</summary>
    protected abstract IReadOnlyList<(int Version, string Name, string Sql)> MigrationSteps { get; }

    protected async Task<IRotorStore?> OpenAsync(DateTimeOffset? now = null)
    {
        var store = await OpenStoreAsync(now ?? Now);
        if (store is not null) _opened.Add(store);
        return store;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _opened) await store.DisposeAsync();
    }

    protected static StoredResource Cert(string name, string hash) => new("Certificate", name, 0, "{}", hash, "/tmp/m.yaml", Now);

    protected static CertificateVersion Version(string certificate, string serial) => new()
    {
        Certificate = certificate, Serial = serial, Sha256Fingerprint = serial, ChainPem = "pem", KeyRef = certificate + "-key", IssuedForJson = "{}",
        NotBefore = Now, NotAfter = Now.AddDays(1), State = VersionState.Issued, CreatedAt = Now,
    };

    [Fact]
    public async Task Migrations_run_once_and_reopen_cleanly()
    {
        if (await OpenAsync() is not { } store) return;
        Assert.Equal(MigrationSteps[^1].Version, store.SchemaVersion);
        Assert.Equal(MigrationSteps.Select(s => (s.Version, s.Name)), store.Applied);
        var again = (await OpenAsync())!;
        Assert.Equal(MigrationSteps[^1].Version, again.SchemaVersion);
        Assert.Empty(again.Applied);
        Assert.Equal(MigrationSteps.Select(s => (long)s.Version), await RecordedMigrationsAsync());
    }

    [Fact]
    public async Task Two_instances_starting_at_once_migrate_once()
    {
        var opened = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => OpenAsync()));
        if (opened[0] is null) return;
        Assert.Equal(MigrationSteps.Count, opened.Sum(s => s!.Applied.Count));
        Assert.All(opened, s => Assert.Equal(MigrationSteps[^1].Version, s!.SchemaVersion));
        Assert.Equal(MigrationSteps.Select(s => (long)s.Version), await RecordedMigrationsAsync());
    }

    [Fact]
    public async Task Apply_tracks_generation_and_makes_changed_certificates_due()
    {
        if (await OpenAsync() is not { } store) return;
        var first = await store.ApplyAsync([Cert("a", "h1")], Now, default);
        Assert.Equal(ApplyOutcome.Created, first[0].Outcome);
        Assert.Equal(1, first[0].Resource.Generation);

        await store.UnderLeaseAsync("a", () => store.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now.AddDays(30), Failures = 3 }, default));
        var same = await store.ApplyAsync([Cert("a", "h1")], Now.AddHours(1), default);
        Assert.Equal(ApplyOutcome.Unchanged, same[0].Outcome);
        Assert.Empty(await store.ListDueAsync(Now.AddHours(1), 10, default));

        var changed = await store.ApplyAsync([Cert("a", "h2")], Now.AddHours(2), default);
        Assert.Equal(ApplyOutcome.Configured, changed[0].Outcome);
        Assert.Equal(2, changed[0].Resource.Generation);
        Assert.Equal(["a"], await store.ListDueAsync(Now.AddHours(2), 10, default));
        Assert.Equal(0, (await store.GetStatusAsync("a", default))!.Failures);
        Assert.False(await store.IsEmptyAsync(default));
    }

    [Fact]
    public async Task Conditional_writes_hold_only_when_the_resource_is_as_read()
    {
        if (await OpenAsync() is not { } store) return;
        Assert.True(await store.IsEmptyAsync(default));
        Assert.NotNull(await store.ApplyIfAsync(Cert("a", "h1"), new WriteCondition.Absent(), Now, default));
        Assert.Null(await store.ApplyIfAsync(Cert("a", "h2"), new WriteCondition.Absent(), Now, default));
        Assert.Null(await store.ApplyIfAsync(Cert("a", "h2"), new WriteCondition.Version(2, "h1"), Now, default));
        var (updated, outcome) = (await store.ApplyIfAsync(Cert("a", "h2"), new WriteCondition.Version(1, "h1"), Now, default))!.Value;
        Assert.Equal((2L, ApplyOutcome.Configured), (updated.Generation, outcome));
        Assert.False(await store.DeleteIfAsync("Certificate", "a", new WriteCondition.Version(1, "h1"), default));
        Assert.True(await store.DeleteIfAsync("Certificate", "a", new WriteCondition.Version(2, "h2"), default));
        Assert.Null(await store.GetStatusAsync("a", default));
    }

    [Fact]
    public async Task Two_creators_of_one_name_at_once_create_it_once()
    {
        if (await OpenAsync() is not { } one || await OpenAsync() is not { } two) return;
        for (var round = 0; round < 10; round++)
        {
            var name = $"race-{round}";
            var results = await Task.WhenAll(
                Task.Run(() => one.ApplyIfAsync(Cert(name, "one"), new WriteCondition.Absent(), Now, default)),
                Task.Run(() => two.ApplyIfAsync(Cert(name, "two"), new WriteCondition.Absent(), Now, default)));
            var winner = Assert.Single(results, r => r is not null);
            Assert.Equal(winner!.Value.Resource.SpecHash, (await one.GetResourceAsync("Certificate", name, default))!.SpecHash);
        }
    }

    [Fact]
    public async Task Due_list_is_ordered_and_bounded_and_earliest_due_is_known()
    {
        if (await OpenAsync() is not { } store) return;
        for (var i = 0; i < 5; i++)
        {
            var name = $"c{i}";
            await store.UnderLeaseAsync(name, () => store.SaveStatusAsync(new CertificateStatus { Name = name, NextDueAt = Now.AddMinutes(10 - i) }, default));
        }
        Assert.Equal(["c4", "c3", "c2"], await store.ListDueAsync(Now.AddMinutes(8), 10, default));
        Assert.Equal(["c4"], await store.ListDueAsync(Now.AddMinutes(8), 1, default));
        Assert.Equal(Now.AddMinutes(6), await store.GetEarliestDueAsync(Now, default));
    }

    [Fact]
    public async Task Events_are_append_only()
    {
        if (await OpenAsync() is not { } store) return;
        await store.AppendEventAsync(new EventRecord(0, Now, "Certificate", "a", EventType.Normal, "Issued", "v1"), default);
        await store.AppendEventAsync(new EventRecord(0, Now, "Certificate", "b", EventType.Warning, "Failed", "v2"), default);
        var update = await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync("UPDATE events SET message = 'x'"));
        Assert.Contains("append-only", update.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync("DELETE FROM events"));
        var a = Assert.Single(await store.ListEventsAsync(null, "a", 10, default));
        Assert.Equal(("v1", EventType.Normal, Now), (a.Message, a.Type, a.At));
        Assert.Equal(["v1", "v2"], (await store.ListEventsAsync(null, null, 10, default)).Select(e => e.Message));
        Assert.Equal(["v2"], (await store.ListEventsAsync(null, null, 1, default)).Select(e => e.Message));
        var queried = await store.QueryEventsAsync(new EventQuery(null, 10) { Type = EventType.Warning }, default);
        Assert.Equal("b", Assert.Single(queried).Name);
    }

    [Fact]
    public async Task Versions_and_rotations_round_trip_and_referenced_keys_are_listed()
    {
        if (await OpenAsync() is not { } store) return;
        var id = await store.UnderLeaseAsync("a", async () =>
        {
            var id = (await store.AddVersionAsync(Version("a", "01") with { KeyRef = "a-key" }, default)).Id;
            await store.SaveRotationAsync(new RotationRecord(id, "out", RotationState.Staged, null, Now), default);
            await store.SaveRotationAsync(new RotationRecord(id, "out", RotationState.Promoted, "done", Now), default);
            return id;
        });
        await store.UnderLeaseAsync("b", () => store.SaveStatusAsync(new CertificateStatus { Name = "b", NextDueAt = Now, PendingKeyRef = "b-pending" }, default));
        var rotation = Assert.Single(await store.ListRotationsAsync(id, default));
        Assert.Equal((RotationState.Promoted, "done"), (rotation.State, rotation.Detail));
        Assert.Equal(["a-key", "b-pending"], (await store.ListReferencedKeysAsync(default)).Order());
        await store.UnderLeaseAsync("a", () => store.SetVersionStateAsync(id, VersionState.Retired, default));
        Assert.Equal(["b-pending"], await store.ListReferencedKeysAsync(default));
        var stored = (await store.GetVersionAsync(id, default))!;
        Assert.Equal((VersionState.Retired, Now, "pem"), (stored.State, stored.NotBefore, stored.ChainPem));
    }

    [Fact]
    public async Task Versions_are_numbered_per_certificate_from_one_while_ids_stay_global()
    {
        if (await OpenAsync() is not { } store) return;
        var a1 = await store.UnderLeaseAsync("a", () => store.AddVersionAsync(Version("a", "01"), default));
        var b1 = await store.UnderLeaseAsync("b", () => store.AddVersionAsync(Version("b", "02"), default));
        var a2 = await store.UnderLeaseAsync("a", () => store.AddVersionAsync(Version("a", "03"), default));
        var b2 = await store.UnderLeaseAsync("b", () => store.AddVersionAsync(Version("b", "04"), default));
        Assert.Equal([1L, 1L, 2L, 2L], [a1.Number, b1.Number, a2.Number, b2.Number]);
        Assert.Equal(4, new[] { a1.Id, b1.Id, a2.Id, b2.Id }.Distinct().Count());
        Assert.Equal([1L, 2L], (await store.ListVersionsAsync("b", default)).Select(v => v.Number));
        Assert.Equal(2, (await store.GetVersionAsync(a2.Id, default))!.Number);
    }

    [Fact]
    public async Task Status_issuer_state_and_key_intents_round_trip()
    {
        if (await OpenAsync() is not { } store) return;
        var status = new CertificateStatus
        {
            Name = "a", NextDueAt = Now.AddDays(1), Failures = 2, LastFailure = "x", RenewRequested = true, PendingKeyRef = "k",
            CurrentVersionId = 7, Issuer = "ca", NotAfter = Now.AddDays(90), RenewalAt = Now.AddDays(60), Ready = true, RenewNow = true,
        };
        await store.UnderLeaseAsync("a", async () =>
        {
            await store.SaveStatusAsync(status, default);
            await store.SaveIssuerStateAsync("a", "{\"tx\":1}", default);
            await store.RecordKeyIntentAsync("k", "a", Now, default);
        });
        Assert.Equal(status with { IssuerState = "{\"tx\":1}" }, await store.GetStatusAsync("a", default));
        Assert.Equal(new Dictionary<string, string> { ["k"] = "a" }, await store.ListKeyIntentsAsync(default));
        await store.UnderLeaseAsync("a", () => store.ForgetKeyIntentAsync("k", "a", default));
        Assert.Empty(await store.ListKeyIntentsAsync(default));
        await store.SetMetaAsync("m", "1", default);
        await store.SetMetaAsync("m", "2", default);
        Assert.Equal("2", await store.GetMetaAsync("m", default));
        Assert.Null(await store.GetMetaAsync("none", default));
    }
}
