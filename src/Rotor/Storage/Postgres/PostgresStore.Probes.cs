using Rotor.Core.Abstractions;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore
{
    public async Task SaveEndpointProbeAsync(EndpointProbeRecord p, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            INSERT INTO endpoint_probes(endpoint, at, certificate, success, failure, sha256, chain_trusted, sip_status, handshake_ms, error)
            VALUES(@e, @a, @c, @s, @f, @h, @t, @p, @m, @x)
            ON CONFLICT(endpoint) DO UPDATE SET at = @a, certificate = @c, success = @s, failure = @f, sha256 = @h,
              chain_trusted = @t, sip_status = @p, handshake_ms = @m, error = @x
            """,
            ("@e", p.Endpoint), ("@a", Ms(p.At)), ("@c", p.Certificate), ("@s", p.Success ? 1 : 0), ("@f", p.Failure.ToString()),
            ("@h", p.LeafSha256), ("@t", p.ChainTrusted ? 1 : 0), ("@p", p.SipStatusCode), ("@m", p.HandshakeMs), ("@x", p.Error));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<EndpointProbeRecord?> GetEndpointProbeAsync(string endpoint, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            SELECT at, certificate, success, failure, sha256, chain_trusted, sip_status, handshake_ms, error
            FROM endpoint_probes WHERE endpoint = @e
            """, ("@e", endpoint));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken)) return null;
        return new EndpointProbeRecord(
            endpoint,
            FromMs(Int64(r, 0)),
            r.IsDBNull(1) ? null : r.GetString(1),
            Int64(r, 2) != 0,
            Enum.TryParse<ProbeFailure>(r.GetString(3), out var failure) ? failure : ProbeFailure.Handshake,
            r.IsDBNull(4) ? null : r.GetString(4),
            Int64(r, 5) != 0,
            r.IsDBNull(6) ? null : Int32(r, 6),
            r.IsDBNull(7) ? null : r.GetDouble(7),
            r.IsDBNull(8) ? null : r.GetString(8));
    }
}
