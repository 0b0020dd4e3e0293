using Microsoft.Data.Sqlite;
using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Support;

namespace Rotor.Tests.Storage;

public class SqliteStoreTests
{
    private static readonly DateTimeOffset Now = TestRotor.Start;

    private static StoredResource Cert(string name, string hash) => new("Certificate", name, 0, "{}", hash, "/tmp/m.yaml", Now);

    [Fact]
    public async Task Migrations_run_once_and_reopen_cleanly()
    {
        using var dir = new TempDir();
        var path = dir.Combine("rotor.db");
        await using (var store = await SqliteStore.OpenAsync(path, Now, default))
        {
            Assert.Equal(SqliteMigrations.Steps[^1].Version, store.SchemaVersion);
        }
        await using var again = await SqliteStore.OpenAsync(path, Now, default);
        Assert.Equal(SqliteMigrations.Steps[^1].Version, again.SchemaVersion);
        await using var c = new SqliteConnection($"Data Source={path}");
        await c.OpenAsync();
        using var count = c.CreateCommand();
        count.CommandText = "SELECT group_concat(version) FROM schema_migrations";
        Assert.Equal(string.Join(",", SqliteMigrations.Steps.Select(s => s.Version)), (string?)await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Apply_tracks_generation_and_makes_changed_certificates_due()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), Now, default);
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
    }

    [Fact]
    public async Task Due_list_is_ordered_and_bounded_and_earliest_due_is_known()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), Now, default);
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
        using var dir = new TempDir();
        var path = dir.Combine("rotor.db");
        await using var store = await SqliteStore.OpenAsync(path, Now, default);
        await store.AppendEventAsync(new EventRecord(0, Now, "Certificate", "a", EventType.Normal, "Issued", "v1"), default);
        await using var c = new SqliteConnection($"Data Source={path}");
        await c.OpenAsync();
        using var update = c.CreateCommand();
        update.CommandText = "UPDATE events SET message = 'x'";
        var e = await Assert.ThrowsAsync<SqliteException>(() => update.ExecuteNonQueryAsync());
        Assert.Contains("append-only", e.Message, StringComparison.Ordinal);
        using var delete = c.CreateCommand();
        delete.CommandText = "DELETE FROM events";
        await Assert.ThrowsAsync<SqliteException>(() => delete.ExecuteNonQueryAsync());
        Assert.Single(await store.ListEventsAsync(null, "a", 10, default));
    }

    [Fact]
    public async Task Versions_and_rotations_round_trip_and_referenced_keys_are_listed()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), Now, default);
        var id = await store.UnderLeaseAsync("a", async () =>
        {
            var id = (await store.AddVersionAsync(new CertificateVersion
            {
                Certificate = "a", Serial = "01", Sha256Fingerprint = "AB", ChainPem = "pem", KeyRef = "a-key", IssuedForJson = "{}",
                NotBefore = Now, NotAfter = Now.AddDays(1), State = VersionState.Issued, CreatedAt = Now,
            }, default)).Id;
            await store.SaveRotationAsync(new RotationRecord(id, "out", RotationState.Staged, null, Now), default);
            await store.SaveRotationAsync(new RotationRecord(id, "out", RotationState.Promoted, null, Now), default);
            return id;
        });
        await store.UnderLeaseAsync("b", () => store.SaveStatusAsync(new CertificateStatus { Name = "b", NextDueAt = Now, PendingKeyRef = "b-pending" }, default));
        Assert.Equal(RotationState.Promoted, Assert.Single(await store.ListRotationsAsync(id, default)).State);
        Assert.Equal(["a-key", "b-pending"], (await store.ListReferencedKeysAsync(default)).Order());
        await store.UnderLeaseAsync("a", () => store.SetVersionStateAsync(id, VersionState.Retired, default));
        Assert.Equal(["b-pending"], await store.ListReferencedKeysAsync(default));
    }

    private static CertificateVersion Version(string certificate, string serial) => new()
    {
        Certificate = certificate, Serial = serial, Sha256Fingerprint = serial, ChainPem = "pem", KeyRef = certificate + "-key", IssuedForJson = "{}",
        NotBefore = Now, NotAfter = Now.AddDays(1), State = VersionState.Issued, CreatedAt = Now,
    };

    [Fact]
    public async Task Versions_are_numbered_per_certificate_from_one_while_ids_stay_global()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), Now, default);
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
    public async Task A_store_from_before_per_certificate_numbers_numbers_its_versions_in_order_of_issue()
    {
        using var dir = new TempDir();
        var path = dir.Combine("rotor.db");
        // The schema as it was before step 6, with versions of two certificates interleaved (ids 1-5).
        await using (var c = new SqliteConnection($"Data Source={path}"))
        {
            await c.OpenAsync();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);" +
                string.Concat(SqliteMigrations.Steps.Where(s => s.Version < 6).Select(s => s.Sql + $";INSERT INTO schema_migrations VALUES({s.Version}, 'step {s.Version}', 0);")) +
                string.Concat(new[] { "a", "b", "b", "a", "b" }.Select((cert, i) =>
                    "INSERT INTO certificate_versions(certificate, generation, serial, fingerprint, not_before, not_after, chain_pem, intermediate_count, key_ref, state, issued_for, created_at) " +
                    $"VALUES('{cert}', 1, '0{i}', 'F{i}', 0, 1, 'pem', 0, 'k{i}', 'Retired', '{{}}', {i});"));
            await cmd.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();
        await using var store = await SqliteStore.OpenAsync(path, Now, default);
        Assert.Equal([(1L, 1L), (4L, 2L)], (await store.ListVersionsAsync("a", default)).Select(v => (v.Id, v.Number)));
        Assert.Equal([(2L, 1L), (3L, 2L), (5L, 3L)], (await store.ListVersionsAsync("b", default)).Select(v => (v.Id, v.Number)));
        var next = await store.UnderLeaseAsync("a", () => store.AddVersionAsync(Version("a", "09"), default));
        Assert.Equal(3, next.Number);
    }

    [Fact]
    public async Task Leases_are_exclusive_until_they_expire_and_fence_each_new_owner()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), Now, default);
        Assert.Equal(1, await store.TryAcquireLeaseAsync("a", "one", Now, Now.AddMinutes(1), default));
        Assert.Null(await store.TryAcquireLeaseAsync("a", "two", Now.AddSeconds(30), Now.AddMinutes(2), default));
        Assert.Equal(1, await store.TryAcquireLeaseAsync("a", "one", Now.AddSeconds(30), Now.AddMinutes(2), default));
        Assert.Equal(2, await store.TryAcquireLeaseAsync("a", "two", Now.AddMinutes(3), Now.AddMinutes(4), default));
    }

    [Fact]
    public async Task A_writer_whose_lease_was_taken_cannot_write_and_one_without_a_lease_is_refused()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), Now, default);
        var resource = Lease.ResourceOf("a");
        var first = await store.TryAcquireLeaseAsync(resource, "one", Now, Now.AddMinutes(1), default);
        var oldLease = new Lease("a", "one", first!.Value);
        using (LeaseScope.Enter(oldLease))
        {
            await store.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now, LastFailure = "by one" }, default);
        }

        // "one" stalls past its lease; "two" takes it (fencing token 2) and writes.
        var second = await store.TryAcquireLeaseAsync(resource, "two", Now.AddMinutes(2), Now.AddMinutes(3), default);
        Assert.Equal(first + 1, second);
        using (LeaseScope.Enter(new Lease("a", "two", second!.Value)))
        {
            await store.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now, LastFailure = "by two" }, default);
        }

        // "one" wakes up and writes with its old token: every kind of write is refused, nothing changes.
        using (LeaseScope.Enter(oldLease))
        {
            await Assert.ThrowsAsync<LeaseLostException>(() => store.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now, LastFailure = "by one, late" }, default));
            await Assert.ThrowsAsync<LeaseLostException>(() => store.SaveIssuerStateAsync("a", "{}", default));
            await Assert.ThrowsAsync<LeaseLostException>(() => store.AddVersionAsync(new CertificateVersion
            {
                Certificate = "a", Serial = "02", Sha256Fingerprint = "CD", ChainPem = "pem", KeyRef = "a-late", IssuedForJson = "{}",
                NotBefore = Now, NotAfter = Now.AddDays(1), State = VersionState.Issued, CreatedAt = Now,
            }, default));
            await Assert.ThrowsAsync<LeaseLostException>(() => store.RecordKeyIntentAsync("a-late", "a", Now, default));
        }
        Assert.Equal("by two", (await store.GetStatusAsync("a", default))!.LastFailure);
        Assert.Empty(await store.ListVersionsAsync("a", default));
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
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.Combine("rotor.db"), Now, default);
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
