using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.IO;
using Rotor.Issuers;
using Rotor.Certificates;

namespace Rotor.Targets;

/// <summary>
/// Kamailio's tls module. Writes the certificate file (leaf first, then intermediates) and the
/// unencrypted PKCS#8 key Kamailio reads, then runs <c>kamcmd tls.reload</c> and checks it
/// twice: by the reply text (kamcmd exits 0 even when Kamailio refused the pair) and by a fresh
/// handshake that must present the new fingerprint. A refused reload is retried with backoff
/// (under handshake load Kamailio occasionally refuses a valid pair); reloads on one control
/// socket are never closer together than the configured interval (back-to-back reloads under
/// load have crashed it). When every attempt fails the previous files go back and are reloaded.
/// </summary>
public sealed partial class KamailioTarget(string name, KamailioTargetSpec spec, string manifestDirectory, IProbe probe, ControlSocketGate reloads, TimeProvider time, ILogger logger) : ITarget
{
    private const string StagedSuffix = ".rotor-staged";
    private const string PreviousSuffix = ".rotor-previous";
    internal const string ReloadedReply = "TLS configuration reloaded";

    public bool CanHoldTwoCertificates => false;

    private string CertificatePath => Resolve(spec.CertificatePath);
    private string KeyPath => Resolve(spec.PrivateKeyPath);
    private string? CaPath => spec.CaPath is { } p ? Resolve(p) : null;

    private string Resolve(string path) => Path.GetFullPath(Path.Combine(manifestDirectory, path));

    /// <summary>(live path, content, mode) of what this artifact writes.</summary>
    private IEnumerable<(string Path, string Content, UnixFileMode Mode)> Files(DeploymentArtifact artifact)
    {
        if (artifact.IsTrustOnly)
        {
            if (CaPath is null)
            {
                throw new RotorException($"kamailio target '{name}' has no caPath, so it cannot take a trust deployment", isTransient: false) { Reason = RotorReasons.TargetMisconfigured };
            }
            var bundle = artifact.Intermediates.Concat(artifact.Roots).Concat(artifact.AdditionalTrust).DistinctBy(c => c.Thumbprint);
            yield return (CaPath, string.Concat(bundle.Select(CertificatePem.ToPem)), FileTargetSpec.DefaultMode);
            yield break;
        }
        var chain = CertificatePem.ToPem(artifact.Leaf) + string.Concat(artifact.Intermediates.Select(CertificatePem.ToPem));
        yield return (CertificatePath, chain, FileTargetSpec.DefaultMode);
        yield return (KeyPath, artifact.PrivateKeyPem, FileTargetSpec.DefaultKeyMode);
    }

    public Task StageAsync(DeploymentArtifact artifact, CancellationToken cancellationToken) =>
        AtomicFile.WriteAllAsync(Files(artifact).Select(f => new AtomicFile.FileContent(f.Path + StagedSuffix, System.Text.Encoding.UTF8.GetBytes(f.Content), f.Mode)).ToList(),
            cancellationToken);

    public async Task ActivateAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var files = Files(artifact).ToList();
        if (files.All(f => File.Exists(f.Path + StagedSuffix)))
        {
            // Keep what is in service so a refused reload (or a later rollback) can put it back.
            foreach (var (path, _, _) in files)
            {
                if (File.Exists(path)) File.Copy(path, path + PreviousSuffix, overwrite: true);
            }
            // The key and certificate are renamed one after the other; a reload only comes after
            // both, so Kamailio never pairs a new key with an old certificate.
            AtomicFile.ReplaceAll(files.Select(f => (f.Path + StagedSuffix, f.Path)).ToList());
        }
        else if (!artifact.IsTrustOnly && !string.Equals(LiveFingerprint(), CertificatePem.Sha256Fingerprint(artifact.Leaf), StringComparison.OrdinalIgnoreCase))
        {
            // Neither staged nor live (a crash between the two, or files changed by hand): stage again.
            await StageAsync(artifact, cancellationToken);
            await ActivateAsync(artifact, cancellationToken);
            return;
        }

        var expected = artifact.IsTrustOnly ? null : CertificatePem.Sha256Fingerprint(artifact.Leaf);
        var failure = await ReloadAndConfirmAsync(expected, artifact.Roots, cancellationToken);
        if (failure is null) return;

        await RestorePreviousAsync(files.Select(f => f.Path));
        var restoredFailure = await ReloadAndConfirmAsync(artifact.IsTrustOnly ? null : LiveFingerprint(), artifact.Roots, cancellationToken, attempts: 2);
        throw new RotorException(
            $"kamailio target '{name}': {failure.Message}; the previous files were put back" +
            (restoredFailure is null ? " and reloaded" : $", but reloading them failed too ({restoredFailure.Message})"),
            isTransient: true)
        { Reason = failure.Reason };
    }

    public async Task RollbackAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var paths = Files(artifact).Select(f => f.Path).ToList();
        foreach (var p in paths) AtomicFile.TryDelete(p + StagedSuffix);
        if (!paths.Any(p => File.Exists(p + PreviousSuffix))) return; // never activated here
        await RestorePreviousAsync(paths);
        var failure = await ReloadAndConfirmAsync(artifact.IsTrustOnly ? null : LiveFingerprint(), [], cancellationToken);
        if (failure is not null)
        {
            throw new RotorException($"kamailio target '{name}': the previous files are back but {failure.Message}", isTransient: true) { Reason = failure.Reason };
        }
    }

    public Task RetireAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        foreach (var (path, _, _) in Files(artifact))
        {
            AtomicFile.TryDelete(path + PreviousSuffix);
            AtomicFile.TryDelete(path + StagedSuffix);
        }
        return Task.CompletedTask;
    }

    public Task<TargetInspection> InspectAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var path = artifact.IsTrustOnly ? CaPath! : CertificatePath;
        var fingerprint = artifact.IsTrustOnly ? FingerprintOfFile(path) : LiveFingerprint();
        return Task.FromResult(new TargetInspection(fingerprint, null, path));
    }

    private string? LiveFingerprint() => FingerprintOfFile(CertificatePath);

    private static string? FingerprintOfFile(string path)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(path);
            return collection.Count == 0 ? null : CertificatePem.Sha256Fingerprint(collection[0]);
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static Task RestorePreviousAsync(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            var saved = path + PreviousSuffix;
            if (!File.Exists(saved)) continue;
            AtomicFile.CopyOver(saved, path);
        }
        return Task.CompletedTask;
    }
}
