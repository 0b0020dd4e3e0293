using System.Text;
using Npgsql;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore : IQueryStore
{
    private const string ResourceColumns = "r.kind, r.name, r.generation, r.spec_json, r.spec_hash, r.source_file, r.updated_at";

    public async Task<IReadOnlyList<CertificateRow>> ListCertificatePageAsync(CertificateQuery q, CancellationToken cancellationToken)
    {
        // Walks the resources primary key (kind, name) from the cursor on; filters are checked on
        // the way, so a page costs its rows (plus the ones a filter skips), never the fleet.
        var sql = new StringBuilder($"""
            SELECT {ResourceColumns}, {string.Join(", ", ReadStatusColumns.Split(", ").Select(col => "s." + col))}
            FROM resources r LEFT JOIN certificate_status s ON s.name = r.name
            WHERE r.kind = 'Certificate'
            """);
        // The cursor as a plain range on the key (never "@after IS NULL OR ..."), so PostgreSQL seeks to it
        // instead of walking every name before it.
        if (q.After is not null) sql.Append(" AND r.name > @after");
        if (q.NameContains is not null) sql.Append(" AND strpos(r.name, @q) > 0");
        if (q.Issuer is not null) sql.Append(" AND (r.spec_json::jsonb ->> 'issuerRef') = @issuer");
        if (q.ExpiresBefore is not null) sql.Append(" AND s.not_after IS NOT NULL AND s.not_after < @before");
        sql.Append(q.State switch
        {
            CertificateState.Ready => " AND s.ready = 1 AND s.last_failure IS NULL",
            CertificateState.Failing => " AND s.last_failure IS NOT NULL",
            CertificateState.Pending => " AND COALESCE(s.ready, 0) = 0 AND s.last_failure IS NULL",
            _ => "",
        });
        sql.Append(" ORDER BY r.name LIMIT @limit");
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, sql.ToString(), ("@after", q.After), ("@q", q.NameContains), ("@issuer", q.Issuer),
            ("@before", q.ExpiresBefore is { } b ? Ms(b) : null), ("@limit", q.Limit));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var rows = new List<CertificateRow>();
        while (await r.ReadAsync(cancellationToken))
        {
            rows.Add(new CertificateRow(ReadResource(r), r.IsDBNull(7) ? null : ReadStatus(r, 7)));
        }
        return rows;
    }

    public async Task<IReadOnlyList<StoredResource>> ListResourcePageAsync(string kind, string? after, int limit, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"SELECT {ResourceColumns} FROM resources r WHERE r.kind = @k{(after is null ? "" : " AND r.name > @after")} ORDER BY r.name LIMIT @l",
            ("@k", kind), ("@after", after), ("@l", limit));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredResource>();
        while (await r.ReadAsync(cancellationToken)) list.Add(ReadResource(r));
        return list;
    }

    public async Task<int> CountResourcesAsync(string kind, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT COUNT(*) FROM resources WHERE kind = @k", ("@k", kind));
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<EventRecord>> QueryEventsAsync(EventQuery q, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"""
            SELECT id, at, kind, name, type, reason, message FROM events
            WHERE {(q.BeforeId is null ? "TRUE" : "id < @before")} AND (@k::text IS NULL OR kind = @k) AND (@n::text IS NULL OR name = @n)
              AND (@t::text IS NULL OR type = @t) AND (@r::text IS NULL OR reason = @r) AND (@since::bigint IS NULL OR at >= @since)
            ORDER BY id DESC LIMIT @l
            """, ("@before", q.BeforeId), ("@k", q.Kind), ("@n", q.Name), ("@t", q.Type?.ToString()), ("@r", q.Reason),
            ("@since", q.Since is { } s ? Ms(s) : null), ("@l", q.Limit));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<EventRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new EventRecord(Int64(reader, 0), FromMs(Int64(reader, 1)), reader.GetString(2), reader.GetString(3),
                Enum.Parse<EventType>(reader.GetString(4)), reader.GetString(5), reader.GetString(6)));
        }
        return list;
    }

    public async Task<(StoredResource Resource, ApplyOutcome Outcome)?> ApplyIfAsync(StoredResource resource, WriteCondition condition, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        // The resource's lock is held from the check to the commit, so two writers that read the same
        // version cannot both pass the check (nor two creators both find the name free).
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await LockResourceAsync(c, tx, resource.Kind, resource.Name, cancellationToken);
        var applied = await ApplyOneAsync(c, tx, resource, condition, now, cancellationToken);
        if (applied is null) return null;
        await tx.CommitAsync(cancellationToken);
        return applied;
    }

    public async Task<bool> DeleteIfAsync(string kind, string name, WriteCondition condition, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await LockResourceAsync(c, tx, kind, name, cancellationToken);
        using var find = Command(c, tx, "SELECT generation, spec_hash FROM resources WHERE kind = @k AND name = @n", ("@k", kind), ("@n", name));
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return false;
        var generation = Int64(reader, 0);
        var hash = reader.GetString(1);
        await reader.DisposeAsync();
        if (!Holds(condition, generation, hash)) return false;
        using var cmd = Command(c, tx, "DELETE FROM resources WHERE kind = @k AND name = @n", ("@k", kind), ("@n", name));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        if (kind == ResourceKinds.Certificate)
        {
            using var status = Command(c, tx, "DELETE FROM certificate_status WHERE name = @n", ("@n", name));
            await status.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<StoredResource>> FindMentioningAsync(string kind, string text, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"SELECT {ResourceColumns} FROM resources r WHERE r.kind = @k AND strpos(r.spec_json, @t) > 0 ORDER BY r.name",
            ("@k", kind), ("@t", "\"" + text + "\""));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredResource>();
        while (await r.ReadAsync(cancellationToken)) list.Add(ReadResource(r));
        return list;
    }
}
