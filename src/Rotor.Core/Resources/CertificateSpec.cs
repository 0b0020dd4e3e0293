namespace Rotor.Core.Resources;

public enum KeyAlgorithm
{
    Ecdsa,
    Rsa,
    Ed25519,
}

public enum RotationPolicy
{
    Always,
    Never,
}

/// <summary>Desired state of one certificate, named as in cert-manager where the concept is the same.</summary>
public sealed record CertificateSpec
{
    public string? CommonName { get; init; }
    public IReadOnlyList<string> DnsNames { get; init; } = [];
    public IReadOnlyList<string> IpAddresses { get; init; } = [];
    public IReadOnlyList<string> Uris { get; init; } = [];
    public TimeSpan Duration { get; init; } = DefaultDuration;
    public TimeSpan? RenewBefore { get; init; }
    public int? RenewBeforePercentage { get; init; }
    public PrivateKeySpec PrivateKey { get; init; } = new();
    public IReadOnlyList<string> Usages { get; init; } = DefaultUsages;
    public string IssuerRef { get; init; } = "";
    public IReadOnlyList<DeployBinding> Deploy { get; init; } = [];
    public RotationSpec Rotation { get; init; } = new();

    /// <summary>This certificate's alerting overrides; null keeps the Alerting resource's (or the defaults).</summary>
    public CertificateAlertsSpec? Alerts { get; init; }

    /// <summary>90 days, cert-manager's default.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromDays(90);

    /// <summary>SIP peers both accept and open TLS connections, so both usages by default.</summary>
    public static readonly IReadOnlyList<string> DefaultUsages = [Resources.Usages.ServerAuth, Resources.Usages.ClientAuth];

    /// <summary>Every name the certificate must carry: DNS names, IP addresses and URIs, plus the common name.</summary>
    public IReadOnlySet<string> RequiredNames()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var n in DnsNames) names.Add("DNS:" + n);
        foreach (var ip in IpAddresses) names.Add("IP:" + System.Net.IPAddress.Parse(ip));
        foreach (var u in Uris) names.Add("URI:" + u);
        if (CommonName is not null && DnsNames.Count == 0 && IpAddresses.Count == 0 && Uris.Count == 0)
        {
            names.Add("DNS:" + CommonName);
        }
        return names;
    }
}

public sealed record PrivateKeySpec
{
    public KeyAlgorithm Algorithm { get; init; } = KeyAlgorithm.Ecdsa;
    public int Size { get; init; } = 256;
    public RotationPolicy RotationPolicy { get; init; } = RotationPolicy.Always;

    public string Describe() => Algorithm switch
    {
        KeyAlgorithm.Ecdsa => $"ECDSA P-{Size}",
        KeyAlgorithm.Rsa => $"RSA {Size}",
        _ => "Ed25519",
    };
}

/// <summary>
/// One target the certificate goes to, with that target's per-certificate parameters: the
/// folder (file targets), the endpoints whose handshakes prove the deployment, the role
/// (a <see cref="DeployRole.Trust"/> target only holds the CA certificates, so it goes first and
/// loses the old CA last), and the HA group whose members are promoted together.
/// </summary>
public sealed record DeployBinding(string Target, string? Path, IReadOnlyList<string> Endpoints)
{
    public DeployRole Role { get; init; } = DeployRole.Leaf;
    public string? Group { get; init; }
}

public enum DeployRole
{
    /// <summary>Presents the certificate (a SIP proxy, an SBC interface).</summary>
    Leaf,

    /// <summary>Only trusts the CA (a peer's trust store): gets the new CA before any leaf from it is presented.</summary>
    Trust,
}

/// <summary>How a new version replaces the old one across the certificate's targets.</summary>
public sealed record RotationSpec
{
    public static readonly TimeSpan DefaultStagger = TimeSpan.FromMinutes(2);

    /// <summary>How long the old version stays valid and restorable after the new one is promoted.</summary>
    public TimeSpan Overlap { get; init; } = TimeSpan.FromHours(72);

    /// <summary>Targets (or HA groups) rotated at once; default one at a time.</summary>
    public int WaveSize { get; init; } = 1;

    /// <summary>Pause between one wave's promotion and the next wave's start.</summary>
    public TimeSpan Stagger { get; init; } = DefaultStagger;

    /// <summary>Revoke the old version through its issuer when the overlap ends.</summary>
    public bool RevokeAfterDrain { get; init; }

    /// <summary>The gate for targets whose binding names endpoints; the defaults apply when not set.</summary>
    public HealthGateSpec HealthGate { get; init; } = HealthGateSpec.Default;
}

/// <summary>
/// Probes over <see cref="Window"/> (at most <see cref="ProbesPerSecond"/>); a success rate at or
/// above <see cref="SuccessRate"/> promotes, below <see cref="RollbackBelow"/> rolls back, in
/// between the window runs once more and then the stricter rule decides.
/// </summary>
public sealed record HealthGateSpec(TimeSpan Window, double SuccessRate, double RollbackBelow)
{
    public static readonly HealthGateSpec Default = new(TimeSpan.FromMinutes(5), 99.5, 98);

    public double ProbesPerSecond { get; init; } = 2;
}

/// <summary>cert-manager's usage words that Rotor understands.</summary>
public static class Usages
{
    public const string ServerAuth = "server auth";
    public const string ClientAuth = "client auth";
    public const string DigitalSignature = "digital signature";
    public const string KeyEncipherment = "key encipherment";

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        ServerAuth, ClientAuth, DigitalSignature, KeyEncipherment,
    };

    /// <summary>Extended key usage OIDs for the EKU words.</summary>
    public static string? EkuOid(string usage) => usage switch
    {
        ServerAuth => "1.3.6.1.5.5.7.3.1",
        ClientAuth => "1.3.6.1.5.5.7.3.2",
        _ => null,
    };
}

/// <summary>A certificate's own alerting: expiry thresholds in days, descending (null: the global ones).</summary>
public sealed record CertificateAlertsSpec
{
    public IReadOnlyList<int>? ExpiryThresholdDays { get; init; }
}
