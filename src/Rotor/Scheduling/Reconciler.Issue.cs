using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Renewal;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Core.Validation;
using Rotor.Issuers;
using Rotor.Keys;
using Rotor.Storage;
using Rotor.Telemetry;
using Rotor.Certificates;

namespace Rotor.Scheduling;

public sealed partial class Reconciler
{
    /// <summary>
    /// Key, request, issuer, validation, then the version is stored before anything is deployed.
    /// The key's reference is recorded as pending before the key is made, so a crash at any
    /// point leaves no key that nothing knows about.
    /// </summary>
    private async Task<CertificateVersion> IssueAsync(string name, CertificateSpec spec, StoredResource stored, CertificateStatus status,
        CertificateVersion? active, DueReason reason, CancellationToken cancellationToken)
    {
        if (await KeyOnDeviceAsync(name, spec, cancellationToken) is { } device)
        {
            return await IssueOnDeviceAsync(name, spec, stored, status, active, reason, device.Binding, device.Device, cancellationToken);
        }
        var (issuer, issuerSpec) = await issuers.GetAsync(spec.IssuerRef, cancellationToken);
        var (keyRef, reuse) = await ReserveKeyAsync(name, spec, status, active, cancellationToken);
        using var replaces = active is null ? null : LeafOf(active);
        var (issued, keyPem) = await RequestAsync(issuer, name, spec, keyRef, active, replaces, cancellationToken);
        var trust = issued.Roots.Count > 0 ? issued.Roots : await issuer.GetTrustAnchorsAsync(cancellationToken);
        var report = Validate(name, spec, issued, trust, keyPem, active, replaces, issuerSpec);
        // An imported key that failed stays pending for the next attempt: the user chose it.
        var keepPending = !report.Passed && KeyRefs.IsImported(keyRef);
        return await RecordIssuedAsync(name, spec, stored, status, issued, report, keyRef, reason,
            keepPending, deleteKeyIfFailed: !reuse && !keepPending, cancellationToken);
    }

    /// <summary>
    /// Stores the version (failed ones too, for the record), clears the renewal request, and either
    /// reports the validation failure or records the issuance.
    /// </summary>
    private async Task<CertificateVersion> RecordIssuedAsync(string name, CertificateSpec spec, StoredResource stored, CertificateStatus status,
        IssuedCertificate issued, ValidationReport report, string keyRef, DueReason reason, bool keepPending, bool deleteKeyIfFailed,
        CancellationToken cancellationToken)
    {
        var version = await store.AddVersionAsync(NewVersion(name, spec, stored, issued, report, keyRef), cancellationToken);
        var latest = await store.GetStatusAsync(name, cancellationToken) ?? status;
        await store.SaveStatusAsync(latest with
        {
            PendingKeyRef = keepPending ? keyRef : KeyRefs.IsOnDevice(keyRef) ? latest.PendingKeyRef : null,
            RenewRequested = false,
            RenewNow = false,
            Issuer = spec.IssuerRef,
        }, cancellationToken);

        if (!report.Passed)
        {
            if (deleteKeyIfFailed)
            {
                await keys.DeleteAsync(keyRef, cancellationToken);
                await store.ForgetKeyIntentAsync(keyRef, name, cancellationToken);
            }
            var summary = report.Summary();
            Log.ValidationFailed(logger, name, summary);
            throw new RotorException($"version {version.Number} (serial {version.Serial}) failed validation and was not deployed: {summary}", isTransient: true)
            { Reason = RotorReasons.ValidationFailed };
        }
        Log.Issued(logger, name, version.Number, version.Serial, version.NotAfter);
        await EventAsync(name, EventType.Normal, RotorReasons.Issued,
            $"version {version.Number} issued by {spec.IssuerRef} ({reason}): serial {version.Serial}, valid {version.NotBefore:u} to {version.NotAfter:u}; {report.Summary()}",
            cancellationToken);
        return version;
    }

    /// <summary>
    /// The key the new version is issued for: the one in service when rotationPolicy is Never
    /// (reuse), else a key imported for it or a new one, recorded as pending before it exists.
    /// </summary>
    private async Task<(string KeyRef, bool Reuse)> ReserveKeyAsync(string name, CertificateSpec spec, CertificateStatus status, CertificateVersion? active,
        CancellationToken cancellationToken)
    {
        // rotationPolicy Never keeps the key in service, unless a key was imported for the next version.
        if (spec.PrivateKey.RotationPolicy == RotationPolicy.Never && active is not null && status.PendingKeyRef is null
            && SpecSerializer.DeserializeFacts(active.IssuedForJson, active.NotBefore, active.NotAfter) is { } f
            && f.KeyAlgorithm == spec.PrivateKey.Algorithm && f.KeySize == spec.PrivateKey.Size)
        {
            return (active.KeyRef, true);
        }
        if (status.PendingKeyRef is { } pending) return (pending, false);
        var keyRef = KeyRefs.Generated(name);
        // The store knows of the key before its file exists: the sweep deletes only keys it
        // recorded (DESIGN.md, Safety rules), so a crash between the two leaves nothing unknown.
        await store.RecordKeyIntentAsync(keyRef, name, time.GetUtcNow(), cancellationToken);
        await store.SaveStatusAsync(status with { PendingKeyRef = keyRef }, cancellationToken);
        return (keyRef, false);
    }

