using System.Text.Json;
using Npgsql;
using Rotor.Core.Abstractions;
using Rotor.Core.Scan;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore : IScanStore
{
    public async Task<long> StartScanRunAsync(string scan, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "INSERT INTO scan_runs(scan, started_at) VALUES(@s, @a) RETURNING id", ("@s", scan), ("@a", Ms(at)));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task FinishScanRunAsync(long runId, IReadOnlyList<EndpointScan> results, DateTimeOffset at, int keepRuns, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        using (var insert = Command(c, tx, """
            INSERT INTO scan_results(run_id, endpoint, at, result) VALUES(@r, @e, @a, @j)
            ON CONFLICT(run_id, endpoint) DO UPDATE SET at = @a, result = @j
            """, ("@r", runId), ("@e", ""), ("@a", 0L), ("@j", "")))
        {
            foreach (var r in results)
            {
                insert.Parameters["@e"].Value = r.Endpoint;
                insert.Parameters["@a"].Value = Ms(r.At);
                insert.Parameters["@j"].Value = JsonSerializer.Serialize(r, RotorJsonContext.Default.EndpointScan);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        using (var finish = Command(c, tx, "UPDATE scan_runs SET finished_at = @a, endpoints = @n, reachable = @k WHERE id = @r",
            ("@a", Ms(at)), ("@n", results.Count), ("@k", results.Count(r => r.Reachable)), ("@r", runId)))
        {
            await finish.ExecuteNonQueryAsync(cancellationToken);
        }
        // History is bounded: the newest keepRuns runs of this scan stay, with their results.
        using (var prune = Command(c, tx, """
            DELETE FROM scan_results WHERE run_id IN (
              SELECT id FROM scan_runs WHERE scan = (SELECT scan FROM scan_runs WHERE id = @r)
              ORDER BY id DESC OFFSET @k);
            DELETE FROM scan_runs WHERE scan = (SELECT scan FROM scan_runs WHERE id = @r)
              AND id NOT IN (SELECT id FROM scan_runs WHERE scan = (SELECT scan FROM scan_runs WHERE id = @r) ORDER BY id DESC LIMIT @k);
            """, ("@r", runId), ("@k", Math.Max(1, keepRuns))))
        {
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<ScanRun?> GetLatestScanRunAsync(string scan, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            SELECT id, started_at, finished_at, endpoints, reachable FROM scan_runs
            WHERE scan = @s AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1
            """, ("@s", scan));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken)) return null;
        return new ScanRun(Int64(r, 0), scan, FromMs(Int64(r, 1)), FromMs(r.GetValue(2)), Int32(r, 3), Int32(r, 4));
    }

    public async Task<IReadOnlyList<EndpointScan>> ListScanResultsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT result FROM scan_results WHERE run_id = @r ORDER BY endpoint", ("@r", runId));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<EndpointScan>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(JsonSerializer.Deserialize(r.GetString(0), RotorJsonContext.Default.EndpointScan)!);
        }
        return list;
    }

    public async Task<IReadOnlyList<(string Scan, EndpointScan Result)>> ListEndpointHistoryAsync(string endpoint, int limit, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            SELECT s.scan, r.result FROM scan_results r JOIN scan_runs s ON s.id = r.run_id
            WHERE r.endpoint = @e ORDER BY r.run_id DESC LIMIT @l
            """, ("@e", endpoint), ("@l", limit));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<(string, EndpointScan)>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add((r.GetString(0), JsonSerializer.Deserialize(r.GetString(1), RotorJsonContext.Default.EndpointScan)!));
        }
        return list;
    }
}
