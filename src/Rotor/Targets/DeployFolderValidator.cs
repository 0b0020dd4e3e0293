using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Targets;

/// <summary>
/// Apply-time check of file deployments: every binding to a file target has a folder, and no two
/// certificates write into the same folder (their files would overwrite each other, and a SIP
/// server would present whichever came last).
/// </summary>
public static class DeployFolderValidator
{
    public static async Task<IReadOnlyList<ManifestError>> ValidateAsync(IReadOnlyList<Resource> applying, IStore? store, CancellationToken cancellationToken)
    {
        var errors = new List<ManifestError>();
        if (!applying.Any(r => r.Kind is ResourceKinds.Certificate or ResourceKinds.Target)) return errors;

        // Targets and certificates as they will be after this apply: the applied ones win over the stored.
        var targets = new Dictionary<string, (TargetSpec Spec, string Directory)>(StringComparer.Ordinal);
        foreach (var t in store is null ? [] : await store.ListResourcesAsync(ResourceKinds.Target, cancellationToken))
        {
            targets[t.Name] = (SpecSerializer.SpecOf<TargetSpec>(t), SpecSerializer.BaseDirectory(t));
        }
        foreach (var t in applying.Where(r => r.Kind == ResourceKinds.Target))
        {
            targets[t.Name] = (t.AsTarget(), t.Source.Directory);
        }
        var certificates = new Dictionary<string, (CertificateSpec Spec, string Directory, Resource? Applied)>(StringComparer.Ordinal);
        foreach (var c in store is null ? [] : await store.ListResourcesAsync(ResourceKinds.Certificate, cancellationToken))
        {
            certificates[c.Name] = (SpecSerializer.SpecOf<CertificateSpec>(c), SpecSerializer.BaseDirectory(c), null);
        }
        foreach (var c in applying.Where(r => r.Kind == ResourceKinds.Certificate))
        {
            certificates[c.Name] = (c.AsCertificate(), c.Source.Directory, c);
        }

        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, (spec, directory, applied)) in certificates.OrderBy(c => c.Value.Applied is null ? 0 : 1).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            for (var i = 0; i < spec.Deploy.Count; i++)
            {
                var binding = spec.Deploy[i];
                var field = binding.Path is null ? $"spec.deploy[{i}]" : $"spec.deploy[{i}].path";
                if (!targets.TryGetValue(binding.Target, out var target) || target.Spec.File is not { } file) continue;
                var folder = FileTarget.ResolveFolder(binding, directory, file, target.Directory);
                if (applied is null)
                {
                    if (folder is not null) owners.TryAdd(folder, name);
                    continue;
                }
                if (folder is null)
                {
                    errors.Add(applied.Source.Error(field, "file-target-folder",
                        $"Certificate '{name}' deploys to file Target '{binding.Target}', which has no path: set path on the deploy entry or spec.file.path on the Target"));
                }
                else if (owners.TryGetValue(folder, out var other) && other != name)
                {
                    errors.Add(applied.Source.Error(field, "deploy-folder-unique",
                        $"Certificate '{name}' would write into {folder}, where Certificate '{other}' already writes; give each certificate its own path"));
                }
                else
                {
                    owners[folder] = name;
                }
            }
        }
        return errors;
    }
}
