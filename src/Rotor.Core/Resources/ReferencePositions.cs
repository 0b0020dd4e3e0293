namespace Rotor.Core.Resources;

/// <summary>
/// Finds where a certificate document names other resources, for <see cref="ResourceSource.Fields"/>.
/// Runs on a document that parsed without error, so its shape is the one the parser accepted; it
/// reads the nodes directly and leaves the parser's record of read fields alone.
/// </summary>
internal static class ReferencePositions
{
    public static IReadOnlyDictionary<string, SourcePosition> Of(ManifestNode document)
    {
        var fields = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        if (Get(document, "spec") is not ManifestMapping spec) return fields;
        if (Get(Get(spec, "issuerRef"), "name") is { } issuer) fields["spec.issuerRef.name"] = At(issuer);
        if (Get(spec, "deploy") is not ManifestSequence deploy) return fields;
        for (var i = 0; i < deploy.Children.Count; i++)
        {
            var entry = deploy.Children[i];
            var path = $"spec.deploy[{i}]";
            fields[path] = At(entry);
            if (Get(entry, "target") is { } target) fields[path + ".target"] = At(target);
            if (Get(entry, "path") is { } folder) fields[path + ".path"] = At(folder);
            if (Get(entry, "endpoints") is ManifestSequence endpoints)
            {
                for (var j = 0; j < endpoints.Children.Count; j++) fields[$"{path}.endpoints[{j}]"] = At(endpoints.Children[j]);
            }
        }
        return fields;
    }

    /// <summary>Where an Alerting document names notifiers: <c>spec.routes[i].notifiers[j]</c>.</summary>
    public static IReadOnlyDictionary<string, SourcePosition> OfAlerting(ManifestNode document)
    {
        var fields = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        if (Get(Get(document, "spec"), "routes") is not ManifestSequence routes) return fields;
        for (var i = 0; i < routes.Children.Count; i++)
        {
            if (Get(routes.Children[i], "notifiers") is not ManifestSequence notifiers) continue;
            for (var j = 0; j < notifiers.Children.Count; j++) fields[$"spec.routes[{i}].notifiers[{j}]"] = At(notifiers.Children[j]);
        }
        return fields;
    }

    private static ManifestNode? Get(ManifestNode? node, string key) =>
        node is ManifestMapping mapping ? mapping.Children.FirstOrDefault(c => c.Key is ManifestScalar { Value: var k } && k == key).Value : null;

    private static SourcePosition At(ManifestNode node) => new((int)Math.Min(node.Start.Line, int.MaxValue), (int)Math.Min(node.Start.Column, int.MaxValue));
}
