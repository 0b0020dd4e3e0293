using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.IO;
using Rotor.Issuers;
using Rotor.Keys;
using Rotor.Certificates;

namespace Rotor.Targets;

/// <summary>
/// Writes <c>cert.pem</c> (leaf), <c>chain.pem</c> (CA certificates above the leaf, up to the
/// root), <c>fullchain.pem</c> (leaf and intermediates, what a server presents), <c>key.pem</c>
/// (PKCS#8, unencrypted, 0600) and optionally a PKCS#12 file, into one folder; then reloads.
/// Stage writes into <c>.rotor/staged</c>; activate keeps the live files in <c>.rotor/previous</c>,
/// renames the staged ones in, reloads, and puts the previous files back if the reload fails.
/// </summary>
public sealed partial class FileTarget(string name, FileTargetSpec spec, string targetManifestDirectory, FileTargetReloads? reloads = null)
    : ITarget, ILeftoverSweepingTarget
{
    private const string StateFolder = ".rotor";

    private readonly FileTargetReloads _reloads = reloads ?? new FileTargetReloads();

    /// <summary>Rotor's working folders under a certificate's folder: where its temp files may be left.</summary>
    private static readonly string[] StateFolders = [StateFolder, Path.Combine(StateFolder, "staged"), Path.Combine(StateFolder, "previous")];

    public string Name => name;

    public bool CanHoldTwoCertificates => false;

    /// <summary>The folder a certificate's files go to: the deploy entry's path, else the target's.</summary>
    public string FolderFor(DeploymentArtifact artifact) =>
        ResolveFolder(artifact.Binding, artifact.ManifestDirectory, spec, targetManifestDirectory)
        ?? throw new RotorException($"file target '{name}' has no folder: set spec.file.path on the Target or path on the certificate's deploy entry", isTransient: false)
        { Reason = RotorReasons.TargetMisconfigured };

    /// <summary>
    /// The deploy entry's path (relative to the certificate's manifest), else the target's path
    /// (relative to the target's manifest); null when neither is set.
    /// </summary>
    public static string? ResolveFolder(DeployBinding binding, string certificateDirectory, FileTargetSpec spec, string targetDirectory)
    {
        if (binding.Path is { } p) return Path.GetFullPath(Path.Combine(certificateDirectory, p));
        if (spec.Path is { } tp) return Path.GetFullPath(Path.Combine(targetDirectory, tp));
        return null;
    }

    /// <summary>
    /// Deletes the temp files a killed write left in <c>.rotor/</c>, <c>.rotor/staged</c> and
    /// <c>.rotor/previous</c> of the binding's folder: regular files whose names are
    /// <see cref="AtomicFile"/>'s own temp pattern. A state folder that is a symbolic link is not
    /// entered; the certificate's live files and anything else are never touched.
    /// </summary>
    public IReadOnlyList<string> RemoveLeftovers(DeployBinding binding, string certificateDirectory)
    {
        if (ResolveFolder(binding, certificateDirectory, spec, targetManifestDirectory) is not { } folder) return [];
        var removed = new List<string>();
        foreach (var state in StateFolders.Select(s => new DirectoryInfo(Path.Combine(folder, s))))
        {
            if (!state.Exists || state.LinkTarget is not null)
            {
                if (state.Name == StateFolder) break; // no .rotor of Rotor's own: nothing under it either
                continue;
            }
            try
            {
                foreach (var file in state.EnumerateFiles())
                {
                    if (file.LinkTarget is not null || !AtomicFile.IsTempFileName(file.Name)) continue;
                    file.Delete();
                    removed.Add(file.FullName);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next pass; a leftover temp file harms nothing but disk space.
            }
        }
        return removed;
    }

    private IEnumerable<string> OutputNames(DeploymentArtifact artifact)
    {
        if (artifact.IsTrustOnly)
        {
            // A peer's trust store: the CA certificates only, never a key.
            yield return spec.ChainFile;
            yield break;
        }
        yield return spec.CertificateFile;
        yield return spec.ChainFile;
        yield return spec.FullChainFile;
        yield return spec.PrivateKeyFile;
        if (spec.Pkcs12 is { } p) yield return p.File;
    }

    public async Task StageAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var staged = Path.Combine(FolderFor(artifact), StateFolder, "staged");
        Directory.CreateDirectory(staged);
        var uid = await FileOwnership.ResolveAsync(spec.Owner, group: false, cancellationToken);
        var gid = await FileOwnership.ResolveAsync(spec.Group, group: true, cancellationToken);
        var leafPem = CertificatePem.ToPem(artifact.Leaf);
        var chainPem = string.Concat(artifact.Intermediates.Concat(artifact.Roots).Select(CertificatePem.ToPem));
        if (artifact.IsTrustOnly)
        {
            // The new CA beside the ones still in their overlap window, each once.
            var bundle = artifact.Intermediates.Concat(artifact.Roots).Concat(artifact.AdditionalTrust).DistinctBy(c => c.Thumbprint);
            await AtomicFile.WriteAsync(Path.Combine(staged, spec.ChainFile), Encoding.UTF8.GetBytes(string.Concat(bundle.Select(CertificatePem.ToPem))), spec.Mode, cancellationToken);
            FileOwnership.Apply(Path.Combine(staged, spec.ChainFile), uid, gid);
            WriteVersionMarker(staged, artifact);
            return;
        }
        var fullPem = leafPem + string.Concat(artifact.Intermediates.Select(CertificatePem.ToPem));

        var files = new List<AtomicFile.FileContent>
        {
            new(Path.Combine(staged, spec.CertificateFile), Encoding.UTF8.GetBytes(leafPem), spec.Mode),
            new(Path.Combine(staged, spec.ChainFile), Encoding.UTF8.GetBytes(chainPem), spec.Mode),
            new(Path.Combine(staged, spec.FullChainFile), Encoding.UTF8.GetBytes(fullPem), spec.Mode),
            new(Path.Combine(staged, spec.PrivateKeyFile), Encoding.UTF8.GetBytes(artifact.PrivateKeyPem), spec.KeyMode),
        };
        if (spec.Pkcs12 is { } p12)
        {
            var password = p12.PasswordSecretRef is { } secret
                ? await SecretResolver.ResolveAsync(secret, targetManifestDirectory, cancellationToken)
                : "";
            files.Add(new(Path.Combine(staged, p12.File), ExportPkcs12(artifact, password), spec.KeyMode));
        }
        // One batch: the files share their fsyncs (VERSION, written after, marks the set complete).
        await AtomicFile.WriteAllAsync(files, cancellationToken);
        foreach (var file in files)
        {
            FileOwnership.Apply(file.Path, uid, gid);
        }
        WriteVersionMarker(staged, artifact);
    }

    /// <summary>
    /// Marks the staged set complete. A few bytes, written synchronously: an async write of a file
    /// this small costs more in its thread-pool hop than in the write.
    /// </summary>
    private static void WriteVersionMarker(string staged, DeploymentArtifact artifact) =>
        File.WriteAllText(Path.Combine(staged, "VERSION"), artifact.VersionId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static byte[] ExportPkcs12(DeploymentArtifact artifact, string password)
    {
        using AsymmetricAlgorithm key = artifact.Leaf.GetECDsaPublicKey() is not null ? ECDsa.Create() : RSA.Create();
        key.ImportFromPem(artifact.PrivateKeyPem);
        using var withKey = CertificateBuilder.WithPrivateKey(artifact.Leaf, key);
        var collection = new X509Certificate2Collection { withKey };
        collection.AddRange(artifact.Intermediates.ToArray());
        return collection.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password)!;
    }

    public async Task ActivateAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var folder = FolderFor(artifact);
        var staged = Path.Combine(folder, StateFolder, "staged");
        var previous = Path.Combine(folder, StateFolder, "previous");
        if (!File.Exists(Path.Combine(staged, "VERSION")))
        {
            if (!artifact.IsTrustOnly && await IsLiveAsync(artifact, cancellationToken))
            {
                return; // activated before a crash; nothing left to do
            }
            await StageAsync(artifact, cancellationToken);
        }

        // Keep what is in service, so a failed reload can put it back.
        if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
        Directory.CreateDirectory(previous);
        foreach (var file in OutputNames(artifact))
        {
            var live = Path.Combine(folder, file);
            if (File.Exists(live)) File.Copy(live, Path.Combine(previous, file), overwrite: true);
        }
        File.WriteAllText(Path.Combine(previous, "COMPLETE"), "");

        // Key first would make a server that reloads on its own pair a new key with an old
        // certificate; the certificate first has the same problem. Renames are each atomic and
        // the reload comes after all of them (and after one fsync of the folder makes them durable).
        AtomicFile.ReplaceAll(OutputNames(artifact).Select(file => (Path.Combine(staged, file), Path.Combine(folder, file))).ToList());
        File.Delete(Path.Combine(staged, "VERSION"));

        if (spec.Reload is { } reload)
        {
            try
            {
                await ReloadAsync(reload, artifact, folder, rollback: false, cancellationToken);
            }
            catch (RotorException)
            {
                await RestorePreviousAsync(folder, artifact);
                throw;
            }
        }
    }

    private Task RestorePreviousAsync(string folder, DeploymentArtifact artifact)
    {
        var previous = Path.Combine(folder, StateFolder, "previous");
        if (!File.Exists(Path.Combine(previous, "COMPLETE"))) return Task.CompletedTask;
        foreach (var file in OutputNames(artifact))
        {
            var saved = Path.Combine(previous, file);
            var live = Path.Combine(folder, file);
            if (File.Exists(saved))
            {
                AtomicFile.CopyOver(saved, live);
            }
            else if (File.Exists(live))
            {
                File.Delete(live); // there was nothing before this version
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Puts back the files that were live before this version, and reloads so the server serves them again.</summary>
    public async Task RollbackAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var folder = FolderFor(artifact);
        if (!File.Exists(Path.Combine(folder, StateFolder, "previous", "COMPLETE"))) return; // never activated here
        await RestorePreviousAsync(folder, artifact);
        if (spec.Reload is { } reload)
        {
            await ReloadAsync(reload, artifact, folder, rollback: true, cancellationToken);
        }
    }

    public Task RetireAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var state = Path.Combine(FolderFor(artifact), StateFolder);
        if (Directory.Exists(Path.Combine(state, "previous"))) Directory.Delete(Path.Combine(state, "previous"), recursive: true);
        return Task.CompletedTask;
    }

    public async Task<TargetInspection> InspectAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        // A trust store is identified by its first CA certificate.
        var path = Path.Combine(FolderFor(artifact), artifact.IsTrustOnly ? spec.ChainFile : spec.CertificateFile);
        if (!File.Exists(path)) return new TargetInspection(null, null, $"{path} does not exist");
        try
        {
            using var cert = X509CertificateLoader.LoadCertificate(Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(path, cancellationToken)));
            return new TargetInspection(CertificatePem.Sha256Fingerprint(cert), new DateTimeOffset(cert.NotAfter.ToUniversalTime()), path);
        }
        catch (CryptographicException)
        {
            return new TargetInspection(null, null, $"{path} is not a certificate");
        }
    }

    private async Task<bool> IsLiveAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var inspection = await InspectAsync(artifact, cancellationToken);
        return inspection.Sha256Fingerprint == CertificatePem.Sha256Fingerprint(artifact.Leaf);
    }
}
