using System.Globalization;
using Npgsql;
using Rotor.Core.Abstractions;

namespace Rotor.Storage.Postgres;

/// <summary>
/// Leases: one writer per certificate. A lease row names its holder, when it expires and a
/// fencing counter that grows each time the lease changes hands; every write of a certificate's
/// rows checks, inside its own transaction, that the writer's counter is still the lease's.
/// </summary>
public sealed partial class PostgresStore
{
    public async Task<long?> TryAcquireLeaseAsync(string resource, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        // One statement: two instances racing for a free lease meet on the primary key, and the loser's
        // ON CONFLICT sees the winner's row (not expired, another owner) and returns nothing.
        using var upsert = Command(c, null, """
            INSERT INTO leases(resource, owner, expires_at, fencing) VALUES(@r, @o, @u, 1)
            ON CONFLICT(resource) DO UPDATE SET owner = @o, expires_at = @u,
              fencing = CASE WHEN leases.owner = @o THEN leases.fencing ELSE leases.fencing + 1 END
            WHERE leases.owner = @o OR leases.expires_at <= @now
            RETURNING fencing
            """, ("@r", resource), ("@o", owner), ("@u", Ms(until)), ("@now", Ms(now)));
        var result = await upsert.ExecuteScalarAsync(cancellationToken);
        return result is null or DBNull ? null : Convert.ToInt64(result, CultureInfo.InvariantCulture);
    }

    public async Task<long?> TakeOverLeaseAsync(string resource, string deadOwner, string owner, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            UPDATE leases SET owner = @o, expires_at = @u, fencing = fencing + 1 WHERE resource = @r AND owner = @dead RETURNING fencing
            """, ("@r", resource), ("@o", owner), ("@u", Ms(until)), ("@dead", deadOwner));
        var result = await cmd.ExecuteScalarAsync(cancellationToken);
        return result is null or DBNull ? null : Convert.ToInt64(result, CultureInfo.InvariantCulture);
    }

    public async Task<LeaseHolder?> GetLeaseAsync(string resource, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT owner, expires_at, fencing FROM leases WHERE resource = @r", ("@r", resource));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new LeaseHolder(reader.GetString(0), FromMs(Int64(reader, 1)), Int64(reader, 2)) : null;
    }

    public async Task<IReadOnlyList<string>> ListLeaseOwnersAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT DISTINCT owner FROM leases WHERE expires_at > @now", ("@now", Ms(now)));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var owners = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) owners.Add(reader.GetString(0));
        return owners;
    }

    public async Task ExpireLeasesOfAsync(string deadOwner, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "UPDATE leases SET expires_at = 0 WHERE owner = @o", ("@o", deadOwner));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ReleaseLeaseAsync(string resource, string owner, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "DELETE FROM leases WHERE resource = @r AND owner = @o", ("@r", resource), ("@o", owner));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Begins a write transaction for <paramref name="certificate"/>'s rows, after checking that the
    /// current flow still holds its lease with the same fencing counter. The check reads the lease
    /// row FOR SHARE: a lease change (acquire, take-over, expiry, release) waits for this
    /// transaction's commit, so it cannot commit between the check and the write.
    /// </summary>
    private async Task<NpgsqlTransaction> BeginFencedAsync(NpgsqlConnection c, string certificate, CancellationToken cancellationToken)
    {
        var lease = LeaseScope.Require(certificate);
        var tx = await c.BeginTransactionAsync(cancellationToken);
        try
        {
            using var check = Command(c, tx, "SELECT owner, fencing FROM leases WHERE resource = @r FOR SHARE", ("@r", lease.Resource));
            await using var reader = await check.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new LeaseLostException(certificate, "the lease was released");
            }
            if (reader.GetString(0) != lease.Owner || Int64(reader, 1) != lease.Fencing)
            {
                throw new LeaseLostException(certificate, $"it is now held by {reader.GetString(0)} with fencing token {Int64(reader, 1)}, this writer's was {lease.Fencing}");
            }
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    /// <summary><see cref="BeginFencedAsync"/> for a write addressed by version id: the version must be the lease's certificate's.</summary>
    private async Task<NpgsqlTransaction> BeginFencedVersionAsync(NpgsqlConnection c, long versionId, CancellationToken cancellationToken)
    {
        var lease = LeaseScope.Current ?? throw new InvalidOperationException($"a write to version {versionId} outside any certificate lease");
        var tx = await BeginFencedAsync(c, lease.Certificate, cancellationToken);
        using var owner = Command(c, tx, "SELECT certificate FROM certificate_versions WHERE id = @id", ("@id", versionId));
        if (await owner.ExecuteScalarAsync(cancellationToken) is string certificate && certificate != lease.Certificate)
        {
            await tx.DisposeAsync();
            throw new InvalidOperationException($"a write to version {versionId} of certificate '{certificate}' under the lease of '{lease.Certificate}'");
        }
        return tx;
    }
}
