namespace Rotor.Core.Resources;

/// <summary>The documents read from one manifest text, and every error found in them.</summary>
public sealed record ManifestParseResult(IReadOnlyList<Resource> Resources, IReadOnlyList<ManifestError> Errors);

/// <summary>
/// Reads <c>rotor/v1</c> documents from YAML text. Never stops at the first problem: every
/// document is read and every error is returned with its line, field and rule. Total and
/// bounded: any text, however broken or hostile, gives errors (never an exception) within the
/// time and memory <see cref="ManifestLimits"/> allow. Broken YAML, or YAML past a limit, is one
/// error where reading stopped: nothing after it can be trusted to be small.
/// </summary>
public static partial class ManifestParser
{
    public static ManifestParseResult Parse(string text, string file)
    {
        var errors = new ManifestErrorList(file);
        if (text.Length > ManifestLimits.MaxFileBytes)
        {
            errors.Add(1, 1, "(file)", "yaml-size", SizeMessage(text.Length));
            return new ManifestParseResult([], errors.ToList());
        }
        var resources = new List<Resource>();
        var documents = YamlDocumentReader.Read(text, errors);
        if (documents is null)
        {
            return new ManifestParseResult(resources, errors.ToList());
        }

        foreach (var doc in documents)
        {
            if (doc.Root is ManifestScalar { Value: "" })
            {
                continue; // an empty document between two '---'
            }
            if (doc.Root is not ManifestMapping root)
            {
                errors.Add(doc.Root.Start.Line, doc.Root.Start.Column,
                    "(document)", "type", "a document must be a mapping with apiVersion, kind, metadata and spec");
                continue;
            }
            var resource = ParseDocument(new MappingReader(root, "", errors), file);
            if (resource is not null && !doc.HasErrors)
            {
                resources.Add(resource);
            }
        }

        foreach (var dup in resources.GroupBy(r => (r.Kind, r.Name)).Where(g => g.Count() > 1))
        {
            var second = dup.Skip(1).First();
            errors.Add(new ManifestError(file, second.Source.Line, 1, "metadata.name", "unique-name",
                $"{dup.Key.Kind} '{dup.Key.Name}' is defined more than once"));
        }
        return new ManifestParseResult(resources, errors.ToList());
    }

    /// <summary>
    /// Reads a manifest file's bytes: UTF-8 (or UTF-16/32 with a byte order mark). Bytes that are
    /// not valid in that encoding are refused with their line, never replaced by U+FFFD.
    /// </summary>
    public static ManifestParseResult Parse(ReadOnlySpan<byte> content, string file)
    {
        if (content.Length > ManifestLimits.MaxFileBytes)
        {
            return new ManifestParseResult([], [new ManifestError(file, 1, 1, "(file)", "yaml-size", SizeMessage(content.Length))]);
        }
        return ManifestText.TryDecode(content, file, out var text, out var error)
            ? Parse(text, file)
            : new ManifestParseResult([], [error]);
    }

    private static string SizeMessage(long size) =>
        $"the file is {size:N0} bytes; a manifest file may hold at most {ManifestLimits.MaxFileBytes:N0} bytes (split it into several files)";

