using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Rotor.Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.IO;

namespace Rotor.Targets;

/// <summary>
/// Hands a certificate to a command, the way certbot and lego hand one to a deploy hook, so an
/// existing hook runs unchanged. Each certificate has a lineage folder <c>live/CERTIFICATE</c>
/// holding certbot's file names: <c>cert.pem</c> (leaf), <c>chain.pem</c> (the issuer's
/// certificates: the intermediates, or the root when it signed the leaf itself),
/// <c>fullchain.pem</c> (leaf and intermediates) and <c>privkey.pem</c> (PKCS#8, 0600); a trust
/// binding gets <c>chain.pem</c> alone (the CA bundle). Stage writes the files to
/// <c>.rotor/staged/CERTIFICATE</c>; activate keeps the live ones in <c>.rotor/previous/CERTIFICATE</c>,
/// renames the staged ones in and runs the command; a command that fails or times out gets the
/// previous files back (and is run once more on them as a rollback), so the previous certificate
/// stays where it was. Which steps run the command is the target's <c>steps</c> (default
/// activate and rollback, as a deploy hook runs).
/// </summary>
public sealed partial class ExecTarget(string name, ExecTargetSpec spec, string targetManifestDirectory, string? stateDirectory, TimeProvider time, ILogger logger) : ITarget
{
    internal const string CertFile = "cert.pem";
    internal const string ChainFile = "chain.pem";
    internal const string FullChainFile = "fullchain.pem";
    internal const string KeyFile = "privkey.pem";
    private const string VersionMarker = "VERSION";
    private const string CompleteMarker = "COMPLETE";

    private static readonly UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public bool CanHoldTwoCertificates => false;

    /// <summary>Where the lineages are: the target's <c>path</c>, else the data folder's <c>targets/TARGET</c>.</summary>
    internal string Root => spec.Path is { } p
        ? Path.GetFullPath(Path.Combine(targetManifestDirectory, p))
        : stateDirectory is { } s
            ? Path.Combine(s, name)
            : throw new RotorException($"exec target '{name}' has no folder for its lineages: set spec.exec.path", isTransient: false) { Reason = RotorReasons.TargetMisconfigured };

    internal string LiveFolder(DeploymentArtifact a) => Path.Combine(Root, "live", a.CertificateName);
    private string StagedFolder(DeploymentArtifact a) => Path.Combine(Root, ".rotor", "staged", a.CertificateName);
    private string PreviousFolder(DeploymentArtifact a) => Path.Combine(Root, ".rotor", "previous", a.CertificateName);

    /// <summary>Written before the live files change, removed when the command has taken them: a crash in between runs the command again.</summary>
    private string ActivatingMarker(DeploymentArtifact a) => Path.Combine(Root, ".rotor", a.CertificateName + ".activating");

    /// <summary>The number of the version in the lineage (kept beside it: the lineage holds certbot's files only).</summary>
    private string LiveNumberFile(DeploymentArtifact a) => Path.Combine(Root, ".rotor", a.CertificateName + ".version");

    private const string NumberFile = "NUMBER";

    private static IEnumerable<string> OutputNames(DeploymentArtifact artifact) =>
        artifact.IsTrustOnly ? [ChainFile] : [CertFile, ChainFile, FullChainFile, KeyFile];

