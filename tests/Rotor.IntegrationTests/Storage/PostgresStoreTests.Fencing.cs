using Npgsql;
using Rotor.Core.Abstractions;
using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Storage;

/// <summary>What only a shared server shows: a lease change and a fenced write meet on the lease row's lock.</summary>
public sealed partial class PostgresStoreTests
{
    private async Task<long> SessionsWaitingForALockAsync()
    {
        await using var c = new NpgsqlConnection(_database!.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", c);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_fenced_write_waits_for_a_lease_change_in_flight_and_is_then_refused()
    {
        if (await OpenAsync() is not { } store) return;
        var resource = Lease.ResourceOf("a");
        var fencing = (await store.TryAcquireLeaseAsync(resource, "one", Now, Now.AddMinutes(1), default))!.Value;

        // Another instance is taking the lease over: its update is made, not yet committed.
        await using var other = new NpgsqlConnection(_database!.ConnectionString);
        await other.OpenAsync();
        await using var takeOver = await other.BeginTransactionAsync();
        await using (var update = new NpgsqlCommand("UPDATE leases SET owner = 'two', fencing = fencing + 1 WHERE resource = @r", other, takeOver))
        {
            update.Parameters.AddWithValue("r", resource);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        // "one" writes with its token. Reading the committed lease row alone would pass the check
        // and write beside the new holder; the check's row lock makes it wait for the take-over.
        Task write;
        using (LeaseScope.Enter(new Lease("a", "one", fencing)))
        {
            write = store.SaveStatusAsync(new CertificateStatus { Name = "a", NextDueAt = Now, LastFailure = "by one, late" }, default);
        }
        await Wait.UntilAsync(() => SessionsWaitingForALockAsync().GetAwaiter().GetResult() == 1, TimeSpan.FromSeconds(20), () => "the fenced write waiting on the lease row");
        Assert.False(write.IsCompleted);
        await takeOver.CommitAsync();

        var lost = await Assert.ThrowsAsync<LeaseLostException>(() => write);
        Assert.Contains("held by two", lost.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetStatusAsync("a", default));
    }
}