    private static Resource? ParseDocument(MappingReader doc, string file)
    {
        var countBefore = ErrorCount(doc);
        var apiVersion = doc.String("apiVersion", required: true);
        if (apiVersion is not null && apiVersion != ResourceKinds.ApiVersion)
        {
            doc.Error("apiVersion", "api-version", $"'{ManifestErrorList.Printable(apiVersion)}' is not supported; use {ResourceKinds.ApiVersion}");
        }
        var kind = doc.String("kind", required: true);
        if (kind is not null && !ResourceKinds.All.Contains(kind))
        {
            doc.Error("kind", "known-kind", $"unknown kind '{ManifestErrorList.Printable(kind)}'; expected one of {string.Join(", ", ResourceKinds.All)}");
            kind = null;
        }
        string? name = null;
        var metadata = doc.Mapping("metadata", required: true);
        if (metadata is not null)
        {
            name = metadata.String("name", required: true);
            if (name is not null && !ResourceNames.IsValid(name))
            {
                metadata.Error("name", "resource-name",
                    $"'{name}' is not a valid name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters");
            }
            metadata.Mapping("labels");
            metadata.Mapping("annotations");
            metadata.RejectUnknown();
        }
        var spec = doc.Mapping("spec", required: true);
        doc.RejectUnknown();

        object? parsed = null;
        if (spec is not null && kind is not null)
        {
            parsed = kind switch
            {
                ResourceKinds.Issuer => ParseIssuer(spec),
                ResourceKinds.Certificate => ParseCertificate(spec),
                ResourceKinds.Target => ParseTarget(spec),
                ResourceKinds.Endpoint => ParseEndpoint(spec),
                ResourceKinds.Notifier => ParseNotifier(spec),
                ResourceKinds.Alerting => ParseAlerting(spec),
                ResourceKinds.Scan => ParseScan(spec),
                ResourceKinds.AcmeServer => ParseAcmeServer(spec),
                _ => null,
            };
        }
        if (parsed is null || name is null || kind is null || ErrorCount(doc) != countBefore)
        {
            return null;
        }
        return new Resource(kind, name, parsed, new ResourceSource(file, (int)doc.Node.Start.Line)
        {
            Fields = kind switch
            {
                ResourceKinds.Certificate or ResourceKinds.AcmeServer => ReferencePositions.Of(doc.Node),
                ResourceKinds.Alerting => ReferencePositions.OfAlerting(doc.Node),
                _ => new Dictionary<string, SourcePosition>(),
            },
        });
    }

    private static int ErrorCount(MappingReader reader) => reader.ErrorCount;

    /// <summary>Reads the single kind key under <c>spec</c> of an Issuer or a Target.</summary>
    private static (string Key, MappingReader? Body)? OneKind(MappingReader spec, IReadOnlyList<string> kinds, string what, IReadOnlyList<string>? alsoAllowed = null)
    {
        var present = spec.Keys.Where(k => alsoAllowed is null || !alsoAllowed.Contains(k)).ToList();
        if (present.Count != 1)
        {
            spec.Error(spec.Node, spec.Path, "one-kind",
                $"{what} spec must have exactly one kind key, one of: {string.Join(", ", kinds)}" +
                (present.Count > 1 ? $" (found {string.Join(", ", present.Take(5).Select(k => ManifestErrorList.Printable(k)))}{(present.Count > 5 ? ", …" : "")})" : ""));
            return null;
        }
        var key = present[0];
        if (!kinds.Contains(key))
        {
            spec.Error(key, "known-kind", $"unknown {what.ToLowerInvariant()} kind '{ManifestErrorList.Printable(key)}'; supported: {string.Join(", ", kinds)}");
            return null;
        }
        return (key, spec.Mapping(key));
    }

    private static IssuerSpec? ParseIssuer(MappingReader spec)
    {
        var kind = OneKind(spec, ["selfSigned", "ca", "acme", "cmp"], "Issuer");
        if (kind is null) return null;
        var body = kind.Value.Body;
        if (kind.Value.Key == "cmp")
        {
            return body is null ? ParseCmpMissingBody(spec) : ParseCmp(body);
        }
        if (kind.Value.Key == "acme")
        {
            return body is null ? ParseAcmeMissingBody(spec) : ParseAcme(body);
        }
        var backdate = body?.Duration("backdate") ?? CaIssuerSpec.DefaultBackdate;
        if (backdate < TimeSpan.Zero || backdate > TimeSpan.FromDays(1))
        {
            body?.Error("backdate", "backdate-range", "must be between 0s and 24h");
        }
        if (kind.Value.Key == "selfSigned")
        {
            body?.RejectUnknown();
            return new IssuerSpec(IssuerKind.SelfSigned, SelfSigned: new SelfSignedIssuerSpec(backdate));
        }
        var cert = body?.String("certificate");
        var key = body?.String("privateKey");
        var chain = body?.String("chain");
        var intermediate = body?.Bool("intermediate") ?? false;
        var secure = body?.Bool("secureMode") ?? false;
        if (body is not null && (cert is null) != (key is null))
        {
            body.Error(body.Node, body.Path, "ca-pair", "give both 'certificate' and 'privateKey' of the CA, or neither to use Rotor's own root");
        }
        if (body is not null && cert is not null && intermediate)
        {
            body.Error("intermediate", "ca-intermediate", "'intermediate' applies only to Rotor's own root; a given CA signs directly");
        }
        body?.RejectUnknown();
        return new IssuerSpec(IssuerKind.Ca, Ca: new CaIssuerSpec(cert, key, chain, intermediate, backdate, secure));
    }
}
