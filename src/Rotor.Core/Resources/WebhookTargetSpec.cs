namespace Rotor.Core.Resources;

/// <summary>
/// POSTs the certificate as JSON to <see cref="Url"/>, signed with HMAC-SHA256 over the raw body
/// (<c>X-Rotor-Signature: sha256=HEX</c>, as alert webhooks are) with the key <see cref="SecretRef"/>
/// names. The private key goes only when <see cref="IncludePrivateKey"/> is set, and only over HTTPS.
/// </summary>
public sealed record WebhookTargetSpec(string Url, SecretRef SecretRef)
{
    public string? CaBundle { get; init; }

    public bool IncludePrivateKey { get; init; }

    /// <summary>How long one POST may take.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>POSTs per step when the receiver answers 5xx or cannot be reached (the first included).</summary>
    public int Attempts { get; init; } = DefaultAttempts;

    /// <summary>The <see cref="HookSteps"/> a POST is sent on (not <c>inspect</c>: Rotor keeps what the receiver acknowledged).</summary>
    public IReadOnlyList<string> Steps { get; init; } = HookSteps.Default;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public const int DefaultAttempts = 3;
}
