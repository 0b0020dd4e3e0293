namespace Rotor.Core.Resources;

/// <summary>The kinds of document Rotor accepts under <c>apiVersion: rotor/v1</c>.</summary>
public static class ResourceKinds
{
    public const string ApiVersion = "rotor/v1";
    public const string Issuer = "Issuer";
    public const string Certificate = "Certificate";
    public const string Target = "Target";
    public const string Endpoint = "Endpoint";
    public const string Notifier = "Notifier";
    public const string Alerting = "Alerting";
    public const string Scan = "Scan";
    public const string AcmeServer = "AcmeServer";

    public static readonly IReadOnlyList<string> All = [Issuer, Certificate, Target, Endpoint, Notifier, Alerting, Scan, AcmeServer];

    /// <summary>Maps the plural or singular word a user types (<c>certificates</c>, <c>cert</c>) to a kind.</summary>
    public static string? FromUserWord(string word) => word.ToLowerInvariant() switch
    {
        "issuer" or "issuers" => Issuer,
        "certificate" or "certificates" or "cert" or "certs" => Certificate,
        "target" or "targets" => Target,
        "endpoint" or "endpoints" => Endpoint,
        "notifier" or "notifiers" => Notifier,
        "alerting" => Alerting,
        "scan" or "scans" => Scan,
        "acmeserver" or "acmeservers" or "acme-server" or "acme-servers" => AcmeServer,
        _ => null,
    };
}

/// <summary>One applied document: its identity, its parsed spec, and where it came from.</summary>
public sealed record Resource(string Kind, string Name, object Spec, ResourceSource Source)
{
    public IssuerSpec AsIssuer() => (IssuerSpec)Spec;
    public CertificateSpec AsCertificate() => (CertificateSpec)Spec;
    public TargetSpec AsTarget() => (TargetSpec)Spec;
    public EndpointSpec AsEndpoint() => (EndpointSpec)Spec;
    public NotifierSpec AsNotifier() => (NotifierSpec)Spec;
    public AlertingSpec AsAlerting() => (AlertingSpec)Spec;
    public ScanSpec AsScan() => (ScanSpec)Spec;
    public AcmeServerSpec AsAcmeServer() => (AcmeServerSpec)Spec;
}

/// <summary>The file and line a document was read from; relative paths in the spec resolve against <see cref="Directory"/>.</summary>
public sealed record ResourceSource(string File, int Line)
{
    public string Directory => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(File)) ?? ".";

    /// <summary>
    /// Where the fields that name other resources were written (<c>spec.issuerRef.name</c>,
    /// <c>spec.deploy[0].target</c>, <c>spec.deploy[0].path</c>, <c>spec.deploy[0].endpoints[1]</c>),
    /// so that an error about a reference points at the reference.
    /// </summary>
    public IReadOnlyDictionary<string, SourcePosition> Fields { get; init; } = new Dictionary<string, SourcePosition>();

    /// <summary>Where <paramref name="field"/> was written; the document's start when it was not recorded.</summary>
    public SourcePosition At(string field) => Fields.TryGetValue(field, out var at) ? at : new SourcePosition(Line, 1);

    /// <summary>An error at <paramref name="field"/>'s position.</summary>
    public ManifestError Error(string field, string rule, string message)
    {
        var at = At(field);
        return new ManifestError(File, at.Line, at.Column, field, rule, message);
    }
}

/// <summary>A line and column in a manifest file, both from 1.</summary>
public readonly record struct SourcePosition(int Line, int Column);

/// <summary>A reference to a secret held outside Rotor's manifests: an environment variable or a file.</summary>
public sealed record SecretRef(string? Env, string? File)
{
    public override string ToString() => Env is not null ? $"env:{Env}" : $"file:{File}";
}
