using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Cli;

/// <summary>
/// Reads manifests from files and folders (*.yaml, *.yml, sorted), checks them, and stores
/// them only if every document of every file is valid: one bad document changes nothing.
/// </summary>
public static class ManifestLoader
{
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths, List<ManifestError> errors)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
            {
                files.AddRange(Directory.EnumerateFiles(p, "*.*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(p))
            {
                files.Add(p);
            }
            else
            {
                errors.Add(new ManifestError(p, 0, 0, "-f", "file-exists", "no such file or folder (given with -f)"));
            }
        }
        return files;
    }

    /// <summary>Parses and checks; returns the resources, or the full list of errors.</summary>
    public static async Task<(IReadOnlyList<Resource> Resources, IReadOnlyList<ManifestError> Errors)> LoadAsync(
        IEnumerable<string> paths, IStore? store, CancellationToken cancellationToken)
    {
        var errors = new List<ManifestError>();
        var resources = new List<Resource>();
        foreach (var file in ExpandPaths(paths, errors))
        {
            var result = await ParseFileAsync(file, cancellationToken);
            resources.AddRange(result.Resources);
            errors.AddRange(result.Errors);
        }
        await CheckAsync(resources, errors, store, cancellationToken);
        return (resources, errors);
    }

    /// <summary>
    /// The checks across documents, after each parsed on its own: a name defined twice, references to
    /// resources that exist (in this apply or in the store), deploy folders that do not overlap.
    /// Adds every problem to <paramref name="errors"/>. <c>rotor apply</c> and the operator API both use it.
    /// </summary>
    public static async Task CheckAsync(IReadOnlyList<Resource> resources, List<ManifestError> errors, IStore? store, CancellationToken cancellationToken)
    {
        foreach (var dup in resources.GroupBy(r => (r.Kind, r.Name)).Where(g => g.Select(r => r.Source.File).Distinct().Count() > 1))
        {
            var second = dup.Skip(1).First();
            errors.Add(new ManifestError(second.Source.File, second.Source.Line, 1, "metadata.name", "unique-name",
                $"{dup.Key.Kind} '{dup.Key.Name}' is also defined in {dup.First().Source.File}"));
        }
        // Only the kinds a document can refer to; certificates are never referred to, so a fleet of
        // them costs nothing here.
        var existing = new Dictionary<string, HashSet<string>>();
        foreach (var kind in ReferableKinds)
        {
            existing[kind] = store is null ? [] : (await store.ListResourcesAsync(kind, cancellationToken)).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        }
        errors.AddRange(ReferenceValidator.Validate(resources, (kind, name) => existing.TryGetValue(kind, out var names) && names.Contains(name)));
        if (errors.Count == 0)
        {
            errors.AddRange(await Targets.DeployFolderValidator.ValidateAsync(resources, store, cancellationToken));
        }
    }

    /// <summary>The kinds another document may name (issuerRef, deploy targets and endpoints, alert routes' notifiers).</summary>
    public static readonly IReadOnlyList<string> ReferableKinds = [ResourceKinds.Issuer, ResourceKinds.Target, ResourceKinds.Endpoint, ResourceKinds.Notifier];

    /// <summary>
    /// Reads one file, at most <see cref="ManifestLimits.MaxFileBytes"/> of it: a larger file is
    /// refused before its content is read (and a file that grows while read, or a device that never
    /// ends, stops at the limit), so a huge file costs neither memory nor time.
    /// </summary>
    internal static async Task<ManifestParseResult> ParseFileAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
            if (stream.CanSeek && stream.Length > ManifestLimits.MaxFileBytes)
            {
                return TooLarge(file, stream.Length);
            }
            // One byte past the limit tells "too large" from "exactly at the limit"; a file that
            // grows while read, or a device that never ends, stops there.
            const int cap = ManifestLimits.MaxFileBytes + 1;
            var buffer = new byte[stream.CanSeek && stream.Length > 0 ? stream.Length + 1 : 64 * 1024];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length == cap) break;
                    Array.Resize(ref buffer, (int)Math.Min(2L * buffer.Length, cap));
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0) break;
                length += read;
            }
            return length > ManifestLimits.MaxFileBytes ? TooLarge(file, length) : ManifestParser.Parse(buffer.AsSpan(0, length), file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ManifestParseResult([], [new ManifestError(file, 0, 0, "-f", "file-read", "cannot read the file: " + e.Message)]);
        }
    }

    private static ManifestParseResult TooLarge(string file, long size) =>
        new([], [new ManifestError(file, 1, 1, "(file)", "yaml-size",
            $"the file is {size:N0} bytes or more; a manifest file may hold at most {ManifestLimits.MaxFileBytes:N0} bytes (split it into several files)")]);

    /// <summary>
    /// Checks manifests before a new data folder is made for them: when the folder does not exist yet,
    /// invalid manifests are refused (exit 2) without creating anything. Null when they may be applied.
    /// </summary>
    public static async Task<int?> RefuseBeforeCreatingAsync(IEnumerable<string> paths, string dataDirectory, CliContext cli, CancellationToken cancellationToken)
    {
        if (!Storage.DataFolder.IsNew(dataDirectory)) return null;
        var (resources, errors) = await LoadAsync(paths, null, cancellationToken);
        return Refuse(resources, errors, cli);
    }

    private static int? Refuse(IReadOnlyList<Resource> resources, IReadOnlyList<ManifestError> errors, CliContext cli)
    {
        if (errors.Count > 0)
        {
            cli.Error.WriteLine($"error: {errors.Count} problem(s) found; nothing was applied:");
            foreach (var e in errors)
            {
                cli.Error.WriteLine("  " + e);
            }
            return ExitCodes.InvalidInput;
        }
        return resources.Count == 0 ? cli.Fail(ExitCodes.InvalidInput, "no rotor/v1 documents found") : null;
    }

    /// <summary>
    /// Loads, and stores if valid. Prints each outcome (to <paramref name="outcomes"/>, else standard
    /// output; or every error) and returns an exit code.
    /// </summary>
    public static async Task<int> ApplyAsync(IEnumerable<string> paths, RotorHost host, CliContext cli, CancellationToken cancellationToken, TextWriter? outcomes = null)
    {
        var (resources, errors) = await LoadAsync(paths, host.Store, cancellationToken);
        if (Refuse(resources, errors, cli) is { } refused) return refused;
        foreach (var (r, outcome) in await StoreAsync(resources, host, null, cancellationToken))
        {
            (outcomes ?? cli.Output).WriteLine($"{r.Kind.ToLowerInvariant()}/{r.Name} {outcome.ToString().ToLowerInvariant()}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Stores checked resources in one transaction, records an event for each change (naming
    /// <paramref name="actor"/> when given: the API token) and wakes a running <c>rotor run</c>.
    /// </summary>
    public static async Task<IReadOnlyList<(StoredResource Resource, ApplyOutcome Outcome)>> StoreAsync(
        IReadOnlyList<Resource> resources, RotorHost host, string? actor, CancellationToken cancellationToken)
    {
        var now = host.Time.GetUtcNow();
        var applied = await host.Store.ApplyAsync(resources.Select(r => SpecSerializer.ToStored(r, now)).ToList(), now, cancellationToken);
        foreach (var (r, outcome) in applied)
        {
            await RecordAsync(host, r, outcome, actor, cancellationToken);
        }
        host.Wake();
        return applied;
    }

    /// <summary>The event of one stored change (none when nothing changed).</summary>
    public static async Task RecordAsync(RotorHost host, StoredResource r, ApplyOutcome outcome, string? actor, CancellationToken cancellationToken)
    {
        if (outcome == ApplyOutcome.Unchanged) return;
        await host.Store.AppendEventAsync(new EventRecord(0, host.Time.GetUtcNow(), r.Kind, r.Name, EventType.Normal, RotorReasons.Applied,
            $"{outcome.ToString().ToLowerInvariant()} from {r.SourceFile} (generation {r.Generation})" + (actor is null ? "" : $" by {actor}")), cancellationToken);
    }
}
