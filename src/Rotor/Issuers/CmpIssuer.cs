using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Rotor.Cmp;
using Rotor.Cmp.Transport;
using Rotor.Core.Abstractions;
using Rotor.Core.Renewal;
using Rotor.Core.Resources;
using Rotor.Certificates;

namespace Rotor.Issuers;

/// <summary>
/// The <c>cmp</c> issuer kind: an ir (MAC-protected with the IAK, or signed) for a first
/// certificate and for a subject change, a kur signed with the current certificate and key for
/// every other renewal. One <see cref="CmpClient"/> per issuer keeps the server group's
/// round-robin state, and the store keeps its position across processes; at most
/// <see cref="CmpIssuerSpec.BatchSize"/> transactions run at once; a newer request for a
/// certificate cancels and closes its unfinished older transaction before it starts, so
/// requests for one certificate never stack up at the CA. Each step is written to the
/// certificate's issuer state for <c>rotor describe</c>.
/// Files: this one (setup, requests), .Transaction (one enrolment and its state),
/// .Chain (which CA certificates to trust), .Servers (the group's position in the store).
/// </summary>
public sealed partial class CmpIssuer : IIssuer, IKeyUpdateIssuer, IDisposable
{
    private readonly string _name;
    private readonly CmpIssuerSpec _spec;
    private readonly string _baseDirectory;
    private readonly IStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CmpHttpTransport? _ownTransport;
    private readonly CmpClient _client;
    private readonly SemaphoreSlim _slots;
    private readonly KeyUpdateWindow? _window;
    private readonly ConcurrentDictionary<string, Transaction> _running = new(StringComparer.Ordinal);

    private CmpIssuer(string name, CmpIssuerSpec spec, string baseDirectory, IStore store, TimeProvider time, ILoggerFactory loggers,
        IReadOnlyList<X509Certificate2> serverTrust, ICmpTransport? transport, IReadOnlyList<X509Certificate2> tlsTrust, X509Certificate2? tlsClient)
    {
        _name = name;
        _spec = spec;
        _baseDirectory = baseDirectory;
        _store = store;
        _time = time;
        _logger = loggers.CreateLogger<CmpIssuer>();
        if (transport is null)
        {
            _ownTransport = new CmpHttpTransport(new CmpHttpTransportOptions { TlsTrustAnchors = tlsTrust, ClientCertificate = tlsClient });
            transport = _ownTransport;
        }
        var options = new CmpClientOptions
        {
            MessageTimeout = spec.Polling.MessageTimeout,
            TotalTimeout = spec.Polling.TotalTimeout,
            MaxPolls = spec.Polling.MaxPolls,
            RequestImplicitConfirm = spec.ImplicitConfirm,
            Recipient = spec.Recipient is null ? null : new X500DistinguishedName(spec.Recipient),
            ServerTrust = serverTrust,
        };
        _client = new CmpClient(new CmpServerGroup(spec.Servers.Select(s => new Uri(s))), transport, options, time, loggers.CreateLogger<CmpClient>());
        _slots = new SemaphoreSlim(spec.BatchSize, spec.BatchSize);
        _window = spec.KurWindow is null ? null : new KeyUpdateWindow(spec.KurWindow);
    }

    public static Task<CmpIssuer> CreateAsync(string name, CmpIssuerSpec spec, string baseDirectory, IStore store, TimeProvider time,
        ILoggerFactory loggers, CancellationToken cancellationToken) =>
        CreateAsync(name, spec, baseDirectory, store, time, loggers, null, cancellationToken);

    /// <summary>As the public overload; <paramref name="transport"/> replaces HTTP (tests), and then caBundle and tlsClientCertificate are not read.</summary>
    internal static async Task<CmpIssuer> CreateAsync(string name, CmpIssuerSpec spec, string baseDirectory, IStore store, TimeProvider time,
        ILoggerFactory loggers, ICmpTransport? transport, CancellationToken cancellationToken)
    {
        // Without serverTrust, signed responses (kup, and ip to signed requests) must chain to
        // the roots the issued certificates build to: the CMP server is that PKI's own.
        var serverTrustFile = spec.ServerTrust ?? spec.TrustedRoots;
        var serverTrust = serverTrustFile is null ? [] : await ReadPemFileAsync(Resolve(baseDirectory, serverTrustFile), spec.ServerTrust is null ? "trustedRoots" : "serverTrust", cancellationToken);
        if (transport is not null) return new CmpIssuer(name, spec, baseDirectory, store, time, loggers, serverTrust, transport, [], null);
        var tlsTrust = spec.CaBundle is null ? [] : await ReadPemFileAsync(Resolve(baseDirectory, spec.CaBundle), "caBundle", cancellationToken);
        X509Certificate2? tlsClient = null;
        if (spec.TlsClientCertificate is { } client)
        {
            try
            {
                tlsClient = X509Certificate2.CreateFromPemFile(Resolve(baseDirectory, client.Certificate), Resolve(baseDirectory, client.PrivateKey));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new RotorException($"tlsClientCertificate '{client.Certificate}' cannot be loaded with its key: {e.GetType().Name}", isTransient: true, e)
                { Reason = RotorReasons.CmpTlsClientCertificate };
            }
        }
        return new CmpIssuer(name, spec, baseDirectory, store, time, loggers, serverTrust, null, tlsTrust, tlsClient);
    }

