using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;

namespace Rotor.Core.Validation;

/// <summary>
/// Everything the pre-deploy rules look at. The private key is given as the PEM text that will
/// be written, so the check covers what a SIP server will actually load.
/// </summary>
public sealed record ValidationInput
{
    public required X509Certificate2 Leaf { get; init; }

    /// <summary>CA certificates that come with the leaf (intermediates, maybe the root).</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; init; } = [];

    /// <summary>Roots to build to; empty means the system's trust store.</summary>
    public IReadOnlyList<X509Certificate2> TrustAnchors { get; init; } = [];

    /// <summary>The key as it will be written; null means the key was not supplied (rules on it are not checked).</summary>
    public string? PrivateKeyPem { get; init; }

    /// <summary>
    /// The SubjectPublicKeyInfo (DER) the certificate must carry when the key stays on a device and
    /// <see cref="PrivateKeyPem"/> is null: the public key of the device's signing request.
    /// </summary>
    public byte[]? ExpectedPublicKey { get; init; }

    /// <summary>Names the spec asks for, as <c>DNS:x</c>, <c>IP:x</c>, <c>URI:x</c>.</summary>
    public IReadOnlySet<string> RequiredNames { get; init; } = new HashSet<string>();

    /// <summary>Names of the version being replaced; each must still be covered unless removed on purpose.</summary>
    public IReadOnlySet<string>? PreviousNames { get; init; }

    /// <summary>Names the user removed from the spec since the previous version.</summary>
    public IReadOnlySet<string> RemovedNames { get; init; } = new HashSet<string>();

    public IReadOnlyList<string> RequiredUsages { get; init; } = [Usages.ServerAuth];

    /// <summary>How long before expiry renewal starts; a fresh certificate must outlive it.</summary>
    public TimeSpan? RenewBefore { get; init; }

    /// <summary>If set, the key must be this algorithm and size (what the spec asked for).</summary>
    public PrivateKeySpec? ExpectedKey { get; init; }

    /// <summary>
    /// Certificates of the input that did not decode at all, found while reading it (e.g. "--chain:
    /// certificate 2 (line 31): not a DER X.509 certificate"); each fails malformed-certificate.
    /// </summary>
    public IReadOnlyList<string> DecodeProblems { get; init; } = [];

    public KeyPolicy KeyPolicy { get; init; } = KeyPolicy.Default;
    public bool SecureMode { get; init; }
    public required DateTimeOffset Now { get; init; }
}
