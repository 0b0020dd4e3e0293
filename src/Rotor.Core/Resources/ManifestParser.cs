using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rotor.Core.Resources;

/// <summary>The documents read from one manifest text, and every error found in them.</summary>
public sealed record ManifestParseResult(IReadOnlyList<Resource> Resources, IReadOnlyList<ManifestError> Errors);

/// <summary>
/// Reads <c>rotor/v1</c> documents from YAML text. Never stops at the first problem: every
/// document is read and every error is returned with its line, field and rule.
/// </summary>
public static partial class ManifestParser
{
    public static ManifestParseResult Parse(string text, string file)
    {
        var errors = new List<ManifestError>();
        var resources = new List<Resource>();
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            errors.Add(new ManifestError(file, (int)ex.Start.Line, (int)ex.Start.Column, "(document)", "yaml-syntax",
                "malformed YAML: " + (ex.InnerException?.Message ?? ex.Message)));
            return new ManifestParseResult(resources, errors);
        }
        catch (InvalidOperationException)
        {
            // The scanner gave up without a position of its own; the last event it read is the best clue.
            var at = parser.Current?.End ?? Mark.Empty;
            errors.Add(new ManifestError(file, (int)at.Line, (int)at.Column, "(document)", "yaml-syntax",
                "malformed YAML after this point (an unclosed bracket or quote?)"));
            return new ManifestParseResult(resources, errors);
        }

        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is YamlScalarNode { Value: null or "" })
            {
                continue; // an empty document between two '---'
            }
            if (doc.RootNode is not YamlMappingNode root)
            {
                errors.Add(new ManifestError(file, (int)doc.RootNode.Start.Line, (int)doc.RootNode.Start.Column,
                    "(document)", "type", "a document must be a mapping with apiVersion, kind, metadata and spec"));
                continue;
            }
            var resource = ParseDocument(new MappingReader(root, "", file, errors), file);
            if (resource is not null)
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
        return new ManifestParseResult(resources, errors);
    }

    private static Resource? ParseDocument(MappingReader doc, string file)
    {
        var countBefore = ErrorCount(doc);
        var apiVersion = doc.String("apiVersion", required: true);
        if (apiVersion is not null && apiVersion != ResourceKinds.ApiVersion)
        {
            doc.Error("apiVersion", "api-version", $"'{apiVersion}' is not supported; use {ResourceKinds.ApiVersion}");
        }
        var kind = doc.String("kind", required: true);
        if (kind is not null && !ResourceKinds.All.Contains(kind))
        {
            doc.Error("kind", "known-kind", $"unknown kind '{kind}'; expected one of {string.Join(", ", ResourceKinds.All)}");
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
                _ => null,
            };
        }
        if (parsed is null || name is null || kind is null || ErrorCount(doc) != countBefore)
        {
            return null;
        }
        return new Resource(kind, name, parsed, new ResourceSource(file, (int)doc.Node.Start.Line));
    }

    private static int ErrorCount(MappingReader reader) => reader.ErrorCount;

    /// <summary>Reads the single kind key under <c>spec</c> of an Issuer or a Target.</summary>
    private static (string Key, MappingReader? Body)? OneKind(MappingReader spec, IReadOnlyList<string> kinds, string what)
    {
        var present = spec.Keys.ToList();
        if (present.Count != 1)
        {
            spec.Error(spec.Node, spec.Path, "one-kind",
                $"{what} spec must have exactly one kind key, one of: {string.Join(", ", kinds)}" +
                (present.Count > 1 ? $" (found {string.Join(", ", present)})" : ""));
            return null;
        }
        var key = present[0];
        if (!kinds.Contains(key))
        {
            spec.Error(key, "known-kind", $"unknown {what.ToLowerInvariant()} kind '{key}'; supported: {string.Join(", ", kinds)}");
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

    private static TargetSpec? ParseTarget(MappingReader spec)
    {
        var kind = OneKind(spec, ["file", "kamailio"], "Target");
        if (kind is null) return null;
        if (kind.Value.Key == "kamailio") return ParseKamailio(spec, kind.Value.Body);
        var f = kind.Value.Body;
        if (f is null)
        {
            return new TargetSpec(TargetKind.File, new FileTargetSpec());
        }
        var defaults = new FileTargetSpec();
        var result = new FileTargetSpec
        {
            Path = f.String("path"),
            CertificateFile = FileName(f, "certificate") ?? defaults.CertificateFile,
            ChainFile = FileName(f, "chain") ?? defaults.ChainFile,
            FullChainFile = FileName(f, "fullchain") ?? defaults.FullChainFile,
            PrivateKeyFile = FileName(f, "privateKey") ?? defaults.PrivateKeyFile,
            Owner = f.String("owner"),
            Group = f.String("group"),
            Mode = FileMode(f, "mode") ?? FileTargetSpec.DefaultMode,
            KeyMode = FileMode(f, "keyMode") ?? FileTargetSpec.DefaultKeyMode,
            Pkcs12 = ParsePkcs12(f),
            Reload = ParseReload(f),
        };
        if ((result.KeyMode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.GroupWrite)) != 0)
        {
            f.Error("keyMode", "key-mode", "a private key must not be readable by others nor writable by the group; use 0600 or 0640");
        }
        f.RejectUnknown();
        return new TargetSpec(TargetKind.File, result);
    }

    private static string? FileName(MappingReader m, string key)
    {
        var v = m.String(key);
        if (v is not null && (v.Length == 0 || v.Contains('/') || v is "." or ".."))
        {
            m.Error(key, "file-name", $"'{v}' must be a plain file name inside the target folder");
            return null;
        }
        return v;
    }

    private static UnixFileMode? FileMode(MappingReader m, string key)
    {
        var v = m.String(key);
        if (v is null) return null;
        try
        {
            var mode = Convert.ToInt32(v, 8);
            if (mode is < 0 or > 0x1FF) throw new FormatException();
            return (UnixFileMode)mode;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            m.Error(key, "file-mode", $"'{v}' is not an octal file mode like 0644");
            return null;
        }
    }

    private static Pkcs12Spec? ParsePkcs12(MappingReader f)
    {
        var p = f.Mapping("pkcs12");
        if (p is null) return null;
        var file = FileName(p, "file") ?? "keystore.p12";
        var password = p.SecretRef("passwordSecretRef");
        if (p.Has("password"))
        {
            p.Error("password", "secret-by-reference", "secrets are never written inline; use passwordSecretRef: {env: NAME} or {file: PATH}");
        }
        p.RejectUnknown();
        return new Pkcs12Spec(file, password);
    }

    private static ReloadSpec? ParseReload(MappingReader f)
    {
        var r = f.Mapping("reload");
        if (r is null) return null;
        var command = r.String("command");
        string? signal = null, pidFile = null;
        var sig = r.Mapping("signal");
        if (sig is not null)
        {
            signal = sig.String("name") ?? "HUP";
            pidFile = sig.String("pidFile", required: true);
            if (!Signals.TryParse(signal, out _))
            {
                sig.Error("name", "signal-name", $"'{signal}' is not a signal Rotor sends; use one of {string.Join(", ", Signals.Names)}");
            }
            sig.RejectUnknown();
        }
        var timeout = r.Duration("timeout") ?? ReloadSpec.DefaultTimeout;
        r.RejectUnknown();
        if ((command is null) == (signal is null))
        {
            r.Error(r.Node, r.Path, "reload-one-of", "give exactly one of 'command' or 'signal'");
        }
        return new ReloadSpec(command, signal, pidFile, timeout);
    }
}
