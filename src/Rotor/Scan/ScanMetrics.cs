using System.Globalization;
using System.Text;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Scan;

namespace Rotor.Scan;

/// <summary>
/// Prometheus text (format 0.0.4) of the latest finished run of every stored Scan: per endpoint the
/// presented leaf's expiry, whether it answered, the handshake time, and the weaknesses found,
/// labelled by scan and endpoint (and the managing certificate when Rotor manages what it serves).
/// </summary>
public static class ScanMetrics
{
    public static async Task<string> RenderAsync(IStore store, CancellationToken cancellationToken)
    {
        if (store is not IScanStore scans) return "";
        var rows = new List<(string Scan, EndpointScan Result)>();
        foreach (var scan in await store.ListResourcesAsync(ResourceKinds.Scan, cancellationToken))
        {
            if (await scans.GetLatestScanRunAsync(scan.Name, cancellationToken) is not { } run) continue;
            rows.AddRange((await scans.ListScanResultsAsync(run.Id, cancellationToken)).Select(r => (scan.Name, r)));
        }
        var sb = new StringBuilder();
        Gauge(sb, rows, "rotor_endpoint_certificate_expiration_timestamp_seconds", "The date after which the certificate an endpoint presents expires, in seconds since the epoch.",
            r => r.Leaf?.NotAfter.ToUnixTimeSeconds());
        Gauge(sb, rows, "rotor_endpoint_up", "1 when the endpoint completed a TLS handshake at the last scan, else 0.", r => r.Reachable ? 1 : 0);
        Gauge(sb, rows, "rotor_endpoint_handshake_seconds", "Time of the last scan's full TLS handshake with the endpoint.", r => r.HandshakeMs / 1000.0);
        Gauge(sb, rows, "rotor_endpoint_managed", "1 when the endpoint presents a certificate version Rotor issued, else 0.", r => r.ManagedCertificate is null ? 0 : 1);
        Gauge(sb, rows, "rotor_endpoint_chain_valid", "1 when the presented chain builds to the trusted roots, else 0.", r => r.ChainValid is { } v ? (v ? 1 : 0) : null);
        Gauge(sb, rows, "rotor_endpoint_weak_protocol_accepted", "1 when the endpoint accepts TLS 1.0 or 1.1, else 0.", r => r.LegacyProtocols.Count > 0 ? 1 : 0);
        Gauge(sb, rows, "rotor_endpoint_weak_cipher_accepted", "1 when the endpoint accepts an RC4, DES/3DES, NULL or EXPORT suite, else 0.", r => r.WeakCiphers.Count > 0 ? 1 : 0);
        Gauge(sb, rows, "rotor_endpoint_certificate_revoked", "1 when the leaf's OCSP responder says it is revoked, 0 when good; absent when unknown.",
            r => r.Ocsp switch { OcspStatus.Revoked => 1, OcspStatus.Good => 0, _ => null });
        return sb.ToString();
    }

    private static void Gauge(StringBuilder sb, List<(string Scan, EndpointScan Result)> rows, string name, string help, Func<EndpointScan, double?> value)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n");
        foreach (var (scan, r) in rows)
        {
            if (value(r) is not { } v) continue;
            sb.Append(name).Append("{scan=\"").Append(Escape(scan)).Append("\",endpoint=\"").Append(Escape(r.Endpoint)).Append('"');
            if (r.ManagedCertificate is { } c) sb.Append(",certificate=\"").Append(Escape(c)).Append('"');
            sb.Append("} ").Append(v.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static string Escape(string v) => v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
