namespace Rotor.Core.Resources;

/// <summary>
/// One TLS context of an AudioCodes Mediant SBC or gateway, reached over its REST API v1
/// (<c>/api/v1/files/tls/{id}/...</c>) with HTTP Basic authentication.
/// <see cref="CredentialsRef"/> names one secret holding <c>user:password</c> (as <c>curl -u</c>
/// takes it). With <see cref="KeyOnDevice"/> the SBC keeps its own private key: Rotor asks the
/// device for a certificate signing request, has it signed, and uploads only the certificate.
/// </summary>
public sealed record AudioCodesTargetSpec
{
    /// <summary>Base URL of the device, e.g. <c>https://sbc1.example.test</c> (https, except on loopback).</summary>
    public required string Url { get; init; }

    /// <summary>The TLS context's index on the device (the <c>{id}</c> of <c>/api/v1/files/tls/{id}</c>).</summary>
    public required int TlsContext { get; init; }

    /// <summary>The private key is generated and kept by the device; Rotor never holds it.</summary>
    public bool KeyOnDevice { get; init; }

    /// <summary>A secret holding <c>user:password</c> of a device user allowed to use the REST API.</summary>
    public required SecretRef CredentialsRef { get; init; }

    /// <summary>Per-request timeout.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>
    /// How often an answer 409 ("redundant board is synchronizing") is tried again, with backoff,
    /// before the step gives up for this pass (the reconciler tries again later).
    /// </summary>
    public int ConflictAttempts { get; init; } = DefaultConflictAttempts;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public const int DefaultConflictAttempts = 6;
}
