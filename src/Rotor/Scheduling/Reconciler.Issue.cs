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
        var (issuer, issuerSpec) = await issuers.GetAsync(spec.IssuerRef, cancellationToken);

        // rotationPolicy Never keeps the key in service, unless a key was imported for the next version.
        var reuse = spec.PrivateKey.RotationPolicy == RotationPolicy.Never && active is not null && status.PendingKeyRef is null
            && SpecSerializer.DeserializeFacts(active.IssuedForJson, active.NotBefore, active.NotAfter) is { } f
            && f.KeyAlgorithm == spec.PrivateKey.Algorithm && f.KeySize == spec.PrivateKey.Size;
        string keyRef;
        if (reuse)
        {
            keyRef = active!.KeyRef;
        }
        else
        {
            keyRef = status.PendingKeyRef ?? KeyRefs.Generated(name);
            if (status.PendingKeyRef is null)
            {
                // The store knows of the key before its file exists: the sweep deletes only keys it
                // recorded (DESIGN.md, Safety rules), so a crash between the two leaves nothing unknown.
                await store.RecordKeyIntentAsync(keyRef, name, time.GetUtcNow(), cancellationToken);
                await store.SaveStatusAsync(status with { PendingKeyRef = keyRef }, cancellationToken);
            }
        }
        // A new key is written while the issuer works (its request is signed with the key in
        // memory); the write is durable before the version that refers to it is stored.
        var storing = await keys.GenerateWhileStoringAsync(keyRef, spec.PrivateKey.Algorithm, spec.PrivateKey.Size, cancellationToken);
        using var key = storing.Key;
        using var replaces = active is null ? null : LeafOf(active);
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

        var trust = issued.Roots.Count > 0 ? issued.Roots : await issuer.GetTrustAnchorsAsync(cancellationToken);
        // The key is in hand: checked as it is, not read back and decrypted from the store.
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        var report = Validate(spec, issued, trust, keyPem, active, replaces, issuerSpec);
        // The roots as stored: those the issuer sent and the trust anchor validation reached, which an
        // ACME or CMP CA does not send when trustedRoots is set. Stored with the version, every deploy
        // and every later restart writes a chain.pem that reaches the root (openssl verify -CAfile).
        var sent = issued.Intermediates.Concat(issued.Roots).Select(c => c.Thumbprint).ToHashSet(StringComparer.Ordinal);
        var roots = issued.Roots.Concat(report.TrustPath.Where(c => sent.Add(c.Thumbprint))).ToList();
        var now = time.GetUtcNow();
        var version = new CertificateVersion
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
            CreatedAt = now,
        };
        version = await store.AddVersionAsync(version, cancellationToken);
        var latest = await store.GetStatusAsync(name, cancellationToken) ?? status;
        // An imported key that failed stays pending for the next attempt: the user chose it.
        var keepPending = !report.Passed && KeyRefs.IsImported(keyRef);
        await store.SaveStatusAsync(latest with
        {
            PendingKeyRef = keepPending ? keyRef : null,
            RenewRequested = false,
            RenewNow = false,
            Issuer = spec.IssuerRef,
        }, cancellationToken);

        if (!report.Passed)
        {
            if (!reuse && !keepPending)
            {
                await keys.DeleteAsync(keyRef, cancellationToken);
                await store.ForgetKeyIntentAsync(keyRef, name, cancellationToken);
            }
            var summary = report.Summary();
            Log.ValidationFailed(logger, name, summary);
            throw new RotorException($"version {version.Number} (serial {version.Serial}) failed validation and was not deployed: {summary}", isTransient: true)
            { Reason = "ValidationFailed" };
        }
        Log.Issued(logger, name, version.Number, version.Serial, version.NotAfter);
        await EventAsync(name, EventType.Normal, "Issued",
            $"version {version.Number} issued by {spec.IssuerRef} ({reason}): serial {version.Serial}, valid {version.NotBefore:u} to {version.NotAfter:u}; {report.Summary()}",
            cancellationToken);
        return version;
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

    private ValidationReport Validate(CertificateSpec spec, IssuedCertificate issued, IReadOnlyList<X509Certificate2> trust, string keyPem,
        CertificateVersion? previous, X509Certificate2? previousLeaf, IssuerSpec issuerSpec)
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
        var renewAt = RenewalSchedule.RenewalTime(notBefore, notAfter, spec.RenewBefore, spec.RenewBeforePercentage);
        return CertificateValidator.Validate(new ValidationInput
        {
            Leaf = issued.Leaf,
            Chain = [.. issued.Intermediates, .. issued.Roots],
            TrustAnchors = trust,
            PrivateKeyPem = keyPem,
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