    private void CreateFolders(params string[] folders)
    {
        // The lineages hold private keys: every folder Rotor makes for them is its owner's alone.
        foreach (var folder in new[] { Root, Path.Combine(Root, "live"), Path.Combine(Root, ".rotor"), Path.Combine(Root, ".rotor", "staged"), Path.Combine(Root, ".rotor", "previous") }.Concat(folders))
        {
            if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, FolderMode);
        }
    }

    private async Task WriteStagedAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var staged = StagedFolder(artifact);
        CreateFolders(staged, LiveFolder(artifact));
        var files = new List<AtomicFile.FileContent>();
        if (artifact.IsTrustOnly)
        {
            var bundle = artifact.Intermediates.Concat(artifact.Roots).Concat(artifact.AdditionalTrust).DistinctBy(c => c.Thumbprint);
            files.Add(new(Path.Combine(staged, ChainFile), Encoding.UTF8.GetBytes(string.Concat(bundle.Select(CertificatePem.ToPem))), FileTargetSpec.DefaultMode));
        }
        else
        {
            var leaf = CertificatePem.ToPem(artifact.Leaf);
            var issuers = artifact.Intermediates.Count > 0 ? artifact.Intermediates : artifact.Roots;
            files.Add(new(Path.Combine(staged, CertFile), Encoding.UTF8.GetBytes(leaf), FileTargetSpec.DefaultMode));
            files.Add(new(Path.Combine(staged, ChainFile), Encoding.UTF8.GetBytes(string.Concat(issuers.Select(CertificatePem.ToPem))), FileTargetSpec.DefaultMode));
            files.Add(new(Path.Combine(staged, FullChainFile), Encoding.UTF8.GetBytes(leaf + string.Concat(artifact.Intermediates.Select(CertificatePem.ToPem))), FileTargetSpec.DefaultMode));
            files.Add(new(Path.Combine(staged, KeyFile), Encoding.UTF8.GetBytes(artifact.PrivateKeyPem), FileTargetSpec.DefaultKeyMode));
        }
        await AtomicFile.WriteAllAsync(files, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(staged, VersionMarker), artifact.VersionId.ToString(CultureInfo.InvariantCulture), cancellationToken);
    }

    public async Task StageAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        await WriteStagedAsync(artifact, cancellationToken);
        if (Runs(HookSteps.Stage))
        {
            await RunCommandAsync(HookSteps.Stage, artifact, StagedFolder(artifact), artifact.VersionNumber, cancellationToken);
        }
    }

    public async Task ActivateAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var live = LiveFolder(artifact);
        var staged = StagedFolder(artifact);
        var previous = PreviousFolder(artifact);
        var marker = ActivatingMarker(artifact);
        var resumed = File.Exists(marker) && ReadMarker(marker) == artifact.VersionId && !artifact.IsTrustOnly && IsLive(artifact);
        if (!resumed)
        {
            if (!File.Exists(Path.Combine(staged, VersionMarker)))
            {
                if (!artifact.IsTrustOnly && IsLive(artifact) && !File.Exists(marker)) return; // activated before a crash
                await WriteStagedAsync(artifact, cancellationToken);
            }
            CreateFolders(live, previous);
            // Keep what is in service, so a failed command (and a later rollback) can put it back.
            foreach (var file in Directory.EnumerateFiles(previous)) File.Delete(file);
            foreach (var file in OutputNames(artifact))
            {
                var path = Path.Combine(live, file);
                if (File.Exists(path)) File.Copy(path, Path.Combine(previous, file), overwrite: true);
            }
            if (File.Exists(LiveNumberFile(artifact))) File.Copy(LiveNumberFile(artifact), Path.Combine(previous, NumberFile), overwrite: true);
            await File.WriteAllTextAsync(Path.Combine(previous, CompleteMarker), "", cancellationToken);
            await File.WriteAllTextAsync(marker, artifact.VersionId.ToString(CultureInfo.InvariantCulture), cancellationToken);
            AtomicFile.ReplaceAll(OutputNames(artifact).Select(f => (Path.Combine(staged, f), Path.Combine(live, f))).ToList());
            await File.WriteAllTextAsync(LiveNumberFile(artifact), artifact.VersionNumber.ToString(CultureInfo.InvariantCulture), cancellationToken);
            File.Delete(Path.Combine(staged, VersionMarker));
        }
        if (!Runs(HookSteps.Activate))
        {
            File.Delete(marker);
            return;
        }
        try
        {
            await RunCommandAsync(HookSteps.Activate, artifact, live, artifact.VersionNumber, cancellationToken);
        }
        catch (RotorException failure)
        {
            var restored = await RestorePreviousAsync(artifact);
            File.Delete(marker);
            var note = "; no earlier certificate was there to put back";
            if (restored)
            {
                note = "; the previous files are back in the lineage";
                if (Runs(HookSteps.Rollback))
                {
                    try
                    {
                        var number = ReadNumber(LiveNumberFile(artifact));
                        await RunCommandAsync(HookSteps.Rollback, artifact with { RestoresVersionNumber = number }, live, number, cancellationToken);
                        note = "; the previous certificate was handed to the command again";
                    }
                    catch (RotorException again)
                    {
                        note = $"; handing the previous certificate back failed too ({again.Message})";
                    }
                }
            }
            throw new RotorException(failure.Message + note, isTransient: true, failure) { Reason = failure.Reason };
        }
        File.Delete(marker);
    }

    /// <summary>Puts the previous files back into the lineage; false when there were none (this was the first version here).</summary>
    private Task<bool> RestorePreviousAsync(DeploymentArtifact artifact)
    {
        var previous = PreviousFolder(artifact);
        var live = LiveFolder(artifact);
        if (!File.Exists(Path.Combine(previous, CompleteMarker))) return Task.FromResult(false);
        var any = false;
        var savedNumber = Path.Combine(previous, NumberFile);
        if (File.Exists(savedNumber)) File.Copy(savedNumber, LiveNumberFile(artifact), overwrite: true);
        else AtomicFile.TryDelete(LiveNumberFile(artifact));
        foreach (var file in OutputNames(artifact))
        {
            var saved = Path.Combine(previous, file);
            var path = Path.Combine(live, file);
            if (File.Exists(saved))
            {
                AtomicFile.CopyOver(saved, path);
                any = true;
            }
            else if (File.Exists(path))
            {
                File.Delete(path); // nothing was there before this version
            }
        }
        return Task.FromResult(any);
    }

    /// <summary>Puts the previous files back and runs the command on them (ROTOR_STEP=rollback), so the hook reinstalls them.</summary>
    public async Task RollbackAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        AtomicFile.TryDelete(Path.Combine(StagedFolder(artifact), VersionMarker));
        if (!File.Exists(Path.Combine(PreviousFolder(artifact), CompleteMarker))) return; // never activated here
        var restored = await RestorePreviousAsync(artifact);
        AtomicFile.TryDelete(ActivatingMarker(artifact));
        if (restored && Runs(HookSteps.Rollback))
        {
            await RunCommandAsync(HookSteps.Rollback, artifact, LiveFolder(artifact), artifact.RestoresVersionNumber, cancellationToken);
        }
    }

    public async Task RetireAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        var previous = PreviousFolder(artifact);
        if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
        if (Runs(HookSteps.Retire))
        {
            await RunCommandAsync(HookSteps.Retire, artifact, LiveFolder(artifact), artifact.VersionNumber, cancellationToken);
        }
    }

    public async Task<TargetInspection> InspectAsync(DeploymentArtifact artifact, CancellationToken cancellationToken)
    {
        if (Runs(HookSteps.Inspect))
        {
            return await InspectByCommandAsync(artifact, cancellationToken);
        }
        var path = Path.Combine(LiveFolder(artifact), artifact.IsTrustOnly ? ChainFile : CertFile);
        return InspectFile(path);
    }

    private static TargetInspection InspectFile(string path)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(path);
            if (collection.Count == 0) return new TargetInspection(null, null, $"{path} holds no certificate");
            return new TargetInspection(CertificatePem.Sha256Fingerprint(collection[0]), new DateTimeOffset(collection[0].NotAfter.ToUniversalTime()), path);
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
        {
            return new TargetInspection(null, null, $"{path} cannot be read as a certificate");
        }
    }

    private bool IsLive(DeploymentArtifact artifact) =>
        string.Equals(InspectFile(Path.Combine(LiveFolder(artifact), CertFile)).Sha256Fingerprint, CertificatePem.Sha256Fingerprint(artifact.Leaf), StringComparison.OrdinalIgnoreCase);

    private static long? ReadMarker(string path) => ReadNumber(path);

    private static long? ReadNumber(string path) =>
        File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private bool Runs(string step) => spec.Steps.Contains(step, StringComparer.Ordinal);
}
