using System.Globalization;
using Microsoft.Extensions.Logging;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.IO;

namespace Rotor.Targets;

/// <summary>
/// POSTs a certificate to a receiver as JSON (README, "webhook targets"), signed with HMAC-SHA256
/// over the raw body in <c>X-Rotor-Signature</c>, on the steps the target lists (default activate
/// and rollback). A 2xx answer is the receiver taking the certificate; a 5xx answer, a timeout or
/// a broken connection is retried a bounded number of times with backoff and then fails the step
/// as transient (the rotation tries again later); any other status fails it for good, naming the
/// status. What the receiver last accepted is kept in the data folder, so <see cref="InspectAsync"/>
/// can say which version it holds and a rollback is sent only to a receiver that took the version.
/// A rollback sends the version put back (read from the store), not the one taken out.
/// </summary>
public sealed partial class WebhookTarget(string name, WebhookTargetSpec spec, string targetManifestDirectory, string? stateDirectory, IStore store, IKeyStore? keys,
    TimeProvider time, ILogger logger) : ITarget
{
    public bool CanHoldTwoCertificates => false;

    private string AcceptedFile(string certificate) => Path.Combine(
        stateDirectory ?? throw new RotorException($"webhook target '{name}': this Rotor has no data folder to keep deliveries in", isTransient: false) { Reason = RotorReasons.TargetMisconfigured },
        name, certificate + ".accepted");

    public Task StageAsync(DeploymentArtifact artifact, CancellationToken cancellationToken) =>
        Runs(HookSteps.Stage) ? DeliverAsync(HookSteps.Stage, artifact, null, cancellationToken) : Task.CompletedTask;

    public async Task ActivateAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        if (Runs(HookSteps.Activate))
        {
            await DeliverAsync(HookSteps.Activate, artifact, null, cancellationToken);
        }
        await RecordAcceptedAsync(artifact.CertificateName, artifact.VersionNumber, CertificatePem.Sha256Fingerprint(artifact.Leaf), artifact.Leaf.NotAfter, cancellationToken);
    }

    /// <summary>
    /// Sends the version put back (with <c>rolledBackVersion</c> naming the one taken out) when the
    /// receiver had accepted the version being rolled back; a receiver that never took it still
    /// holds the previous certificate and is not asked again.
    /// </summary>
    public async Task RollbackAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var accepted = await ReadAcceptedAsync(artifact.CertificateName, cancellationToken);
        if (accepted is null || !string.Equals(accepted.Value.Fingerprint, CertificatePem.Sha256Fingerprint(artifact.Leaf), StringComparison.OrdinalIgnoreCase)) return;
        var restored = artifact.RestoresVersionNumber is { } number ? await RestoredArtifactAsync(artifact, number, cancellationToken) : null;
        if (Runs(HookSteps.Rollback))
        {
            await DeliverAsync(HookSteps.Rollback, restored ?? artifact, artifact, cancellationToken);
        }
        if (restored is null)
        {
            AtomicFile.TryDelete(AcceptedFile(artifact.CertificateName));
        }
        else
        {
            await RecordAcceptedAsync(artifact.CertificateName, restored.VersionNumber, CertificatePem.Sha256Fingerprint(restored.Leaf), restored.Leaf.NotAfter, cancellationToken);
        }
    }

    public Task RetireAsync(DeploymentArtifact artifact, CancellationToken cancellationToken) =>
        Runs(HookSteps.Retire) ? DeliverAsync(HookSteps.Retire, artifact, null, cancellationToken) : Task.CompletedTask;

    public async Task<TargetInspection> InspectAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var accepted = await ReadAcceptedAsync(artifact.CertificateName, cancellationToken);
        return accepted is { } a
            ? new TargetInspection(a.Fingerprint, a.NotAfter, $"version {a.Number} was accepted by {Authority}")
            : new TargetInspection(null, null, $"{Authority} has accepted no version of {artifact.CertificateName}");
    }

    /// <summary>The version <paramref name="number"/> of the artifact's certificate, from the store, as the artifact it was.</summary>
    private async Task<DeploymentArtifact?> RestoredArtifactAsync(DeploymentArtifact current, long number, CancellationToken cancellationToken)
    {
        var version = (await store.ListVersionsAsync(current.CertificateName, cancellationToken)).FirstOrDefault(v => v.Number == number);
        if (version is null) return null;
        var chain = CertificatePem.ReadPemChain(version.ChainPem);
        var key = spec.IncludePrivateKey && !current.IsTrustOnly && keys is not null ? await keys.ExportPkcs8PemAsync(version.KeyRef, cancellationToken) : "";
        return current with
        {
            VersionId = version.Id,
            Leaf = chain[0],
            Intermediates = chain.Skip(1).Take(version.IntermediateCount).ToList(),
            Roots = chain.Skip(1 + version.IntermediateCount).ToList(),
            PrivateKeyPem = key,
            VersionNumber = version.Number,
            RestoresVersionNumber = null,
        };
    }

    private async Task RecordAcceptedAsync(string certificate, long number, string fingerprint, DateTime notAfter, CancellationToken cancellationToken)
    {
        var path = AcceptedFile(certificate);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var unix = new DateTimeOffset(notAfter.ToUniversalTime()).ToUnixTimeSeconds();
        await AtomicFile.WriteAsync(path, string.Create(CultureInfo.InvariantCulture, $"{number}\n{fingerprint}\n{unix}\n"), FileTargetSpec.DefaultKeyMode, cancellationToken);
    }

    private async Task<(long Number, string Fingerprint, DateTimeOffset NotAfter)?> ReadAcceptedAsync(string certificate, CancellationToken cancellationToken)
    {
        var (text, _) = await BoundedFile.ReadTextAsync(AcceptedFile(certificate), 4096, cancellationToken);
        var lines = text?.Split('\n');
        if (lines is not { Length: >= 3 } ||
            !long.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number) ||
            !long.TryParse(lines[2], NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            return null;
        }
        return (number, lines[1], DateTimeOffset.FromUnixTimeSeconds(unix));
    }

    private bool Runs(string step) => spec.Steps.Contains(step, StringComparer.Ordinal);

    /// <summary>Scheme, host and port only: a receiver's path or query may carry a token.</summary>
    private string Authority => Uri.TryCreate(spec.Url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "the receiver";
}
