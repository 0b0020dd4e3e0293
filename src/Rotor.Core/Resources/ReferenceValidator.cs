namespace Rotor.Core.Resources;

/// <summary>
/// Checks references across documents: a certificate's issuerRef and deploy targets must name
/// resources that exist, in the same apply or already in the store.
/// </summary>
public static class ReferenceValidator
{
    public static IReadOnlyList<ManifestError> Validate(
        IReadOnlyList<Resource> applying,
        Func<string, string, bool> existsInStore)
    {
        var errors = new List<ManifestError>();
        bool Exists(string kind, string name) =>
            applying.Any(r => r.Kind == kind && r.Name == name) || existsInStore(kind, name);

        foreach (var r in applying.Where(r => r.Kind == ResourceKinds.Certificate))
        {
            var spec = r.AsCertificate();
            if (spec.IssuerRef.Length > 0 && !Exists(ResourceKinds.Issuer, spec.IssuerRef))
            {
                errors.Add(r.Source.Error("spec.issuerRef.name", "issuer-exists",
                    $"Certificate '{r.Name}' refers to Issuer '{spec.IssuerRef}', which is neither in this apply nor in the store"));
            }
            for (var i = 0; i < spec.Deploy.Count; i++)
            {
                var d = spec.Deploy[i];
                if (!Exists(ResourceKinds.Target, d.Target))
                {
                    errors.Add(r.Source.Error($"spec.deploy[{i}].target", "target-exists",
                        $"Certificate '{r.Name}' deploys to Target '{d.Target}', which is neither in this apply nor in the store"));
                }
                if (d.Role == DeployRole.Leaf && applying.Any(t => t.Kind == ResourceKinds.Target && t.Name == d.Target && t.AsTarget().Kind == TargetKind.GenesysCloud))
                {
                    errors.Add(r.Source.Error($"spec.deploy[{i}].role", "genesys-trust-only",
                        $"Certificate '{r.Name}' deploys a leaf to Target '{d.Target}', a genesysCloud target: Genesys Cloud accepts no private keys, only CA certificates; bind it with role: trust"));
                }
                for (var j = 0; j < d.Endpoints.Count; j++)
                {
                    if (Exists(ResourceKinds.Endpoint, d.Endpoints[j])) continue;
                    errors.Add(r.Source.Error($"spec.deploy[{i}].endpoints[{j}]", "endpoint-exists",
                        $"Certificate '{r.Name}' probes Endpoint '{d.Endpoints[j]}' on target '{d.Target}', which is neither in this apply nor in the store"));
                }
            }
        }
        foreach (var r in applying.Where(r => r.Kind == ResourceKinds.AcmeServer))
        {
            var issuer = r.AsAcmeServer().IssuerRef;
            if (!Exists(ResourceKinds.Issuer, issuer))
            {
                errors.Add(r.Source.Error("spec.issuerRef.name", "issuer-exists",
                    $"AcmeServer '{r.Name}' issues through Issuer '{issuer}', which is neither in this apply nor in the store"));
            }
        }
        ValidateAcmeServerListen(applying, errors);
        ValidateAlerting(applying, Exists, errors);
        return errors;
    }

    /// <summary>Two ACME servers in one apply cannot share a listen address.</summary>
    private static void ValidateAcmeServerListen(IReadOnlyList<Resource> applying, List<ManifestError> errors)
    {
        foreach (var same in applying.Where(r => r.Kind == ResourceKinds.AcmeServer).GroupBy(r => r.AsAcmeServer().Listen).Where(g => g.Count() > 1))
        {
            var first = same.First();
            foreach (var other in same.Skip(1))
            {
                errors.Add(other.Source.Error("spec.listen", "listen-unique",
                    $"AcmeServer '{other.Name}' listens on {same.Key}, as AcmeServer '{first.Name}' does; give each its own address or port"));
            }
        }
    }

    /// <summary>Routes name notifiers that exist; one Alerting resource at most per apply.</summary>
    private static void ValidateAlerting(IReadOnlyList<Resource> applying, Func<string, string, bool> exists, List<ManifestError> errors)
    {
        var alerting = applying.Where(r => r.Kind == ResourceKinds.Alerting).ToList();
        foreach (var extra in alerting.Skip(1))
        {
            errors.Add(new ManifestError(extra.Source.File, extra.Source.Line, 1, "metadata.name", "one-alerting",
                $"Alerting '{extra.Name}': give one Alerting resource (Alerting '{alerting[0].Name}' is already in this apply)"));
        }
        foreach (var r in alerting)
        {
            var routes = r.AsAlerting().Routes;
            for (var i = 0; i < routes.Count; i++)
            {
                for (var j = 0; j < routes[i].Notifiers.Count; j++)
                {
                    var n = routes[i].Notifiers[j];
                    if (exists(ResourceKinds.Notifier, n)) continue;
                    errors.Add(r.Source.Error($"spec.routes[{i}].notifiers[{j}]", "notifier-exists",
                        $"Alerting '{r.Name}' routes to Notifier '{n}', which is neither in this apply nor in the store"));
                }
            }
        }
    }
}
