using System.Globalization;
using Rotor.Core.Scan;

namespace Rotor.Core.Alerts;

/// <summary>
/// The rules over discovered endpoints, as pure functions of one scan result: every condition that
/// holds for it now. Keys are <c>RULE/SCAN/ENDPOINT</c>, so the same problem at the same endpoint is
/// one alert across scan runs; labels name the scan, the endpoint, the leaf's issuer and, when Rotor
/// manages what it serves, the certificate.
/// </summary>
public static class ScanAlertRules
{
    public const string EndpointCertificateExpiring = "EndpointCertificateExpiring";
    public const string EndpointCertificateExpired = "EndpointCertificateExpired";
    public const string EndpointChainInvalid = "EndpointChainInvalid";
    public const string EndpointNameMismatch = "EndpointNameMismatch";
    public const string EndpointWeakKey = "EndpointWeakKey";
    public const string EndpointLegacyTls = "EndpointLegacyTls";
    public const string EndpointWeakCipher = "EndpointWeakCipher";
    public const string EndpointCertificateRevoked = "EndpointCertificateRevoked";

    /// <summary>Smallest key sizes taken as strong: RSA 2048 (NIST SP 800-131A), EC 256.</summary>
    public const int MinRsaBits = 2048;
    public const int MinEcBits = 256;

    /// <summary>The subject part of a scan alert's key (<c>SCAN/ENDPOINT</c>), shared by every rule about that endpoint.</summary>
    public static string Subject(string scan, string endpoint) => $"{scan}/{endpoint}";

    public static IEnumerable<AlertCondition> Evaluate(string scan, EndpointScan e, AlertPolicy policy, DateTimeOffset now)
    {
        var leaf = e.Leaf;
        if (leaf is null) return [];
        var list = new List<AlertCondition>();
        var subject = Subject(scan, e.Endpoint);
        // What Rotor keeps current is watched by the managed rules; a stale version served here is still told.
        if (e.ManagedCurrent != true && Expiry(scan, e, leaf, policy, now) is { } expiry) list.Add(expiry);
        if (e.ChainValid == false)
        {
            list.Add(Make(EndpointChainInvalid, AlertSeverity.Critical, scan, e, leaf,
                $"Endpoint {e.Endpoint} presents a chain that does not validate",
                $"The chain presented by {e.Endpoint} does not build to a trusted root: {e.ChainProblem ?? "unknown reason"}. " +
                "Peers that verify will refuse the TLS connection. Serve the full chain (leaf and intermediates) from a CA the peers trust."));
        }
        if (e.NameMatches == false)
        {
            list.Add(Make(EndpointNameMismatch, AlertSeverity.Critical, scan, e, leaf,
                $"Endpoint {e.Endpoint} presents a certificate that does not cover {e.CheckedName}",
                $"The certificate ({leaf.Subject}; names: {Names(leaf)}) does not cover '{e.CheckedName}', the name peers reach it by. " +
                "Peers that check the name refuse it; issue one that includes the name."));
        }
        if (WeakCrypto(e.Chain) is { } weak)
        {
            list.Add(Make(EndpointWeakKey, AlertSeverity.Warning, scan, e, leaf,
                $"Endpoint {e.Endpoint} presents a certificate with {weak}",
                $"The chain presented by {e.Endpoint} has {weak}. Peers with a current security policy refuse it; " +
                $"replace it with an RSA key of at least {MinRsaBits} bits or an EC key of at least {MinEcBits} bits, signed with SHA-256 or better."));
        }
        if (e.LegacyProtocols.Count > 0)
        {
            var versions = string.Join(" and ", e.LegacyProtocols);
            list.Add(Make(EndpointLegacyTls, AlertSeverity.Warning, scan, e, leaf,
                $"Endpoint {e.Endpoint} accepts {versions}",
                $"{e.Endpoint} completed a handshake offered only {versions} (RFC 8996 deprecates TLS 1.0 and 1.1). Allow TLS 1.2 and 1.3 only.",
                ("protocol", versions)));
        }
        if (e.WeakCiphers.Count > 0)
        {
            var suites = string.Join(", ", e.WeakCiphers);
            list.Add(Make(EndpointWeakCipher, AlertSeverity.Warning, scan, e, leaf,
                $"Endpoint {e.Endpoint} accepts the weak cipher suite {suites}",
                $"{e.Endpoint} chose {suites} when offered only RC4, DES/3DES, NULL and EXPORT suites. Remove them from its cipher list.",
                ("cipher", suites)));
        }
        if (e.Ocsp == OcspStatus.Revoked)
        {
            list.Add(Make(EndpointCertificateRevoked, AlertSeverity.Critical, scan, e, leaf,
                $"Endpoint {e.Endpoint} presents a revoked certificate",
                $"The OCSP responder of its issuer says the certificate {leaf.Subject} (serial {leaf.Serial}) was revoked" +
                (e.RevokedAt is { } at ? $" at {Stamp(at)}" : "") + (e.OcspDetail is { Length: > 0 } d ? $" ({d})" : "") +
                ". Peers that check revocation refuse it; replace it now."));
        }
        return list;

        AlertCondition? Expiry(string s, EndpointScan scanned, ScannedCertificate l, AlertPolicy p, DateTimeOffset n)
        {
            var key = $"{EndpointCertificateExpiring}/{subject}";
            var left = l.NotAfter - n;
            if (left <= TimeSpan.Zero)
            {
                return Make(EndpointCertificateExpired, AlertSeverity.Critical, s, scanned, l,
                    $"Endpoint {scanned.Endpoint} presents a certificate that expired at {Stamp(l.NotAfter)}",
                    $"{scanned.Endpoint} presents {l.Subject} (issuer {l.Issuer}), expired: TLS peers refuse it and calls over it fail. Replace it now.",
                    key: key, stage: "expired");
            }
            var crossed = p.ThresholdDays.Where(d => d > 0 && left <= TimeSpan.FromDays(d)).DefaultIfEmpty(0).Min();
            if (crossed == 0) return null;
            return Make(EndpointCertificateExpiring, crossed <= p.CriticalBelowDays ? AlertSeverity.Critical : AlertSeverity.Warning, s, scanned, l,
                $"Endpoint {scanned.Endpoint} presents a certificate that expires in {(int)Math.Floor(left.TotalDays)} days (at {Stamp(l.NotAfter)})",
                $"{scanned.Endpoint} presents {l.Subject} (issuer {l.Issuer}), within its {crossed}-day warning. " +
                "Rotor does not manage it: renew it where it was made, or put it under a Rotor Certificate.",
                key: key, stage: $"{crossed}d");
        }
    }

