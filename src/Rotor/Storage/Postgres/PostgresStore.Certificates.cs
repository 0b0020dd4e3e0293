using System.Globalization;
using Npgsql;
using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore
{
    private const string StatusColumns =
        "name, next_due_at, failures, last_failure, renew_requested, pending_key_ref, current_version_id, issuer, not_after, renewal_at, ready, renew_now";

    // Read with the status; written only by SaveIssuerStateAsync.
    private const string ReadStatusColumns = StatusColumns + ", issuer_state";

    public async Task<CertificateStatus?> GetStatusAsync(string name, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"SELECT {ReadStatusColumns} FROM certificate_status WHERE name = @n", ("@n", name));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadStatus(reader) : null;
    }

    public async Task<IReadOnlyList<CertificateStatus>> ListStatusesAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"SELECT {ReadStatusColumns} FROM certificate_status ORDER BY name");
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<CertificateStatus>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadStatus(reader));
        }
        return list;
    }

    public async Task SaveStatusAsync(CertificateStatus s, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await BeginFencedAsync(c, s.Name, cancellationToken);
        using var cmd = Command(c, tx, $"""
            INSERT INTO certificate_status({StatusColumns})
            VALUES(@n, @due, @f, @lf, @rr, @pk, @cv, @is, @na, @ra, @rd, @now)
            ON CONFLICT(name) DO UPDATE SET next_due_at = @due, failures = @f, last_failure = @lf, renew_requested = @rr,
              pending_key_ref = @pk, current_version_id = @cv, issuer = @is, not_after = @na, renewal_at = @ra, ready = @rd,
              renew_now = @now
            """,
            ("@n", s.Name), ("@due", Ms(s.NextDueAt)), ("@f", s.Failures), ("@lf", s.LastFailure), ("@rr", s.RenewRequested ? 1 : 0),
            ("@pk", s.PendingKeyRef), ("@cv", s.CurrentVersionId), ("@is", s.Issuer),
            ("@na", s.NotAfter is { } na ? Ms(na) : null), ("@ra", s.RenewalAt is { } ra ? Ms(ra) : null), ("@rd", s.Ready ? 1 : 0),
            ("@now", s.RenewNow ? 1 : 0));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        // A certificate another instance (or process) is working on is not due here: it would
        // only wait for the lease. Its holder writes the next due time when it is done.
        using var cmd = Command(c, null, $"""
            SELECT name FROM certificate_status s WHERE next_due_at <= @now AND NOT {LeasedNow} ORDER BY next_due_at LIMIT @l
            """, ("@now", Ms(now)), ("@l", limit));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(reader.GetString(0));
        }
        return list;
    }

    public async Task<DateTimeOffset?> GetEarliestDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        // The first certificate in due order that nobody holds (an index walk that stops at once
        // unless leases are held), or the end of a held lease, when that comes sooner.
        using var cmd = Command(c, null, $"""
            SELECT MIN(t) FROM (
              SELECT * FROM (SELECT next_due_at AS t FROM certificate_status s WHERE NOT {LeasedNow} ORDER BY next_due_at LIMIT 1) due
              UNION ALL SELECT MIN(expires_at) FROM leases WHERE resource LIKE 'certificate/%' AND expires_at > @now) times
            """, ("@now", Ms(now)));
        return FromMs(await cmd.ExecuteScalarAsync(cancellationToken) ?? DBNull.Value);
    }

    /// <summary>SQL: certificate_status row <c>s</c> has a lease that has not expired at <c>@now</c>.</summary>
    private const string LeasedNow = "EXISTS (SELECT 1 FROM leases l WHERE l.resource = 'certificate/' || s.name AND l.expires_at > @now)";

    private static CertificateStatus ReadStatus(NpgsqlDataReader r, int o = 0) => new()
    {
        Name = r.GetString(o),
        NextDueAt = FromMs(Int64(r, o + 1)),
        Failures = Int32(r, o + 2),
        LastFailure = r.IsDBNull(o + 3) ? null : r.GetString(o + 3),
        RenewRequested = Int64(r, o + 4) != 0,
        PendingKeyRef = r.IsDBNull(o + 5) ? null : r.GetString(o + 5),
        CurrentVersionId = r.IsDBNull(o + 6) ? null : Int64(r, o + 6),
        Issuer = r.IsDBNull(o + 7) ? null : r.GetString(o + 7),
        NotAfter = FromMs(r.GetValue(o + 8)),
        RenewalAt = FromMs(r.GetValue(o + 9)),
        Ready = Int64(r, o + 10) != 0,
        RenewNow = Int64(r, o + 11) != 0,
        IssuerState = r.IsDBNull(o + 12) ? null : r.GetString(o + 12),
    };

    public async Task SaveIssuerStateAsync(string name, string? issuerStateJson, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await BeginFencedAsync(c, name, cancellationToken);
        using var cmd = Command(c, tx, """
            INSERT INTO certificate_status(name, next_due_at, issuer_state) VALUES(@n, 0, @s)
            ON CONFLICT(name) DO UPDATE SET issuer_state = @s
            """, ("@n", name), ("@s", issuerStateJson));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    private const string VersionColumns =
        "id, certificate, generation, serial, fingerprint, not_before, not_after, chain_pem, intermediate_count, key_ref, state, issued_for, created_at, number";

    public async Task<CertificateVersion> AddVersionAsync(CertificateVersion v, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await BeginFencedAsync(c, v.Certificate, cancellationToken);
        // The next number of this certificate, in the same transaction as the insert (the lease
        // makes it the only writer; the unique index would refuse a second version with that number).
        using var cmd = Command(c, tx, """
            INSERT INTO certificate_versions(certificate, generation, serial, fingerprint, not_before, not_after, chain_pem, intermediate_count, key_ref, state, issued_for, created_at, number)
            VALUES(@c, @g, @s, @fp, @nb, @na, @pem, @ic, @k, @st, @if, @t,
              (SELECT COALESCE(MAX(number), 0) + 1 FROM certificate_versions WHERE certificate = @c)) RETURNING id, number
            """,
            ("@c", v.Certificate), ("@g", v.Generation), ("@s", v.Serial), ("@fp", v.Sha256Fingerprint), ("@nb", Ms(v.NotBefore)), ("@na", Ms(v.NotAfter)),
            ("@pem", v.ChainPem), ("@ic", v.IntermediateCount), ("@k", v.KeyRef), ("@st", v.State.ToString()), ("@if", v.IssuedForJson), ("@t", Ms(v.CreatedAt)));
        CertificateVersion stored;
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            stored = v with { Id = Int64(reader, 0), Number = Int64(reader, 1) };
        }
        await tx.CommitAsync(cancellationToken);
        return stored;
    }

    public async Task SetVersionStateAsync(long id, VersionState state, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await BeginFencedVersionAsync(c, id, cancellationToken);
        using var cmd = Command(c, tx, "UPDATE certificate_versions SET state = @s WHERE id = @id", ("@s", state.ToString()), ("@id", id));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<CertificateVersion?> GetVersionAsync(long id, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"SELECT {VersionColumns} FROM certificate_versions WHERE id = @id", ("@id", id));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadVersion(reader) : null;
    }

    public async Task<IReadOnlyList<CertificateVersion>> ListVersionsAsync(string certificate, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"SELECT {VersionColumns} FROM certificate_versions WHERE certificate = @c ORDER BY id", ("@c", certificate));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<CertificateVersion>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadVersion(reader));
        }
        return list;
    }

    public async Task<IReadOnlySet<string>> ListReferencedKeysAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"""
            SELECT key_ref FROM certificate_versions WHERE state NOT IN ('{nameof(VersionState.Failed)}', '{nameof(VersionState.Retired)}')
            UNION SELECT pending_key_ref FROM certificate_status WHERE pending_key_ref IS NOT NULL
            """);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            set.Add(reader.GetString(0));
        }
        return set;
    }

    private static CertificateVersion ReadVersion(NpgsqlDataReader r) => new()
    {
        Id = Int64(r, 0),
        Certificate = r.GetString(1),
        Generation = Int64(r, 2),
        Serial = r.GetString(3),
        Sha256Fingerprint = r.GetString(4),
        NotBefore = FromMs(Int64(r, 5)),
        NotAfter = FromMs(Int64(r, 6)),
        ChainPem = r.GetString(7),
        IntermediateCount = Int32(r, 8),
        KeyRef = r.GetString(9),
        State = Enum.Parse<VersionState>(r.GetString(10)),
        IssuedForJson = r.GetString(11),
        CreatedAt = FromMs(Int64(r, 12)),
        Number = Int64(r, 13),
    };

    public async Task SaveRotationAsync(RotationRecord rotation, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await BeginFencedVersionAsync(c, rotation.VersionId, cancellationToken);
        using var cmd = Command(c, tx, """
            INSERT INTO rotations(version_id, target, state, detail, updated_at, progress) VALUES(@v, @t, @s, @d, @u, @p)
            ON CONFLICT(version_id, target) DO UPDATE SET state = @s, detail = @d, updated_at = @u, progress = @p
            """, ("@v", rotation.VersionId), ("@t", rotation.Target), ("@s", rotation.State.ToString()), ("@d", rotation.Detail), ("@u", Ms(rotation.UpdatedAt)),
            ("@p", System.Text.Json.JsonSerializer.Serialize(rotation.Progress, RotorJsonContext.Default.RotationProgress)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RotationRecord>> ListRotationsAsync(long versionId, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT version_id, target, state, detail, updated_at, progress FROM rotations WHERE version_id = @v ORDER BY target", ("@v", versionId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<RotationRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new RotationRecord(Int64(reader, 0), reader.GetString(1), Enum.Parse<RotationState>(reader.GetString(2)),
                reader.IsDBNull(3) ? null : reader.GetString(3), FromMs(Int64(reader, 4)))
            {
                Progress = reader.IsDBNull(5) ? new RotationProgress() : System.Text.Json.JsonSerializer.Deserialize(reader.GetString(5), RotorJsonContext.Default.RotationProgress)!,
            });
        }
        return list;
    }

    public async Task AppendEventAsync(EventRecord e, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "INSERT INTO events(at, kind, name, type, reason, message) VALUES(@a, @k, @n, @t, @r, @m)",
            ("@a", Ms(e.At)), ("@k", e.Kind), ("@n", e.Name), ("@t", e.Type.ToString()), ("@r", e.Reason), ("@m", e.Message));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<EventRecord>> ListEventsAsync(string? kind, string? name, int limit, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            SELECT id, at, kind, name, type, reason, message FROM (
              SELECT * FROM events WHERE (@k::text IS NULL OR kind = @k) AND (@n::text IS NULL OR name = @n) ORDER BY id DESC LIMIT @l) latest
            ORDER BY id
            """, ("@k", kind), ("@n", name), ("@l", limit));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<EventRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new EventRecord(Int64(reader, 0), FromMs(Int64(reader, 1)), reader.GetString(2), reader.GetString(3),
                Enum.Parse<EventType>(reader.GetString(4)), reader.GetString(5), reader.GetString(6)));
        }
        return list;
    }
}
