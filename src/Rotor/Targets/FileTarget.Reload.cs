using System.Collections.Concurrent;
using System.Globalization;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Targets;

public sealed partial class FileTarget
{
    /// <summary>
    /// Makes the server take the files now in <paramref name="folder"/>. A signal, or a command the
    /// target marks <c>batch: true</c>, is shared with the certificates of this target whose files
    /// landed meanwhile (<see cref="ReloadCoalescer{TMember}"/>); any other command runs for this
    /// certificate alone. Either way it returns only after a reload that started after this call.
    /// </summary>
    private Task ReloadAsync(ReloadSpec reload, DeploymentArtifact artifact, string folder, bool rollback, CancellationToken cancellationToken)
    {
        // ROTOR_VERSION is always the version now in service: after a rollback the one put back
        // (none when there was none), the one taken out in ROTOR_ROLLED_BACK_VERSION.
        var request = new ReloadRequest(artifact.CertificateName, rollback ? artifact.RestoresVersionNumber : artifact.VersionNumber, folder,
            rollback ? artifact.VersionNumber : null);
        if (reload.Command is not null && !reload.Batch)
        {
            return RunReloadAsync(reload, [request], rollback, cancellationToken);
        }
        // The reload runs for every request of its batch: no one request's token may stop it (its timeout bounds it).
        var shared = _reloads.For(ReloadKey(reload, rollback), members => RunReloadAsync(reload, members, rollback, CancellationToken.None));
        return shared.RequestAsync(request, cancellationToken);
    }

    /// <summary>
    /// Requests share a reload only when it would be the same reload: same target, same action,
    /// same kind (a rollback's reload tells the command so, a deploy's does not).
    /// </summary>
    private string ReloadKey(ReloadSpec reload, bool rollback) => string.Join('\n', name, rollback ? "rollback" : "deploy", targetManifestDirectory,
        reload.Command ?? "", reload.Signal ?? "", reload.PidFile ?? "", reload.Timeout.Ticks.ToString(CultureInfo.InvariantCulture),
        reload.Batch ? "batch" : "", string.Join(',', reload.PassEnvironment ?? []));

    /// <summary>
    /// Runs the reload action with what it may want to know about the change in its environment
    /// (README, "What reload commands see"): one certificate's variables, or for a batch command
    /// the same facts one line per certificate, in the same order.
    /// </summary>
    private Task RunReloadAsync(ReloadSpec reload, IReadOnlyList<ReloadRequest> requests, bool rollback, CancellationToken cancellationToken)
    {
        static string Number(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "";
        var environment = new Dictionary<string, string> { ["ROTOR_TARGET"] = name };
        if (reload.Batch)
        {
            environment["ROTOR_CERTIFICATES"] = string.Join('\n', requests.Select(r => r.Certificate));
            environment["ROTOR_VERSIONS"] = string.Join('\n', requests.Select(r => Number(r.Version)));
            environment["ROTOR_TARGET_DIRS"] = string.Join('\n', requests.Select(r => r.Folder));
            if (rollback)
            {
                environment["ROTOR_ROLLBACK"] = "1";
                environment["ROTOR_ROLLED_BACK_VERSIONS"] = string.Join('\n', requests.Select(r => Number(r.RolledBackVersion)));
            }
        }
        else
        {
            // One certificate (a signal's batch has no environment to fill: the first stands for all).
            var one = requests[0];
            environment["ROTOR_CERTIFICATE"] = one.Certificate;
            environment["ROTOR_VERSION"] = Number(one.Version);
            environment["ROTOR_TARGET_DIR"] = one.Folder;
            if (rollback)
            {
                environment["ROTOR_ROLLBACK"] = "1";
                environment["ROTOR_ROLLED_BACK_VERSION"] = Number(one.RolledBackVersion);
            }
        }
        foreach (var passed in reload.PassEnvironment ?? [])
        {
            // Only what the target lists by name; ChildEnvironment drops the master key whatever is listed.
            if (Environment.GetEnvironmentVariable(passed) is { } value) environment.TryAdd(passed, value);
        }
        return ReloadAction.RunAsync(reload, Path.GetFullPath(targetManifestDirectory), environment, cancellationToken);
    }
}

/// <summary>One certificate's part in a reload: whose files, which version they are, where.</summary>
internal sealed record ReloadRequest(string Certificate, long? Version, string Folder, long? RolledBackVersion);

/// <summary>
/// The reloads the file targets of one Rotor process share, so that certificates deploying to one
/// target at the same time reload it once (<see cref="ReloadCoalescer{TMember}"/>). Thread-safe.
/// </summary>
public sealed class FileTargetReloads
{
    /// <summary>
    /// Most certificates one reload answers: bounds the batch command's environment
    /// (<c>ROTOR_TARGET_DIRS</c> holds a path per certificate).
    /// </summary>
    public const int MaxBatch = 64;

    private readonly ConcurrentDictionary<string, ReloadCoalescer<ReloadRequest>> _shared = new(StringComparer.Ordinal);

    internal ReloadCoalescer<ReloadRequest> For(string key, Func<IReadOnlyList<ReloadRequest>, Task> reload) =>
        _shared.GetOrAdd(key, _ => new ReloadCoalescer<ReloadRequest>(reload, MaxBatch));

    /// <summary>Reloads started so far, over every target.</summary>
    public int Reloads => _shared.Values.Sum(c => c.Reloads);

    /// <summary>Certificates waiting for a reload that has not started yet, over every target.</summary>
    public int Waiting => _shared.Values.Sum(c => c.Waiting);
}
