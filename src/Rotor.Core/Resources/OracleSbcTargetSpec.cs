namespace Rotor.Core.Resources;

/// <summary>
/// An Oracle (Enterprise) Session Border Controller, release 8.4 or 9.3, reached over its REST API
/// (<c>https://{device}/rest/v1.2/...</c>, HTTPS only): a bearer token from HTTP Basic credentials,
/// the configuration lock around every change, and certificate-record configuration elements.
/// The SBC takes no private key over REST: it makes the key itself when asked for a certificate
/// signing request, so this target always keeps the key on the device.
/// <para>
/// With <see cref="SpareCertificateRecord"/> and <see cref="TlsProfile"/> the target uses two
/// records: each new key and certificate go into the one the TLS profile does not use, and
/// activation points the profile at it. The record it left still holds the previous key and
/// certificate, so a rollback points the profile back. With one record a new key replaces the
/// one in service, and the previous certificate cannot be put back (see the README).
/// </para>
/// </summary>
public sealed record OracleSbcTargetSpec
{
    /// <summary>Base URL of the SBC's management interface, e.g. <c>https://sbc1.example.test</c>; https only.</summary>
    public required string Url { get; init; }

    /// <summary>A secret holding <c>user:password</c> of an SBC admin user (as <c>curl -u</c> takes it).</summary>
    public required SecretRef CredentialsRef { get; init; }

    /// <summary>The certificate-record configuration element the TLS certificate lives in.</summary>
    public required string CertificateRecord { get; init; }

    /// <summary>A second certificate-record, used in turn with <see cref="CertificateRecord"/>; needs <see cref="TlsProfile"/>.</summary>
    public string? SpareCertificateRecord { get; init; }

    /// <summary>The tls-profile whose <c>end-entity-certificate</c> names the record in service.</summary>
    public string? TlsProfile { get; init; }

    /// <summary>The SBC release: "9.3" (imports with <c>overwrite</c>) or "8.4".</summary>
    public string Version { get; init; } = DefaultVersion;

    /// <summary>
    /// PEM file (relative to the manifest) with the CA certificates that sign the SBC's own
    /// management certificate; none trusts the system's CAs.
    /// </summary>
    public string? CaBundle { get; init; }

    /// <summary>Per-request timeout, and the longest wait for a save, verify or activate to finish.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>How often the configuration lock is asked for while another user holds it (423), with backoff.</summary>
    public int LockAttempts { get; init; } = DefaultLockAttempts;

    /// <summary>Whether two records take turns (real rollback) rather than one record being overwritten.</summary>
    public bool TwoRecords => SpareCertificateRecord is not null;

    public const string DefaultVersion = "9.3";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public const int DefaultLockAttempts = 6;

    /// <summary>The REST API version both releases document ("Available values: v1.2").</summary>
    public const string RestApiVersion = "v1.2";
}
