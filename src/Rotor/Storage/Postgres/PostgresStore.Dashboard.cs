using Npgsql;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Dashboard;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore : IDashboardQueries
{
    // One row per Certificate resource with its status, computed in SQL so a filter by status and
    // the page's count need no second pass. The worst state wins; a rollout in progress is an
    // Issued version: the few of those are found once through ix_certificate_versions_keys(state, ...)
    // and joined, rather than probing every certificate's versions.
    private const string InventorySelect = $"""
        SELECT r.name AS name, r.spec_json AS spec_json, (r.spec_json::jsonb ->> 'issuerRef') AS issuer,
          s.not_after AS not_after, s.renewal_at AS renewal_at, COALESCE(s.failures, 0) AS failures, s.last_failure AS last_failure,
          CASE
            WHEN s.not_after IS NOT NULL AND s.not_after <= @now THEN 'Expired'
            WHEN COALESCE(s.failures, 0) > 0 THEN 'Failing'
            WHEN rv.certificate IS NOT NULL THEN 'Rotating'
            WHEN s.current_version_id IS NULL THEN 'Pending'
            WHEN s.not_after <= @soon THEN 'Expiring'
            WHEN s.ready = 1 THEN 'Ready'
            ELSE 'NotReady'
          END AS status
        FROM resources r LEFT JOIN certificate_status s ON s.name = r.name
          LEFT JOIN (SELECT DISTINCT certificate FROM certificate_versions WHERE state = 'Issued') rv ON rv.certificate = r.name
        WHERE r.kind = '{ResourceKinds.Certificate}'
          AND {InventoryFilter}
        """;

    // ILIKE: SQLite's LIKE ignores the case of ASCII letters, and both stores must find the same rows.
    private const string InventoryFilter = """
        (@q::text IS NULL OR r.name ILIKE '%' || @q::text || '%' ESCAPE '\')
          AND (@issuer::text IS NULL OR (r.spec_json::jsonb ->> 'issuerRef') = @issuer)
        """;

    public async Task<InventoryResult> ListInventoryAsync(InventoryQuery query, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        // One read transaction: the count and the page see the same rows.
        // REPEATABLE READ: one snapshot for both statements.
        await using var tx = await c.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var parameters = InventoryParameters(query.Name, query.Issuer, now).Append(("@st", query.Status?.ToString())).ToArray();
        int total;
        // Without a status filter the count needs no status: the joins keep one row per resource, so
        // counting the resources alone gives the same number without computing 100,000 statuses.
        using (var count = query.Status is null
            ? Command(c, tx, $"SELECT COUNT(*) FROM resources r WHERE r.kind = '{ResourceKinds.Certificate}' AND {InventoryFilter}", parameters)
            : Command(c, tx, $"SELECT COUNT(*) FROM ({InventorySelect}) inventory WHERE status = @st", parameters))
        {
            total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        using var cmd = Command(c, tx, $"""
            SELECT name, status, issuer, not_after, renewal_at, failures, last_failure,
              (SELECT string_agg(d.value ->> 'target', chr(10) ORDER BY d.i)
               FROM jsonb_array_elements(CASE WHEN jsonb_typeof(spec_json::jsonb -> 'deploy') = 'array' THEN spec_json::jsonb -> 'deploy' END)
                 WITH ORDINALITY d(value, i)) AS targets
            FROM ({InventorySelect}) inventory WHERE @st::text IS NULL OR status = @st
            ORDER BY name LIMIT @limit OFFSET @offset
            """, [.. parameters, ("@limit", query.PageSize), ("@offset", (long)Math.Max(0, query.Page - 1) * query.PageSize)]);
        var rows = new List<InventoryRow>(query.PageSize);
        await using (var r = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await r.ReadAsync(cancellationToken))
            {
                rows.Add(new InventoryRow(
                    r.GetString(0),
                    Enum.Parse<InventoryStatus>(r.GetString(1)),
                    r.IsDBNull(2) ? "" : r.GetString(2),
                    r.IsDBNull(7) ? [] : r.GetString(7).Split('\n'),
                    FromMs(r.GetValue(3)),
                    FromMs(r.GetValue(4)),
                    Int32(r, 5),
                    r.IsDBNull(6) ? null : r.GetString(6)));
            }
        }
        await tx.CommitAsync(cancellationToken);
        return new InventoryResult(rows, total);
    }

    public async Task<IReadOnlyList<ExpiryDay>> CountExpiriesAsync(string? name, string? issuer, DateTimeOffset now, int days, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        // The whole fleet's timeline reads only ix_certificate_status_not_after (a status row is
        // deleted with its Certificate, so every row counts); a name or issuer filter joins the
        // resources it needs.
        var sql = string.IsNullOrEmpty(name) && string.IsNullOrEmpty(issuer)
            ? """
              SELECT (not_after - @now) / 86400000 AS day, COUNT(*)::int FROM certificate_status
              WHERE not_after >= @now AND not_after < @end GROUP BY day ORDER BY day
              """
            : $"""
              SELECT (s.not_after - @now) / 86400000 AS day, COUNT(*)::int
              FROM certificate_status s JOIN resources r ON r.kind = '{ResourceKinds.Certificate}' AND r.name = s.name
              WHERE s.not_after >= @now AND s.not_after < @end AND {InventoryFilter}
              GROUP BY day ORDER BY day
              """;
        using var cmd = Command(c, null, sql, [.. InventoryParameters(name, issuer, now), ("@end", Ms(now.AddDays(days)))]);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<ExpiryDay>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new ExpiryDay(Int32(r, 0), Int32(r, 1)));
        }
        return list;
    }

    private static IEnumerable<(string, object?)> InventoryParameters(string? name, string? issuer, DateTimeOffset now) =>
    [
        ("@now", Ms(now)),
        ("@soon", Ms(now + InventoryQuery.ExpiringWithin)),
        // A name filter matches a part of the name, literally: LIKE's wildcards in it are escaped.
        ("@q", string.IsNullOrEmpty(name) ? null : name.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal)),
        ("@issuer", string.IsNullOrEmpty(issuer) ? null : issuer),
    ];

    public async Task<IReadOnlyList<EndpointProbeRecord>> ListEndpointProbesAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT endpoint FROM endpoint_probes ORDER BY endpoint");
        var names = new List<string>();
        await using (var r = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await r.ReadAsync(cancellationToken)) names.Add(r.GetString(0));
        }
        var list = new List<EndpointProbeRecord>(names.Count);
        foreach (var name in names)
        {
            if (await GetEndpointProbeAsync(name, cancellationToken) is { } probe) list.Add(probe);
        }
        return list;
    }
}
