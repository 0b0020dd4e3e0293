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
            MaxConnectionsPerServer = 16,
            AutomaticDecompression = System.Net.DecompressionMethods.All,
        };
        if (caBundlePath is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caBundlePath);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if (certificate is null) return false;
                    if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                    using var custom = new X509Chain();
                    custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    custom.ChainPolicy.CustomTrustStore.AddRange(roots);
                    custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    if (chain is not null) custom.ChainPolicy.ExtraStore.AddRange(chain.ChainElements.Select(e => e.Certificate).ToArray());
                    return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            };
        }
        return new HttpClient(handler) { Timeout = timeout };
    }
}
