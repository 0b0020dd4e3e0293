using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Certificates;
using Rotor.Core.Abstractions;

namespace Rotor.Api;

/// <summary>
/// The HTTPS certificate of <c>rotor run</c>: a Certificate resource Rotor manages itself
/// (<c>--tls-certificate NAME</c>), so the API's own certificate is renewed like any other. Each
/// new TLS connection gets the version in service; the store is looked at again at most every
/// <see cref="RefreshInterval"/>, so a renewal is served within that time without a restart.
/// </summary>
public sealed class ServerCertificateSource(RotorHost host, string certificate)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private SslStreamCertificateContext? _context;
    private long? _versionId;
    private DateTimeOffset _checkedAt;
    private int _refreshing;

    public string Certificate => certificate;

    /// <summary>Loads the version in service; false when the certificate has none yet (or its key cannot serve TLS).</summary>
    public async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        var status = await host.Store.GetStatusAsync(certificate, cancellationToken);
        _checkedAt = host.Time.GetUtcNow();
        if (status?.CurrentVersionId is not { } id) return false;
        if (id == _versionId) return true;
        var version = await host.Store.GetVersionAsync(id, cancellationToken);
        if (version is null) return false;
        using var key = await host.Keys.LoadAsync(version.KeyRef, cancellationToken);
        var chain = CertificatePem.ReadPemChain(version.ChainPem);
        if (key is null || chain.Count == 0) return false;
        X509Certificate2 leaf;
        switch (key)
        {
            case ECDsa ec:
                leaf = chain[0].CopyWithPrivateKey(ec);
                break;
            case RSA rsa:
                leaf = chain[0].CopyWithPrivateKey(rsa);
                break;
            default:
                return false;
        }
        var context = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(chain.Skip(1).Take(version.IntermediateCount).ToArray()), offline: true);
        lock (_lock)
        {
            _context = context;
            _versionId = id;
        }
        return true;
    }

    /// <summary>The context for a new connection; starts a look at the store when the last one is old.</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            if (host.Time.GetUtcNow() - _checkedAt >= RefreshInterval && Interlocked.Exchange(ref _refreshing, 1) == 0)
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await LoadAsync(CancellationToken.None);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // The version in service keeps being served; the next connection tries again.
                        _checkedAt = host.Time.GetUtcNow();
                    }
                    finally
                    {
                        Volatile.Write(ref _refreshing, 0);
                    }
                });
            }
            lock (_lock)
            {
                return _context ?? throw new InvalidOperationException("no server certificate loaded");
            }
        }
    }
}
