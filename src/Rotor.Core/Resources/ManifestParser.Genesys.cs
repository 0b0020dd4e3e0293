namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    /// <summary>Most trunk ids one target reads; an organization's BYOC Premises trunks are a handful.</summary>
    private const int MaxTrunkIds = 20;

    /// <summary><c>genesysCloud: {region, clientIdRef, clientSecretRef, trunkIds, loginUrl, apiUrl, timeout}</c>.</summary>
    private static TargetSpec? ParseGenesysCloud(MappingReader spec, MappingReader? g)
    {
        if (g is null)
        {
            spec.Error("genesysCloud", "required", "a genesysCloud target needs region, clientIdRef and clientSecretRef");
            return null;
        }
        var region = g.String("region", required: true);
        if (region is not null && !GenesysCloudTargetSpec.Regions.Contains(region, StringComparer.Ordinal))
        {
            g.Error("region", "genesys-region",
                $"'{ManifestErrorList.Printable(region)}' is not a Genesys Cloud region domain; use one of {string.Join(", ", GenesysCloudTargetSpec.Regions)}");
        }
        var clientId = g.SecretRef("clientIdRef", required: true);
        var clientSecret = g.SecretRef("clientSecretRef", required: true);
        foreach (var inline in new[] { "clientId", "clientSecret", "token" })
        {
            if (g.Has(inline))
            {
                g.Error(inline, "secret-by-reference", "OAuth credentials are never written inline; use clientIdRef and clientSecretRef: {env: NAME} or {file: PATH}");
            }
        }
        var trunks = g.StringList("trunkIds");
        if (trunks.Count > MaxTrunkIds) g.Error("trunkIds", "trunk-ids", $"at most {MaxTrunkIds} trunks");
        foreach (var id in trunks)
        {
            if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                g.Error("trunkIds", "trunk-id", $"'{ManifestErrorList.Printable(id)}' is not a trunk id (letters, digits and '-')");
            }
        }
        var loginUrl = GenesysOverrideUrl(g, "loginUrl");
        var apiUrl = GenesysOverrideUrl(g, "apiUrl");
        var timeout = Timeout(g, "timeout") ?? GenesysCloudTargetSpec.DefaultTimeout;
        g.RejectUnknown();
        if (region is null || clientId is null || clientSecret is null) return null;
        return new TargetSpec(TargetKind.GenesysCloud)
        {
            GenesysCloud = new GenesysCloudTargetSpec
            {
                Region = region,
                ClientIdRef = clientId,
                ClientSecretRef = clientSecret,
                TrunkIds = trunks,
                LoginUrl = loginUrl,
                ApiUrl = apiUrl,
                Timeout = timeout,
            },
        };
    }

    /// <summary>
    /// loginUrl/apiUrl, for an HTTPS proxy or a test server: an absolute base URL without path,
    /// query or user info; https, because the client secret and the bearer token travel with the
    /// requests, except to a loopback address.
    /// </summary>
    private static string? GenesysOverrideUrl(MappingReader g, string key)
    {
        var url = g.String(key);
        if (url is null) return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            g.Error(key, "genesys-url", $"'{ManifestErrorList.Printable(url)}' must be an absolute https:// base URL");
            return null;
        }
        if (uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            g.Error(key, "genesys-url", $"'{ManifestErrorList.Printable(url)}' must be a base URL without credentials, path or query (Rotor adds /oauth/token and /api/v2/...)");
            return null;
        }
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            g.Error(key, "genesys-url", "must be https://: the client secret and the bearer token go with the requests (http:// only to a loopback address)");
            return null;
        }
        return url.TrimEnd('/');
    }
}
