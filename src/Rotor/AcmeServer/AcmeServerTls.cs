using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Issuers;

namespace Rotor.AcmeServer;

/// <summary>
/// The ACME server's own HTTPS certificate: issued by its backing issuer when the server starts
/// (a fresh P-256 key, held in memory only), for the listen address and <c>serverNames</c>, and
/// issued again in the background once two thirds of its life have passed, so a server that runs
/// for months is never caught with an expired certificate. Each new TLS connection gets the newest.
/// </summary>
internal sealed class AcmeServerTls(string server, AcmeServerSpec spec, IssuerRegistry issuers, TimeProvider time, ILogger logger)
{
    /// <summary>Lifetime asked for; a shorter policy.maxDuration wins.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    private SslStreamCertificateContext? _context;
    private DateTimeOffset _renewAt = DateTimeOffset.MaxValue;
    private int _renewing;

    /// <summary>The names the certificate carries: the listen address (unless it is 0.0.0.0 or ::), <c>localhost</c> on loopback, and serverNames.</summary>
    public CertificateSpec CertificateSpec()
    {
        var listen = spec.ListenEndpoint().Address;
        var ips = new List<string>();
        var dns = new List<string>();
        if (!listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any)) ips.Add(listen.ToString());
        if (IPAddress.IsLoopback(listen)) dns.Add("localhost");
        foreach (var name in spec.ServerNames)
        {
            if (IPAddress.TryParse(name, out var ip)) ips.Add(ip.ToString());
            else dns.Add(name);
        }
        return new CertificateSpec
        {
            CommonName = dns.FirstOrDefault() ?? ips.FirstOrDefault(),
            DnsNames = dns.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            IpAddresses = ips.Distinct(StringComparer.Ordinal).ToList(),
            Duration = spec.Policy.MaxDuration < Lifetime ? spec.Policy.MaxDuration : Lifetime,
            Usages = [Usages.ServerAuth],
            IssuerRef = spec.IssuerRef,
        };
    }

    /// <summary>Issues the certificate now; the server does not listen before this succeeded once.</summary>
    public async Task IssueAsync(CancellationToken cancellationToken)
    {
        var (issuer, _) = await issuers.GetAsync(spec.IssuerRef, cancellationToken);
        var certificateSpec = CertificateSpec();
        // Not disposed: the certificate context serves TLS with it for as long as this certificate is in use.
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new Lazy<byte[]>(() => CertificateBuilder.NewRequest(CertificateBuilder.LeafSubject(certificateSpec), key).CreateSigningRequest());
        var issued = await issuer.IssueAsync(new IssueRequest($"acme-server-{server}", certificateSpec, key, csr), cancellationToken);
        var leaf = issued.Leaf.CopyWithPrivateKey(key);
        var context = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(issued.Intermediates.ToArray()), offline: true);
        var notBefore = new DateTimeOffset(issued.Leaf.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(issued.Leaf.NotAfter.ToUniversalTime());
        Volatile.Write(ref _context, context);
        _renewAt = notBefore + (notAfter - notBefore) * 2 / 3;
        AcmeServerLog.ServerCertificateIssued(logger, server, notAfter);
    }

    /// <summary>The context for a new connection; starts a renewal in the background when one is due.</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            if (time.GetUtcNow() >= _renewAt && Interlocked.Exchange(ref _renewing, 1) == 0)
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await IssueAsync(CancellationToken.None);
                    }
                    catch (Exception e) when (e is RotorException or IOException or HttpRequestException or CryptographicException)
                    {
                        // The certificate in use stays until it expires; the next connection tries again in a minute.
                        _renewAt = time.GetUtcNow() + TimeSpan.FromMinutes(1);
                        AcmeServerLog.ServerCertificateFailed(logger, server, e.Message);
                    }
                    finally
                    {
                        Volatile.Write(ref _renewing, 0);
                    }
                });
            }
            return Volatile.Read(ref _context) ?? throw new InvalidOperationException("the ACME server's certificate was not issued");
        }
    }
}
