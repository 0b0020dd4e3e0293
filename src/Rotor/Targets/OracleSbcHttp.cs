using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Targets;

/// <summary>
/// HTTP clients for Oracle SBCs: one connection pool per trust (the system's CAs, or the CA
/// certificates of a target's caBundle), no cookies, no redirects (credentials and tokens go only to
/// the URL the target names). The SBC's management certificate is checked like any server's
/// (chain and name); a caBundle only replaces the roots it chains to.
/// </summary>
internal static class OracleSbcHttp
{
    private static readonly ConcurrentDictionary<string, HttpClient> Clients = new(StringComparer.Ordinal);

    public static HttpClient ClientFor(OracleSbcTargetSpec spec, string manifestDirectory, string target)
    {
        if (spec.CaBundle is null) return Clients.GetOrAdd("", _ => Create(null));
        var path = Path.GetFullPath(spec.CaBundle, manifestDirectory);
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Misconfigured(target, $"caBundle {spec.CaBundle} cannot be read ({e.GetType().Name})");
        }
        // Keyed by content: a replaced bundle gets a new pool, an unchanged one keeps its connections.
        var key = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(pem)));
        if (Clients.TryGetValue(key, out var client)) return client;
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            throw Misconfigured(target, $"caBundle {spec.CaBundle} is not PEM certificates");
        }
        if (roots.Count == 0) throw Misconfigured(target, $"caBundle {spec.CaBundle} holds no certificate");
        return Clients.GetOrAdd(key, _ => Create(roots));
    }

    private static RotorException Misconfigured(string target, string message) =>
        new($"oracleSbc target '{target}': {message}", isTransient: false) { Reason = RotorReasons.TargetMisconfigured };

    private static HttpClient Create(X509Certificate2Collection? roots)
    {
        var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (roots is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                // A name mismatch or a missing certificate stays fatal; only the roots are ours.
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return chain.Build(leaf);
            };
        }
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