    /// <summary>
    /// Asks the issuer for the certificate while the key is written: the request is signed with the
    /// key in memory, and the write is durable before this returns (before any version refers to it).
    /// Returns the key as the PEM validation checks (in hand, not read back and decrypted).
    /// </summary>
    private async Task<(IssuedCertificate Issued, string KeyPem)> RequestAsync(IIssuer issuer, string name, CertificateSpec spec, string keyRef,
        CertificateVersion? active, X509Certificate2? replaces, CancellationToken cancellationToken)
    {
        var storing = await keys.GenerateWhileStoringAsync(keyRef, spec.PrivateKey.Algorithm, spec.PrivateKey.Size, cancellationToken);
        using var key = storing.Key;
        IssuedCertificate issued;
        try
        {
            await FaultPointAsync(FaultPoints.AfterKey, name, cancellationToken);
            // A key update (CMP kur) is signed with the key of the certificate it replaces.
            using var replacesKey = active is not null && issuer is IKeyUpdateIssuer ? await keys.LoadAsync(active.KeyRef, cancellationToken) : null;
            issued = await issuer.IssueAsync(new IssueRequest(name, spec, key, new Lazy<byte[]>(() => CreateSigningRequest(spec, key)))
            {
                Replaces = replaces,
                ReplacesKey = replacesKey,
            }, cancellationToken);
        }
        catch
        {
            // The issuer's failure is the one to report; the key stays pending (if it was written) for the next attempt.
            await storing.Stored.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        await storing.Stored;
        return (issued, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// The version as it is stored. Its chain is the leaf, the intermediates the issuer sent, then
    /// the roots: those the issuer sent and the trust anchor validation reached, which an ACME or CMP
    /// CA does not send when <c>trustedRoots</c> is set. Stored with the version, every deploy and
    /// every later restart writes a <c>chain.pem</c> that reaches the root (<c>openssl verify -CAfile</c>).
    /// </summary>
    private CertificateVersion NewVersion(string name, CertificateSpec spec, StoredResource stored, IssuedCertificate issued, ValidationReport report, string keyRef)
    {
        var sent = issued.Intermediates.Concat(issued.Roots).Select(c => c.Thumbprint).ToHashSet(StringComparer.Ordinal);
        var roots = issued.Roots.Concat(report.TrustPath.Where(c => sent.Add(c.Thumbprint))).ToList();
        return new CertificateVersion
        {
            Certificate = name,
            Generation = stored.Generation,
            Serial = issued.Leaf.SerialNumber,
            Sha256Fingerprint = CertificatePem.Sha256Fingerprint(issued.Leaf),
            NotBefore = new DateTimeOffset(issued.Leaf.NotBefore.ToUniversalTime()),
            NotAfter = new DateTimeOffset(issued.Leaf.NotAfter.ToUniversalTime()),
            ChainPem = string.Concat(new[] { issued.Leaf }.Concat(issued.Intermediates).Concat(roots).Select(CertificatePem.ToPem)),
            IntermediateCount = issued.Intermediates.Count,
            KeyRef = keyRef,
            State = report.Passed ? VersionState.Issued : VersionState.Failed,
            IssuedForJson = SpecSerializer.SerializeFacts(SpecSerializer.FactsFor(spec, default, default)),
            CreatedAt = time.GetUtcNow(),
        };
    }

    /// <summary>The leaf of a stored version (the first certificate of its PEM chain).</summary>
    private static X509Certificate2 LeafOf(CertificateVersion version) =>
        X509CertificateLoader.LoadCertificate(System.Text.Encoding.ASCII.GetBytes(version.ChainPem));

    internal static byte[] CreateSigningRequest(CertificateSpec spec, AsymmetricAlgorithm key)
    {
        var request = CertificateBuilder.NewRequest(CertificateBuilder.LeafSubject(spec), key);
        CertificateBuilder.AddLeafExtensions(request, spec, key is RSA);
        return request.CreateSigningRequest();
    }

    private ValidationReport Validate(string name, CertificateSpec spec, IssuedCertificate issued, IReadOnlyList<X509Certificate2> trust, string? keyPem,
        CertificateVersion? previous, X509Certificate2? previousLeaf, IssuerSpec issuerSpec, byte[]? expectedPublicKey = null)
    {
        IReadOnlySet<string>? previousNames = null;
        IReadOnlySet<string> removed = new HashSet<string>();
        var required = spec.RequiredNames();
        if (previous is not null && previousLeaf is not null)
        {
            previousNames = CertificateNames.Read(previousLeaf);
            // Only names the user took out of the spec may go; a name the old certificate had
            // beyond its spec (added by the CA) must stay, or peers that use it would fail.
            var previousSpecNames = SpecSerializer.DeserializeFacts(previous.IssuedForJson, previous.NotBefore, previous.NotAfter).Names;
            removed = previousSpecNames.Where(n => !required.Contains(n)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        }
        var notBefore = new DateTimeOffset(issued.Leaf.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(issued.Leaf.NotAfter.ToUniversalTime());
        var renewAt = RenewalSchedule.SpreadRenewalTime(spec, notBefore, notAfter, name);
        return CertificateValidator.Validate(new ValidationInput
        {
            Leaf = issued.Leaf,
            Chain = [.. issued.Intermediates, .. issued.Roots],
            TrustAnchors = trust,
            PrivateKeyPem = keyPem,
            ExpectedPublicKey = expectedPublicKey,
            RequiredNames = required,
            PreviousNames = previousNames,
            RemovedNames = removed,
            RequiredUsages = spec.Usages,
            RenewBefore = notAfter - renewAt,
            ExpectedKey = spec.PrivateKey,
            SecureMode = issuerSpec.Ca?.SecureMode ?? false,
            Now = time.GetUtcNow(),
        });
    }
}
