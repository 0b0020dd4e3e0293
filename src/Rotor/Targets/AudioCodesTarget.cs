using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Targets;

/// <summary>
/// One TLS context of an AudioCodes Mediant device over its REST API v1. The context holds one
/// certificate and one key, so nothing can be staged beside the live pair: stage checks the
/// device answers (and the credentials work) and adds the version's intermediates to the context's
/// trusted root store (trust first; adding trust changes nothing that is presented); activate
/// uploads the key (unless it stays on the device), then the certificate, saves the configuration
/// and reads the certificate back. What was live before is not read from the device (it never
/// gives out its key): it is the previous version in Rotor's store
/// (<see cref="DeploymentArtifact.LoadPrevious"/>), which a failed activate and a rollback upload
/// again. With no earlier Rotor version there is nothing Rotor can put back, and it says so.
/// Trust-role bindings add the CA certificates with <c>trustedRoot/incremental</c> and, when the
/// old version retires, rewrite the store without the CA certificates only that version needed.
/// </summary>
public sealed partial class AudioCodesTarget(string name, AudioCodesTargetSpec spec, string manifestDirectory, HttpClient http, TimeProvider time, ILogger logger)
    : ITarget, IKeyOnDeviceTarget
{
    public bool CanHoldTwoCertificates => false;

    public bool KeyOnDevice => spec.KeyOnDevice;

    private string Tls => $"/api/v1/files/tls/{spec.TlsContext}";

    public async Task StageAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        if (artifact.IsTrustOnly)
        {
            await AddTrustAsync(TrustBundle(artifact), cancellationToken);
            return;
        }
        if (!artifact.KeyOnDevice && artifact.PrivateKeyPem.Length == 0)
        {
            throw Failure(RotorReasons.TargetMisconfigured, transient: false, $"version {artifact.VersionNumber} has no key to upload");
        }
        // Reachable, and the credentials work, before anything is changed.
        await GetAsync($"{Tls}/certificate", cancellationToken);
        await AddTrustAsync(artifact.Intermediates, cancellationToken);
    }

    public async Task ActivateAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        if (artifact.IsTrustOnly)
        {
            var bundle = TrustBundle(artifact);
            if (await AddTrustAsync(bundle, cancellationToken)) await SaveConfigurationAsync(cancellationToken);
            _activatedTrust = bundle.Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return;
        }
        var expected = CertificatePem.Sha256Fingerprint(artifact.Leaf);
        if (string.Equals((await InspectLeafAsync(cancellationToken)).Sha256Fingerprint, expected, StringComparison.OrdinalIgnoreCase))
        {
            return; // activated before a crash
        }
        var changed = false;
        try
        {
            await UploadAsync(artifact, () => changed = true, cancellationToken);
            await SaveConfigurationAsync(cancellationToken);
            var live = (await InspectLeafAsync(cancellationToken)).Sha256Fingerprint;
            if (!string.Equals(live, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw Failure(RotorReasons.AudioCodesNotEffective, transient: true,
                    $"TLS context {spec.TlsContext} serves {live ?? "no certificate"} after the upload, not version {artifact.VersionNumber} ({expected})");
            }
        }
        catch (RotorException e) when (changed)
        {
            // Half a pair may be on the device (a new key with the old certificate): put the previous version back.
            var restored = await RestorePreviousAsync(artifact, e.Message, cancellationToken);
            throw new RotorException($"{e.Message}; {restored}", e.IsTransient, e) { Reason = e.Reason };
        }
    }

    /// <summary>Key first (unless it stays on the device), then the certificate that goes with it.</summary>
    private async Task UploadAsync(DeploymentArtifact artifact, Action changed, CancellationToken cancellationToken)
    {
        if (!artifact.KeyOnDevice)
        {
            await PutFileAsync($"{Tls}/privateKey", "key.pem", artifact.PrivateKeyPem, cancellationToken);
            changed();
        }
        await PutFileAsync($"{Tls}/certificate", "cert.pem", CertificatePem.ToPem(artifact.Leaf), cancellationToken);
        changed();
    }

    /// <summary>
    /// Uploads the version <paramref name="artifact"/> replaced; returns what happened, for the
    /// failure's message. Never throws: the original failure is the one to report.
    /// </summary>
    private async Task<string> RestorePreviousAsync(DeploymentArtifact artifact, string why, CancellationToken cancellationToken)
    {
        try
        {
            var previous = artifact.LoadPrevious is { } load ? await load(cancellationToken) : null;
            if (previous is null)
            {
                AudioCodesLog.NothingToRestore(logger, name, artifact.CertificateName, spec.TlsContext, artifact.VersionNumber);
                return "no earlier Rotor version to put back";
            }
            await UploadAsync(previous, () => { }, cancellationToken);
            await SaveConfigurationAsync(cancellationToken);
            AudioCodesLog.Restored(logger, name, previous.VersionNumber, artifact.CertificateName, spec.TlsContext, why);
            return $"version {previous.VersionNumber} was put back";
        }
        catch (RotorException e)
        {
            AudioCodesLog.RestoreFailed(logger, name, artifact.VersionNumber, artifact.CertificateName, spec.TlsContext, e.Message);
            return $"putting the previous version back failed too ({e.Message})";
        }
    }

    /// <summary>
    /// Puts the previous version back if this one is live (idempotent: a second call finds the
    /// previous one live and does nothing). Trust additions stay: the CA is usually the issuer's
    /// for both versions, and the drain removes what no version needs.
    /// </summary>
    public async Task RollbackAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        if (artifact.IsTrustOnly) return;
        var live = (await InspectLeafAsync(cancellationToken)).Sha256Fingerprint;
        if (!string.Equals(live, CertificatePem.Sha256Fingerprint(artifact.Leaf), StringComparison.OrdinalIgnoreCase)) return;
        var previous = artifact.LoadPrevious is { } load ? await load(cancellationToken) : null;
        if (previous is null)
        {
            AudioCodesLog.NothingToRestore(logger, name, artifact.CertificateName, spec.TlsContext, artifact.VersionNumber);
            return;
        }
        await UploadAsync(previous, () => { }, cancellationToken);
        await SaveConfigurationAsync(cancellationToken);
        AudioCodesLog.Restored(logger, name, previous.VersionNumber, artifact.CertificateName, spec.TlsContext, "rollback");
    }

    /// <summary>
    /// A leaf leaves nothing behind (the context held one pair, now the next version's). A trust
    /// binding drops the retired version's CA certificates that the bundle just activated by the
    /// drain (DrainStep activates the current bundle first, on this instance) does
    /// not hold; without that bundle nothing is removed.
    /// </summary>
    public async Task RetireAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        if (!artifact.IsTrustOnly || _activatedTrust is not { } keep) return;
        var drop = TrustBundle(artifact).Where(c => !keep.Contains(c.Thumbprint)).Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (drop.Count == 0) return;
        var store = await TrustStoreAsync(cancellationToken);
        var remaining = store.Where(c => !drop.Contains(c.Thumbprint)).ToList();
        if (remaining.Count == store.Count || remaining.Count == 0) return; // nothing of it there; or the store would be left empty
        await PutFileAsync($"{Tls}/trustedRoot", "trust.pem", string.Concat(remaining.Select(CertificatePem.ToPem)), cancellationToken);
        await SaveConfigurationAsync(cancellationToken);
    }

    public async Task<TargetInspection> InspectAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        if (!artifact.IsTrustOnly) return await InspectLeafAsync(cancellationToken);
        // A trust store is identified by the version's first CA certificate, when the store holds it.
        var first = TrustBundle(artifact).FirstOrDefault();
        var store = await TrustStoreAsync(cancellationToken);
        var held = first is null ? null : store.FirstOrDefault(c => c.Thumbprint == first.Thumbprint);
        return held is null
            ? new TargetInspection(null, null, $"{spec.Url}{Tls}/trustedRoot does not hold the version's CA")
            : new TargetInspection(CertificatePem.Sha256Fingerprint(held), new DateTimeOffset(held.NotAfter.ToUniversalTime()), $"{spec.Url}{Tls}/trustedRoot");
    }

    /// <summary>The certificate the context serves, read back from the device.</summary>
    private async Task<TargetInspection> InspectLeafAsync(CancellationToken cancellationToken)
    {
        var where = $"{spec.Url}{Tls}/certificate";
        var pem = (await GetAsync($"{Tls}/certificate", cancellationToken)).Text;
        try
        {
            var chain = CertificatePem.ReadPemChain(pem);
            if (chain.Count == 0) return new TargetInspection(null, null, $"{where} holds no certificate");
            return new TargetInspection(CertificatePem.Sha256Fingerprint(chain[0]), new DateTimeOffset(chain[0].NotAfter.ToUniversalTime()), where);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return new TargetInspection(null, null, $"{where} is not a PEM certificate");
        }
    }

    /// <summary>The CA certificates a trust binding adds: the version's, then those still in their overlap window, each once.</summary>
    private static IReadOnlyList<X509Certificate2> TrustBundle(DeploymentArtifact artifact) =>
        [.. artifact.Intermediates.Concat(artifact.Roots).Concat(artifact.AdditionalTrust).DistinctBy(c => c.Thumbprint)];

    /// <summary>Thumbprints of the trust bundle this instance last activated (a drain's current bundle).</summary>
    private HashSet<string>? _activatedTrust;

    private async Task<IReadOnlyList<X509Certificate2>> TrustStoreAsync(CancellationToken cancellationToken)
    {
        var pem = (await GetAsync($"{Tls}/trustedRoot", cancellationToken)).Text;
        try
        {
            return CertificatePem.ReadPemChain(pem);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            throw Failure(RotorReasons.AudioCodesRejected, transient: true, $"GET {Tls}/trustedRoot: the store is not PEM certificates");
        }
    }

    /// <summary>Adds each certificate the context's trusted root store lacks (never removes one); true if any was added.</summary>
    private async Task<bool> AddTrustAsync(IReadOnlyList<X509Certificate2> certificates, CancellationToken cancellationToken)
    {
        if (certificates.Count == 0) return false;
        var held = (await TrustStoreAsync(cancellationToken)).Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var added = false;
        foreach (var certificate in certificates.Where(c => !held.Contains(c.Thumbprint)))
        {
            await PutFileAsync($"{Tls}/trustedRoot/incremental", "trust.pem", CertificatePem.ToPem(certificate), cancellationToken);
            added = true;
        }
        return added;
    }

    /// <summary>
    /// The device's own request: <c>certificate/request</c> with <c>signatureAlgorithm: sha256</c>
    /// (the device's default is sha1, which Rotor does not accept), the spec's common name (or first
    /// DNS name) as subject. The issuer takes the names from the spec, not from the request.
    /// </summary>
    public async Task<byte[]> RequestCsrAsync(string certificateName, CertificateSpec certificate, DeployBinding binding, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("subjectName", certificate.CommonName ?? certificate.DnsNames.FirstOrDefault() ?? certificateName);
            json.WriteString("signatureAlgorithm", "sha256");
            json.WriteEndObject();
        }
        var pem = (await PostJsonAsync($"{Tls}/certificate/request", buffer.ToArray(), cancellationToken)).Text;
        var begin = pem.IndexOf("-----BEGIN CERTIFICATE REQUEST-----", StringComparison.Ordinal);
        var end = pem.IndexOf("-----END CERTIFICATE REQUEST-----", StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw Failure(RotorReasons.KeyOnDeviceBadRequest, transient: true, $"POST {Tls}/certificate/request did not answer a PEM certificate request");
        }
        var base64 = pem[(begin + "-----BEGIN CERTIFICATE REQUEST-----".Length)..end];
        try
        {
            var der = Convert.FromBase64String(string.Concat(base64.Where(c => !char.IsWhiteSpace(c))));
            AudioCodesLog.CsrRequested(logger, name, spec.TlsContext, certificateName);
            return der;
        }
        catch (FormatException)
        {
            throw Failure(RotorReasons.KeyOnDeviceBadRequest, transient: true, $"POST {Tls}/certificate/request answered a request that is not base64");
        }
    }

    public override string ToString() => $"audiocodes target {name} ({spec.Url}, TLS context {spec.TlsContext})";
}
