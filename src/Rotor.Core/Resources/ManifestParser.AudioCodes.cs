namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    /// <summary>Highest TLS context index accepted; Mediant devices number their contexts from 0 and hold far fewer.</summary>
    private const int MaxTlsContext = 1000;

    /// <summary><c>audiocodes: {url, tlsContext, keyOnDevice, credentialsRef, timeout, conflictAttempts}</c>.</summary>
    private static TargetSpec? ParseAudioCodes(MappingReader spec, MappingReader? a)
    {
        if (a is null)
        {
            spec.Error("audiocodes", "required", "an audiocodes target needs url, tlsContext and credentialsRef");
            return null;
        }
        var url = a.String("url", required: true);
        if (url is not null && AudioCodesUrlProblem(url) is { } problem)
        {
            a.Error("url", "audiocodes-url", problem);
        }
        var context = a.Int("tlsContext", required: true);
        if (context is < 0 or > MaxTlsContext)
        {
            a.Error("tlsContext", "tls-context", $"{context} must be from 0 to {MaxTlsContext}");
        }
        var keyOnDevice = a.Bool("keyOnDevice") ?? false;
        var credentials = a.SecretRef("credentialsRef", required: true);
        foreach (var inline in new[] { "password", "username", "credentials" })
        {
            if (a.Has(inline))
            {
                a.Error(inline, "secret-by-reference", "credentials are never written inline; use credentialsRef: {env: NAME} or {file: PATH} holding user:password");
            }
        }
        var timeout = Timeout(a, "timeout") ?? AudioCodesTargetSpec.DefaultTimeout;
        var attempts = a.Int("conflictAttempts") ?? AudioCodesTargetSpec.DefaultConflictAttempts;
        if (attempts is < 1 or > 20) a.Error("conflictAttempts", "conflict-attempts", "must be from 1 to 20");
        a.RejectUnknown();
        if (url is null || context is null || credentials is null) return null;
        return new TargetSpec(TargetKind.AudioCodes)
        {
            AudioCodes = new AudioCodesTargetSpec
            {
                Url = url.TrimEnd('/'),
                TlsContext = context.Value,
                KeyOnDevice = keyOnDevice,
                CredentialsRef = credentials,
                Timeout = timeout,
                ConflictAttempts = attempts,
            },
        };
    }

    /// <summary>
    /// The device's base URL: absolute, no path beyond '/', no user info; https, because Basic
    /// credentials travel with every request, except to a loopback address (a tunnel, a test device).
    /// </summary>
    private static string? AudioCodesUrlProblem(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"'{ManifestErrorList.Printable(url)}' must be an absolute https:// URL of the device";
        }
        if (uri.UserInfo.Length > 0) return "the URL must not carry credentials; use credentialsRef";
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0) return $"'{ManifestErrorList.Printable(url)}' must be the device's base URL (Rotor adds /api/v1/...)";
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            return "must be https://: the Basic credentials go with every request (http:// only to a loopback address)";
        }
        return null;
    }
}