    /// <summary>The first weakness of the presented chain's keys and signatures (a root's own self-signature does not count), or null.</summary>
    public static string? WeakCrypto(IReadOnlyList<ScannedCertificate> chain)
    {
        for (var i = 0; i < chain.Count; i++)
        {
            var c = chain[i];
            var who = i == 0 ? "the leaf" : $"chain certificate {i} ({c.Subject})";
            if (c.KeyAlgorithm == "RSA" && c.KeySize is > 0 and < MinRsaBits) return $"a weak key: {who} has RSA {c.KeySize} bits";
            if (c.KeyAlgorithm == "ECDSA" && c.KeySize is > 0 and < MinEcBits) return $"a weak key: {who} has EC {c.KeySize} bits";
            if (c.KeyAlgorithm == "DSA") return $"a weak key: {who} has a DSA key";
            var selfSigned = c.Subject == c.Issuer;
            var sig = c.SignatureAlgorithm.ToLowerInvariant();
            if (!selfSigned && (sig.StartsWith("md", StringComparison.Ordinal) || sig.StartsWith("sha1", StringComparison.Ordinal)))
            {
                return $"a weak signature: {who} is signed with {c.SignatureAlgorithm}";
            }
        }
        return null;
    }

    private static AlertCondition Make(string rule, AlertSeverity severity, string scan, EndpointScan e, ScannedCertificate leaf, string summary, string description,
        (string Name, string? Value)? extra = null, string? key = null, string stage = "")
    {
        var labels = AlertRules.Labels(rule, ("scan", scan), ("endpoint", e.Endpoint), ("issuer", leaf.Issuer), ("certificate", e.ManagedCertificate));
        if (extra is { Value: { Length: > 0 } v } x) labels[x.Name] = v;
        return new AlertCondition(key ?? $"{rule}/{Subject(scan, e.Endpoint)}", rule, severity, labels, summary, description, stage);
    }

    private static string Names(ScannedCertificate c) => c.Names.Count == 0 ? "none" : string.Join(", ", c.Names.Take(10)) + (c.Names.Count > 10 ? ", …" : "");

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