    public bool CanBackdate => false;

    /// <summary>The subject the CA is asked for: the issuer's subject fields, then the certificate's common name.</summary>
    public X500DistinguishedName SubjectFor(CertificateSpec spec)
    {
        var builder = new X500DistinguishedNameBuilder();
        var s = _spec.Subject;
        if (s.Country is not null) builder.AddCountryOrRegion(s.Country);
        if (s.Province is not null) builder.AddStateOrProvinceName(s.Province);
        if (s.Locality is not null) builder.AddLocalityName(s.Locality);
        if (s.Organization is not null) builder.AddOrganizationName(s.Organization);
        if (s.OrganizationalUnit is not null) builder.AddOrganizationalUnitName(s.OrganizationalUnit);
        var cn = spec.CommonName ?? spec.DnsNames.FirstOrDefault() ?? spec.IpAddresses.FirstOrDefault();
        if (cn is not null) builder.AddCommonName(cn);
        return builder.Build();
    }

    /// <summary>A renewal is a key update unless the subject changed (then a new ir).</summary>
    public bool IsKeyUpdate(CertificateSpec spec, X509Certificate2 current) =>
        string.Equals(current.SubjectName.Name, SubjectFor(spec).Name, StringComparison.OrdinalIgnoreCase);

    public (DateTimeOffset Until, string Window)? DeferKeyUpdate(CertificateSpec spec, X509Certificate2 current, DateTimeOffset now)
    {
        if (_window is null || !IsKeyUpdate(spec, current)) return null;
        var opening = _window.NextOpening(now);
        // A key update never waits past the current certificate's expiry.
        if (opening is null || opening.Value >= new DateTimeOffset(current.NotAfter.ToUniversalTime())) return null;
        return (opening.Value, _window.Text);
    }

    public async Task<IssuedCertificate> IssueAsync(IssueRequest request, CancellationToken cancellationToken)
    {
        var name = request.CertificateName;
        using var transaction = new Transaction(CancellationTokenSource.CreateLinkedTokenSource(cancellationToken));
        Transaction? older = null;
        _running.AddOrUpdate(name, transaction, (_, existing) => { older = existing; return transaction; });
        try
        {
            if (older is not null)
            {
                // A newer request (a newer spec) supersedes the one still running: cancel it and
                // let it close its transaction at the server before this one starts.
                LogSuperseding(_logger, name);
                older.Supersede();
                await older.Ended.WaitAsync(cancellationToken);
            }
            await _slots.WaitAsync(transaction.Token);
            try
            {
                return await RunAsync(request, transaction, cancellationToken);
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (transaction.Superseded && !cancellationToken.IsCancellationRequested)
        {
            await SaveStateAsync(name, transaction.State with { State = "superseded", At = _time.GetUtcNow() }, CancellationToken.None);
            throw new RotorException("the CMP transaction was superseded by a newer request for this certificate and closed at the server", isTransient: true)
            { Reason = RotorReasons.CmpSuperseded };
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<string, Transaction>(name, transaction));
            transaction.End();
        }
    }

    public Task RevokeAsync(X509Certificate2 certificate, CancellationToken cancellationToken) =>
        throw new RotorException($"issuer '{_name}': revocation over CMP (rr) is not supported; turn off rotation.revokeAfterDrain for its certificates", isTransient: false)
        { Reason = RotorReasons.CmpRevocationUnsupported };

    private X509Certificate2 LoadSigner(CmpSignerSpec signer)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(Resolve(_baseDirectory, signer.Certificate), Resolve(_baseDirectory, signer.PrivateKey));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new RotorException($"issuer '{_name}': signer '{signer.Certificate}' cannot be loaded with its key ({e.GetType().Name})", isTransient: true, e)
            { Reason = RotorReasons.CmpSigner };
        }
    }

    private static string Resolve(string baseDirectory, string path) => Path.GetFullPath(Path.Combine(baseDirectory, path));

    private static async Task<IReadOnlyList<X509Certificate2>> ReadPemFileAsync(string path, string field, CancellationToken cancellationToken)
    {
        try
        {
            var certificates = CertificatePem.ReadPemChain(await Certificates.PemReader.ReadBoundedTextAsync(path, Certificates.PemLimits.TrustBundle, cancellationToken));
            if (certificates.Count == 0) throw new RotorException($"{field} '{path}' holds no PEM certificate", isTransient: false) { Reason = RotorReasons.CmpTrustFile };
            return certificates;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new RotorException($"{field} '{path}' cannot be read: {e.Message}", isTransient: true, e) { Reason = RotorReasons.CmpTrustFile };
        }
    }

    public void Dispose()
    {
        _ownTransport?.Dispose();
        _slots.Dispose();
        _positionLock.Dispose();
    }

    [LoggerMessage(Telemetry.RotorEventIds.CmpSuperseding, LogLevel.Information, "{Certificate}: a newer request supersedes the CMP transaction still running; closing it first")]
    private static partial void LogSuperseding(ILogger logger, string certificate);
}
