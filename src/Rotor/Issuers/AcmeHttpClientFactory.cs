using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.Issuers;

/// <summary>
/// HttpClients for ACME servers: the server's HTTPS is checked against the issuer's CA bundle
/// when one is given (a private CA such as a test server), else against the system trust.
/// The bundle is never added to the system store.
/// </summary>
internal static class AcmeHttpClientFactory
{
    public static HttpClient Create(string? caBundlePath, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // Below the 30 s idle limit of common ACME servers (Go's http.Server closes a connection
            // idle for its ReadTimeout), so a pooled connection is rarely reused as the server closes it.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20),
            MaxConnectionsPerServer = 16,
            AutomaticDecompression = System.Net.DecompressionMethods.All,
        };
        if (caBundlePath is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caBundlePath);
            // The chain is built once, against the bundle alone (SslStream still checks the host
            // name): no second build against the system store, which would read every file of it.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(roots);
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }
        return new HttpClient(handler) { Timeout = timeout };
    }
}
