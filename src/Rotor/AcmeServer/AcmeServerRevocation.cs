using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.AcmeServer;

/// <summary>
/// Revoking a certificate an AcmeServer issued, the same way whether its ACME client asked
/// (revokeCert) or an operator did (<c>rotor acme-server revoke</c>): the backing issuer is told,
/// the inventory records the time and reason, and an event says who asked.
/// </summary>
internal static class AcmeServerRevocation
{
    /// <summary>RFC 5280 CRLReason names, for the CLI; 7 is unassigned.</summary>
    private static readonly string[] ReasonNames =
    [
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
        "cessationOfOperation", "certificateHold", "", "removeFromCRL", "privilegeWithdrawn", "aACompromise",
    ];

    /// <summary>A CRLReason code (0–10 but 7) from its number or name; null when it is neither.</summary>
    public static int? ParseReason(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code)) return code is >= 0 and <= 10 and not 7 ? code : null;
        var index = Array.FindIndex(ReasonNames, n => n.Length > 0 && string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index : null;
    }

    /// <summary>A serial as the inventory keeps it: lowercase hex without separators or leading zeros.</summary>
    public static string NormalizeSerial(string serial)
    {
        var hex = serial.Replace(":", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
        var trimmed = hex.TrimStart('0');
        return trimmed.Length == 0 ? "0" : trimmed;
    }

    /// <summary>
    /// Revokes <paramref name="record"/> (issued by the AcmeServer of <paramref name="spec"/>);
    /// false when it was revoked already (nothing is done then).
    /// </summary>
    public static async Task<bool> RevokeAsync(RotorHost host, ILogger logger, AcmeServerSpec spec, AcmeIssuedCertificateRecord record,
        int reason, string by, CancellationToken cancellationToken)
    {
        if (record.RevokedAt is not null) return false;
        using var certificate = Certificates.CertificatePem.ReadPemChain(record.ChainPem).FirstOrDefault()
            ?? throw new RotorException($"ACME server {record.Server}: the stored chain of serial {record.SerialHex} holds no certificate", isTransient: false);
        var (issuer, _) = await host.Issuers.GetAsync(spec.IssuerRef, cancellationToken);
        await issuer.RevokeAsync(certificate, cancellationToken);
        if (!await host.AcmeServerStore.MarkRevokedAsync(record.Id, host.Time.GetUtcNow(), reason, cancellationToken)) return false;
        AcmeServerLog.Revoked(logger, record.Server, record.SerialHex, reason);
        await host.Store.AppendEventAsync(new EventRecord(0, host.Time.GetUtcNow(), ResourceKinds.AcmeServer, record.Server, EventType.Normal,
            RotorReasons.AcmeServerRevoked, $"revoked serial {record.SerialHex} ({string.Join(", ", record.Names)}), reason {reason}, by {by}"), cancellationToken);
        return true;
    }

    /// <summary>The certificate of <paramref name="serial"/> any AcmeServer issued, or null.</summary>
    public static async Task<AcmeIssuedCertificateRecord?> FindAsync(RotorHost host, string serial, CancellationToken cancellationToken)
    {
        var wanted = NormalizeSerial(serial);
        var all = await host.AcmeServerStore.ListIssuedCertificatesAsync(null, cancellationToken);
        return all.FirstOrDefault(c => NormalizeSerial(c.SerialHex) == wanted);
    }
}
