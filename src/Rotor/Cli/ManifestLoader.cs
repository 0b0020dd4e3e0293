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
                errors.Add(new ManifestError(p, 0, 0, "-f", "file-exists", "no such file or folder"));
            }
        }
        return files;
    }

    /// <summary>Parses and checks; returns the resources, or the full list of errors.</summary>
    public static async Task<(IReadOnlyList<Resource> Resources, IReadOnlyList<ManifestError> Errors)> LoadAsync(
        IEnumerable<string> paths, IStore store, CancellationToken cancellationToken)
    {
        var errors = new List<ManifestError>();
        var resources = new List<Resource>();
        foreach (var file in ExpandPaths(paths, errors))
        {
            var result = ManifestParser.Parse(await File.ReadAllTextAsync(file, cancellationToken), file);
            resources.AddRange(result.Resources);
            errors.AddRange(result.Errors);
        }
        foreach (var dup in resources.GroupBy(r => (r.Kind, r.Name)).Where(g => g.Select(r => r.Source.File).Distinct().Count() > 1))
        {
            var second = dup.Skip(1).First();
            errors.Add(new ManifestError(second.Source.File, second.Source.Line, 1, "metadata.name", "unique-name",
                $"{dup.Key.Kind} '{dup.Key.Name}' is also defined in {dup.First().Source.File}"));
        }
        var existing = new Dictionary<string, HashSet<string>>();
        foreach (var kind in ResourceKinds.All)
        {
            existing[kind] = (await store.ListResourcesAsync(kind, cancellationToken)).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        }
        errors.AddRange(ReferenceValidator.Validate(resources, (kind, name) => existing[kind].Contains(name)));
        if (errors.Count == 0)
        {
            errors.AddRange(await Targets.DeployFolderValidator.ValidateAsync(resources, store, cancellationToken));
        }
        return (resources, errors);
    }

    /// <summary>
    /// Loads, and stores if valid. Prints each outcome (to <paramref name="outcomes"/>, else standard
    /// output; or every error) and returns an exit code.
    /// </summary>
    public static async Task<int> ApplyAsync(IEnumerable<string> paths, RotorHost host, CliContext cli, CancellationToken cancellationToken, TextWriter? outcomes = null)
    {
        var (resources, errors) = await LoadAsync(paths, host.Store, cancellationToken);
        if (errors.Count > 0)
        {
            cli.Error.WriteLine($"error: {errors.Count} problem(s) found; nothing was applied:");
            foreach (var e in errors)
            {
                cli.Error.WriteLine("  " + e);
            }
            return ExitCodes.InvalidInput;
        }
        if (resources.Count == 0)
        {
            return cli.Fail(ExitCodes.InvalidInput, "no rotor/v1 documents found");
        }
        var now = host.Time.GetUtcNow();
        var applied = await host.Store.ApplyAsync(resources.Select(r => SpecSerializer.ToStored(r, now)).ToList(), now, cancellationToken);
        foreach (var (r, outcome) in applied)
        {
            (outcomes ?? cli.Output).WriteLine($"{r.Kind.ToLowerInvariant()}/{r.Name} {outcome.ToString().ToLowerInvariant()}");
            if (outcome != ApplyOutcome.Unchanged)
            {
                await host.Store.AppendEventAsync(new EventRecord(0, now, r.Kind, r.Name, EventType.Normal, "Applied",
                    $"{outcome.ToString().ToLowerInvariant()} from {r.SourceFile} (generation {r.Generation})"), cancellationToken);
            }
        }
        host.Wake();
        return ExitCodes.Ok;
    }
}
