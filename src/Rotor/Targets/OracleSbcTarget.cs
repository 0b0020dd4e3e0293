using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Targets;

/// <summary>
/// An Oracle SBC (release 8.4 or 9.3) over its REST API v1.2. The SBC takes no private key over
/// REST: the key is made on the SBC by <c>certificates/generateRequest</c> and stored in a
/// certificate-record, so this target always keeps the key on the device
/// (<see cref="IKeyOnDeviceTarget"/>). Each request for a certificate makes a new key in the
/// record it names: with two records taking turns (<c>spareCertificateRecord</c> and
/// <c>tlsProfile</c>) the new key goes into the record the TLS profile does not use, activation
/// points the profile at it, and a rollback points the profile back at the record that still holds
/// the previous key and certificate. With one record the new key replaces the one in service in
/// the edited configuration, and after activation the previous certificate cannot come back.
/// Every change happens under the configuration lock and ends in save, verify, activate; nothing
/// is in service before activate, so a failure before it leaves the previous certificate serving.
/// </summary>
public sealed partial class OracleSbcTarget(string name, OracleSbcTargetSpec spec, string manifestDirectory, TimeProvider time, ILogger logger)
    : ITarget, IKeyOnDeviceTarget
{
    public bool CanHoldTwoCertificates => false;

    /// <summary>Always: the REST API has no way to import a private key.</summary>
    public bool KeyOnDevice => true;

    /// <summary>
    /// Checks, changing nothing: the credentials give a token, and the record in service can be
    /// found (with two records, the TLS profile names one of them). A trust-role binding is refused:
    /// CA certificates go into certificate-records of their own, which this target does not manage.
    /// </summary>
    public async Task StageAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        RefuseTrustBinding(artifact);
        await TokenAsync(cancellationToken);
        await InServiceRecordAsync(cancellationToken);
    }

    public async Task ActivateAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        RefuseTrustBinding(artifact);
        var expected = CertificatePem.Sha256Fingerprint(artifact.Leaf);
        var inService = await InServiceRecordAsync(cancellationToken);
        // With two records the record in service is read from the running configuration, so a match
        // means activated before a crash. With one record the certificate read back may be the edited
        // configuration's, imported by an attempt that failed before activate: always go through.
        if (spec.TwoRecords && Same(await ImportedFingerprintAsync(inService, cancellationToken), expected)) return;
        // The key of this version was made in the record that was idle when it was requested.
        var record = spec.TwoRecords ? Other(inService) : spec.CertificateRecord;
        await WithLockAsync(async ct =>
        {
            await ImportAsync(record, artifact.Leaf, ct);
            if (spec.TwoRecords) await PointProfileAsync(record, ct);
            await SaveVerifyActivateAsync(ct);
        }, cancellationToken);
        var now = await InServiceRecordAsync(cancellationToken);
        var live = await ImportedFingerprintAsync(now, cancellationToken);
        if (now != record || !Same(live, expected))
        {
            throw Failure(RotorReasons.OracleSbcNotEffective, transient: true,
                $"after activation certificate-record {now} holds {live ?? "no certificate"}, not version {artifact.VersionNumber} ({expected}) in {record}");
        }
        OracleSbcLog.Activated(logger, name, artifact.VersionNumber, artifact.CertificateName, record);
    }

    /// <summary>
    /// Puts the version this one replaced back in service, if this one is in service (idempotent).
    /// Two records: the profile goes back to the other record when it still holds the previous
    /// certificate (and so its key). One record: only if the previous certificate carries the key
    /// in the record now, which after a request for a new key it never does; then it says so and
    /// this version stays, the only one that matches the SBC's key.
    /// </summary>
    public async Task RollbackAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        if (artifact.IsTrustOnly) return;
        var inService = await InServiceRecordAsync(cancellationToken);
        if (!Same(await ImportedFingerprintAsync(inService, cancellationToken), CertificatePem.Sha256Fingerprint(artifact.Leaf))) return;
        var previous = artifact.LoadPrevious is { } load ? await load(cancellationToken) : null;
        if (previous is null)
        {
            CannotRollBack(artifact, "no earlier Rotor version was in service on this SBC");
            return;
        }
        var wanted = CertificatePem.Sha256Fingerprint(previous.Leaf);
        if (spec.TwoRecords)
        {
            var other = Other(inService);
            if (!Same(await ImportedFingerprintAsync(other, cancellationToken), wanted))
            {
                throw CannotRollBack(artifact, $"certificate-record {other} no longer holds version {previous.VersionNumber} (a later request for a certificate made a new key there)");
            }
            await WithLockAsync(async ct =>
            {
                await PointProfileAsync(other, ct);
                await SaveVerifyActivateAsync(ct);
            }, cancellationToken);
            OracleSbcLog.RolledBack(logger, name, previous.VersionNumber, artifact.CertificateName, other);
            return;
        }
        if (!previous.Leaf.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(artifact.Leaf.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw CannotRollBack(artifact,
                $"certificate-record {spec.CertificateRecord} holds the key the SBC made for version {artifact.VersionNumber}; version {previous.VersionNumber} was issued for the key it replaced, " +
                "which the SBC no longer has and its REST API cannot import. Renew to replace this version, or configure spareCertificateRecord and tlsProfile so the previous record stays");
        }
        await WithLockAsync(async ct =>
        {
            await ImportAsync(spec.CertificateRecord, previous.Leaf, ct);
            await SaveVerifyActivateAsync(ct);
        }, cancellationToken);
        OracleSbcLog.RolledBack(logger, name, previous.VersionNumber, artifact.CertificateName, spec.CertificateRecord);
    }

    /// <summary>Nothing to remove: a record is reused for the next key, never deleted.</summary>
    public Task RetireAsync(DeploymentArtifact artifact, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<TargetInspection> InspectAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var record = await InServiceRecordAsync(cancellationToken);
        var where = $"{spec.Url} certificate-record {record}";
        var certificate = await ImportedAsync(record, cancellationToken);
        return certificate is null
            ? new TargetInspection(null, null, $"{where} holds no imported certificate")
            : new TargetInspection(CertificatePem.Sha256Fingerprint(certificate), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), where);
    }

    /// <summary>
    /// <c>PUT certificates/generateRequest?recordName=</c>, under the lock: the SBC makes a new key in
    /// the record (the idle one when two take turns) and answers a PKCS#10 request signed with it, in
    /// PEM, as <c>data/CertificateRequest/certificateSignedRequest</c> ("Generates certificate signing
    /// request (CSR) for a certificate-record",
    /// docs.oracle.com/en/industries/communications/session-border-controller/9.3.0/rest/op-rest-version-configuration-certificates-generaterequest-put.html);
    /// the PEM block is read wherever it is. The names Rotor's issuer puts in the certificate come
    /// from the spec, not from the record.
    /// </summary>
    public async Task<byte[]> RequestCsrAsync(string certificateName, CertificateSpec certificate, DeployBinding binding, CancellationToken cancellationToken)
    {
        var record = spec.TwoRecords ? Other(await InServiceRecordAsync(cancellationToken)) : spec.CertificateRecord;
        var path = $"{Rest}/configuration/certificates/generateRequest?recordName={Uri.EscapeDataString(record)}";
        string pem = "";
        await WithLockAsync(async ct => pem = (await CallAsync(HttpMethod.Put, path, Empty, ct)).Text, cancellationToken);
        const string Begin = "-----BEGIN CERTIFICATE REQUEST-----", End = "-----END CERTIFICATE REQUEST-----";
        var begin = pem.IndexOf(Begin, StringComparison.Ordinal);
        var end = pem.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw Failure(RotorReasons.KeyOnDeviceBadRequest, transient: true, $"PUT {PathOnly(path)}: the answer holds no PEM certificate request");
        }
        try
        {
            var der = Convert.FromBase64String(string.Concat(pem[(begin + Begin.Length)..end].Where(c => !char.IsWhiteSpace(c))));
            OracleSbcLog.CsrRequested(logger, name, record, certificateName);
            return der;
        }
        catch (FormatException)
        {
            throw Failure(RotorReasons.KeyOnDeviceBadRequest, transient: true, $"PUT {PathOnly(path)}: the certificate request is not base64");
        }
    }

    private void RefuseTrustBinding(DeploymentArtifact artifact)
    {
        if (artifact.IsTrustOnly)
        {
            throw Failure(RotorReasons.TargetMisconfigured, transient: false,
                "takes leaf bindings only: the SBC keeps CA certificates in certificate-records of their own, which this target does not manage");
        }
    }

    private RotorException CannotRollBack(DeploymentArtifact artifact, string why)
    {
        OracleSbcLog.CannotRollBack(logger, name, artifact.VersionNumber, artifact.CertificateName, why);
        return Failure(RotorReasons.OracleSbcCannotRollBack, transient: false, $"version {artifact.VersionNumber} stays in service: {why}");
    }

    private static bool Same(string? a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private string Other(string record) => record == spec.CertificateRecord ? spec.SpareCertificateRecord! : spec.CertificateRecord;

    public override string ToString() => $"oracleSbc target {name} ({spec.Url}, certificate-record {spec.CertificateRecord})";
}
