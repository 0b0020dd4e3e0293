using Rotor.Core.Abstractions;

namespace Rotor.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public async Task SaveEndpointProbeAsync(EndpointProbeRecord p, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            INSERT INTO endpoint_probes(endpoint, at, certificate, success, failure, sha256, chain_trusted, sip_status, handshake_ms, error)
            VALUES($e, $a, $c, $s, $f, $h, $t, $p, $m, $x)
            ON CONFLICT(endpoint) DO UPDATE SET at = $a, certificate = $c, success = $s, failure = $f, sha256 = $h,
              chain_trusted = $t, sip_status = $p, handshake_ms = $m, error = $x
            """,
            ("$e", p.Endpoint), ("$a", Ms(p.At)), ("$c", p.Certificate), ("$s", p.Success ? 1 : 0), ("$f", p.Failure.ToString()),
            ("$h", p.LeafSha256), ("$t", p.ChainTrusted ? 1 : 0), ("$p", p.SipStatusCode), ("$m", p.HandshakeMs), ("$x", p.Error));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<EndpointProbeRecord?> GetEndpointProbeAsync(string endpoint, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            SELECT at, certificate, success, failure, sha256, chain_trusted, sip_status, handshake_ms, error
            FROM endpoint_probes WHERE endpoint = $e
            """, ("$e", endpoint));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? ReadProbe(endpoint, r, 0) : null;
    }

    /// <summary>One endpoint_probes row from column <paramref name="o"/> on (at, certificate, success, ...).</summary>
    private static EndpointProbeRecord ReadProbe(string endpoint, Microsoft.Data.Sqlite.SqliteDataReader r, int o) => new(
        endpoint,
        FromMs(r.GetInt64(o)),
        r.IsDBNull(o + 1) ? null : r.GetString(o + 1),
        r.GetInt64(o + 2) != 0,
        Enum.TryParse<ProbeFailure>(r.GetString(o + 3), out var failure) ? failure : ProbeFailure.Handshake,
        r.IsDBNull(o + 4) ? null : r.GetString(o + 4),
        r.GetInt64(o + 5) != 0,
        r.IsDBNull(o + 6) ? null : r.GetInt32(o + 6),
        r.IsDBNull(o + 7) ? null : r.GetDouble(o + 7),
        r.IsDBNull(o + 8) ? null : r.GetString(o + 8));
}
