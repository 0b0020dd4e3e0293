namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    /// <summary>Releases whose REST contract the oracleSbc target follows.</summary>
    private static readonly string[] OracleSbcVersions = ["9.3", "8.4"];

    /// <summary>
    /// <c>oracleSbc: {url, credentialsRef, certificateRecord, spareCertificateRecord, tlsProfile,
    /// version, caBundle, timeout, lockAttempts}</c>.
    /// </summary>
    private static TargetSpec? ParseOracleSbc(MappingReader spec, MappingReader? o)
    {
        if (o is null)
        {
            spec.Error("oracleSbc", "required", "an oracleSbc target needs url, credentialsRef and certificateRecord");
            return null;
        }
        var url = o.String("url", required: true);
        if (url is not null && OracleSbcUrlProblem(url) is { } problem) o.Error("url", "oracle-url", problem);
        var credentials = o.SecretRef("credentialsRef", required: true);
        foreach (var inline in new[] { "password", "username", "credentials", "token" })
        {
            if (o.Has(inline))
            {
                o.Error(inline, "secret-by-reference", "credentials are never written inline; use credentialsRef: {env: NAME} or {file: PATH} holding user:password");
            }
        }
        var record = OracleName(o, "certificateRecord", required: true);
        var spare = OracleName(o, "spareCertificateRecord", required: false);
        var profile = OracleName(o, "tlsProfile", required: false);
        if (spare is not null && profile is null)
        {
            o.Error("tlsProfile", "required", "spareCertificateRecord needs tlsProfile: the tls-profile whose end-entity-certificate Rotor switches between the two records");
        }
        if (spare is not null && string.Equals(spare, record, StringComparison.Ordinal))
        {
            o.Error("spareCertificateRecord", "distinct-records", "must name another certificate-record than certificateRecord");
        }
        if (profile is not null && spare is null)
        {
            o.Error("spareCertificateRecord", "required", "tlsProfile is used only with spareCertificateRecord (two records taking turns)");
        }
        var version = o.String("version") ?? OracleSbcTargetSpec.DefaultVersion;
        if (!OracleSbcVersions.Contains(version, StringComparer.Ordinal))
        {
            o.Error("version", "oracle-version", $"'{ManifestErrorList.Printable(version)}' must be one of {string.Join(", ", OracleSbcVersions)}");
        }
        var caBundle = o.String("caBundle");
        var timeout = Timeout(o, "timeout") ?? OracleSbcTargetSpec.DefaultTimeout;
        var attempts = o.Int("lockAttempts") ?? OracleSbcTargetSpec.DefaultLockAttempts;
        if (attempts is < 1 or > 20) o.Error("lockAttempts", "lock-attempts", "must be from 1 to 20");
        o.RejectUnknown();
        if (url is null || credentials is null || record is null) return null;
        return new TargetSpec(TargetKind.OracleSbc)
        {
            OracleSbc = new OracleSbcTargetSpec
            {
                Url = url.TrimEnd('/'),
                CredentialsRef = credentials,
                CertificateRecord = record,
                SpareCertificateRecord = spare,
                TlsProfile = profile,
                Version = version,
                CaBundle = caBundle,
                Timeout = timeout,
                LockAttempts = attempts,
            },
        };
    }

    /// <summary>A configuration element name as it goes into a query string and an XML body: letters, digits, '-', '_', '.'; 1 to 64.</summary>
    private static string? OracleName(MappingReader o, string key, bool required)
    {
        var name = o.String(key, required);
        if (name is null) return null;
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            o.Error(key, "oracle-name", $"'{ManifestErrorList.Printable(name)}' must be 1 to 64 letters, digits, '-', '_' or '.'");
            return null;
        }
        return name;
    }

    /// <summary>
    /// HTTPS only, even to loopback: the SBC answers plain HTTP with 426 Upgrade Required, and the
    /// Basic credentials and the token travel with the requests. Absolute, no path, no user info.
    /// </summary>
    private static string? OracleSbcUrlProblem(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"'{ManifestErrorList.Printable(url)}' must be an absolute https:// URL of the SBC";
        }
        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            return "must be https://: the SBC's REST API accepts HTTPS only (plain HTTP is answered 426), and credentials and token go with every request";
        }
        if (uri.UserInfo.Length > 0) return "the URL must not carry credentials; use credentialsRef";
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0) return $"'{ManifestErrorList.Printable(url)}' must be the SBC's base URL (Rotor adds /rest/v1.2/...)";
        return null;
    }
}
