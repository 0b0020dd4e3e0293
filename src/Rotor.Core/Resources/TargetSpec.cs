namespace Rotor.Core.Resources;

public enum TargetKind
{
    File,
    Kamailio,
    Exec,
    Webhook,
    AudioCodes,
    GenesysCloud,
    OracleSbc,
}

/// <summary>A place certificates go. Exactly one kind is set, as the one key under <c>spec</c>.</summary>
public sealed record TargetSpec(TargetKind Kind, FileTargetSpec? File = null, KamailioTargetSpec? Kamailio = null)
{
    public ExecTargetSpec? Exec { get; init; }
    public WebhookTargetSpec? Webhook { get; init; }
    public AudioCodesTargetSpec? AudioCodes { get; init; }
    public GenesysCloudTargetSpec? GenesysCloud { get; init; }
    public OracleSbcTargetSpec? OracleSbc { get; init; }
}

/// <summary>
/// Kamailio's tls module: the certificate file (leaf first, then intermediates) and the
/// unencrypted PKCS#8 key it reads, made live through <c>kamcmd tls.reload</c> on the control
/// socket. kamcmd exits 0 even when the reload failed, so the reply text decides; then a fresh
/// handshake to <see cref="TlsEndpoint"/> must present the new fingerprint.
/// </summary>
public sealed record KamailioTargetSpec
{
    public required string CtlSocket { get; init; }
    public required string CertificatePath { get; init; }
    public required string PrivateKeyPath { get; init; }

    /// <summary>Optional CA bundle file (trust for client certificates), written for trust-role bindings.</summary>
    public string? CaPath { get; init; }

    /// <summary>host:port of Kamailio's TLS listener, handshaken after every reload; none skips that check.</summary>
    public string? TlsEndpoint { get; init; }

    public string Kamcmd { get; init; } = "kamcmd";

    /// <summary>Reloads closer together than this wait: back-to-back reloads under load have crashed Kamailio.</summary>
    public TimeSpan MinReloadInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a refused reload is tried again (with backoff) before the target gives up.</summary>
    public int ReloadAttempts { get; init; } = 4;

    public TimeSpan ReloadTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// PEM (and optionally PKCS#12) files in a folder, then an optional reload. File names default
/// to certbot's; <see cref="Mode"/> applies to certificates, the key is always 0600 unless
/// <see cref="KeyMode"/> says otherwise (never wider than 0640).
/// </summary>
public sealed record FileTargetSpec
{
    public string? Path { get; init; }
    public string CertificateFile { get; init; } = "cert.pem";
    public string ChainFile { get; init; } = "chain.pem";
    public string FullChainFile { get; init; } = "fullchain.pem";
    public string PrivateKeyFile { get; init; } = "key.pem";
    public Pkcs12Spec? Pkcs12 { get; init; }
    public string? Owner { get; init; }
    public string? Group { get; init; }
    public UnixFileMode Mode { get; init; } = DefaultMode;
    public UnixFileMode KeyMode { get; init; } = DefaultKeyMode;
    public ReloadSpec? Reload { get; init; }

    public const UnixFileMode DefaultMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public const UnixFileMode DefaultKeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}

public sealed record Pkcs12Spec(string File, SecretRef? PasswordSecretRef);

/// <summary>How the program that reads the files picks them up: a shell command, or a signal to a pid file.</summary>
public sealed record ReloadSpec(string? Command, string? Signal, string? PidFile, TimeSpan Timeout)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Names of Rotor's own environment variables the reload command may see besides PATH and the
    /// ROTOR_* ones (e.g. KUBECONFIG); null when none. Never the master key.
    /// </summary>
    public IReadOnlyList<string>? PassEnvironment { get; init; }

    /// <summary>
    /// The command takes several certificates at once (<c>ROTOR_CERTIFICATES</c>, one name a line):
    /// certificates whose files land while no reload has started yet share one. A signal always
    /// does; a command only when the target says so, since it may act on <c>ROTOR_CERTIFICATE</c>.
    /// </summary>
    public bool Batch { get; init; }
}
