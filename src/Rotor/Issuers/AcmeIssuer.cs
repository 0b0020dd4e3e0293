using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Rotor.Acme;
using Rotor.Acme.Ari;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Keys;
using Rotor.Telemetry;
using Rotor.Certificates;

namespace Rotor.Issuers;

/// <summary>
/// The <c>acme</c> issuer kind: one account per issuer and server, its key in the key store,
/// orders bounded by <see cref="AcmeIssuerSpec.MaxConcurrentOrders"/>, solvers picked per name,
/// an account that vanished on the server (a CA reset) re-created once.
/// </summary>
public sealed partial class AcmeIssuer : IIssuer, IRenewalAdvisor, IDisposable
{
    private readonly string _name;
    private readonly AcmeIssuerSpec _spec;
    private readonly string _baseDirectory;
    private readonly IKeyStore _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _orders;
    private readonly SemaphoreSlim _accountLock = new(1, 1);
    private readonly HttpClient _http;
    private AcmeSolverSet? _solvers;
    private AcmeClient? _client;

    public AcmeIssuer(string name, AcmeIssuerSpec spec, string baseDirectory, IKeyStore keys, TimeProvider time, ILoggerFactory loggers)
    {
        _name = name;
        _spec = spec;
        _baseDirectory = baseDirectory;
        _keys = keys;
        _time = time;
        _logger = loggers.CreateLogger<AcmeIssuer>();
        _orders = new SemaphoreSlim(spec.MaxConcurrentOrders, spec.MaxConcurrentOrders);
        _http = AcmeHttpClientFactory.Create(spec.CaBundle is null ? null : Resolve(spec.CaBundle), TimeSpan.FromSeconds(30));
    }

    public bool CanBackdate => false;

    /// <summary>The account key's reference: one account per issuer name and server.</summary>
    public string AccountKeyRef => AccountKeyRefFor(_name, _spec.Server);

    /// <summary>The account key's reference of issuer <paramref name="name"/> on directory <paramref name="server"/>.</summary>
    public static string AccountKeyRefFor(string name, string server) =>
        $"account-{name}-{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(server)))[..12]}";

    private string Resolve(string path) => Path.GetFullPath(Path.Combine(_baseDirectory, path));

    public async Task<IssuedCertificate> IssueAsync(IssueRequest request, CancellationToken cancellationToken)
    {
        await _orders.WaitAsync(cancellationToken);
        try
        {
            return await IssueOnceAsync(request, retryWithNewAccount: true, cancellationToken);
        }
        catch (AcmeException e)
        {
            throw ToRotor(e);
        }
        finally
        {
            _orders.Release();
        }
    }

    private async Task<IssuedCertificate> IssueOnceAsync(IssueRequest request, bool retryWithNewAccount, CancellationToken cancellationToken)
    {
        var client = await GetClientAsync(cancellationToken);
        var identifiers = Identifiers(request.Spec);
        var solvers = _solvers!;
        var flow = new AcmeOrderFlow(client, id => solvers.For(id), new LoggedProgress(_logger, request.CertificateName));
        try
        {
            var replaces = request.Replaces is { } old && _spec.UseRenewalInfo && await client.SupportsRenewalInfoAsync(cancellationToken) && HasAuthorityKeyId(old)
                ? AriCertId.For(old)
                : null;
            var chain = (await flow.IssueAsync(new AcmeIssueRequest(identifiers, request.CertificationRequestDer, _spec.PreferredChain, replaces, _spec.Profile), cancellationToken)).Chain;
            var leaf = chain[0];
            var rest = chain.Skip(1).ToList();
            return new IssuedCertificate(leaf, rest.Where(c => c.Subject != c.Issuer).ToList(), rest.Where(c => c.Subject == c.Issuer).ToList());
        }
        catch (AcmeException e) when (e.ProblemType is "accountDoesNotExist" && retryWithNewAccount)
        {
            // The server forgot the account (a reset CA): make it again with the same key, once.
            LogAccountRecreated(_logger, _name, _spec.Server);
            client.AccountUrl = null;
            _client = null;
            return await IssueOnceAsync(request, retryWithNewAccount: false, cancellationToken);
        }
    }

    private static bool HasAuthorityKeyId(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Any(e => e.KeyIdentifier is not null);

    /// <summary>How long to wait before asking again when the CA gave no Retry-After (RFC 9773 4.3 suggests hours).</summary>
    public static readonly TimeSpan DefaultAriRecheck = TimeSpan.FromHours(6);

    /// <summary>
    /// The CA's renewal window (RFC 9773) as a time to renew: a point in the window that is
    /// random across certificates but stable for one (derived from its serial), so repeated
    /// checks do not move it around.
    /// </summary>
    public async Task<RenewalAdvice?> GetRenewalAdviceAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        if (!_spec.UseRenewalInfo || !HasAuthorityKeyId(certificate)) return null;
        try
        {
            var client = await GetClientAsync(cancellationToken);
            var window = await client.GetRenewalInfoAsync(certificate, cancellationToken);
            if (window is null) return null;
            var now = _time.GetUtcNow();
            var unit = BitConverter.ToUInt32(SHA256.HashData(certificate.SerialNumberBytes.Span), 0) / (double)uint.MaxValue;
            var renewAt = window.PickRenewalTime(now, unit);
            return new RenewalAdvice(renewAt, now + (window.RetryAfter ?? DefaultAriRecheck), "ARI " + window.Start.ToString("u", System.Globalization.CultureInfo.InvariantCulture) + " to " + window.End.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (AcmeException e)
        {
            throw ToRotor(e);
        }
    }

    internal static IReadOnlyList<AcmeIdentifier> Identifiers(CertificateSpec spec)
    {
        var ids = spec.DnsNames.Select(AcmeIdentifier.Dns).Concat(spec.IpAddresses.Select(ip => AcmeIdentifier.Ip(IPAddress.Parse(ip).ToString()))).ToList();
        if (ids.Count == 0 && spec.CommonName is not null) ids.Add(AcmeIdentifier.Dns(spec.CommonName));
        return ids;
    }

    private async Task<AcmeClient> GetClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { AccountUrl: not null } ready) return ready;
        await _accountLock.WaitAsync(cancellationToken);
        try
        {
            if (_client is { AccountUrl: not null } again) return again;
            _solvers ??= await AcmeSolverSet.CreateAsync(_spec.Solvers, _baseDirectory, _time, cancellationToken);
            // A new account key is written while newAccount goes out; it is durable before any order uses the account.
            var storing = await _keys.GenerateWhileStoringAsync(AccountKeyRef, _spec.AccountKey.Algorithm, _spec.AccountKey.Size, cancellationToken);
            AcmeAccount account;
            var client = new AcmeClient(_http, new Uri(_spec.Server), new AccountKey(storing.Key), _time, logger: _logger);
            try
            {
                ExternalAccountBinding? eab = null;
                if (_spec.ExternalAccountBinding is { } e)
                {
                    var secret = await SecretResolver.ResolveAsync(e.KeySecretRef, _baseDirectory, cancellationToken);
                    eab = new ExternalAccountBinding(e.KeyId, Base64Url.Decode(secret.Trim()), e.KeyAlgorithm);
                }
                // newAccount with an existing key returns that account, so one call finds or creates.
                account = await client.CreateAccountAsync(_spec.Email is null ? [] : [_spec.Email], termsOfServiceAgreed: true, eab, cancellationToken);
            }
            catch
            {
                await storing.Stored.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                throw;
            }
            await storing.Stored;
            LogAccountReady(_logger, _name, account.Url);
            _client = client;
            return client;
        }
        finally
        {
            _accountLock.Release();
        }
    }

    public async Task<IReadOnlyList<X509Certificate2>> GetTrustAnchorsAsync(CancellationToken cancellationToken)
    {
        if (_spec.TrustedRoots is null) return [];
        var path = Resolve(_spec.TrustedRoots);
        try
        {
            return CertificatePem.ReadPemChain(await Certificates.PemReader.ReadBoundedTextAsync(path, Certificates.PemLimits.TrustBundle, cancellationToken));
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException)
        {
            throw new RotorException($"trustedRoots '{path}' cannot be read: {e.Message}", isTransient: true, e) { Reason = RotorReasons.AcmeTrustFile };
        }
    }

    public async Task RevokeAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        try
        {
            var client = await GetClientAsync(cancellationToken);
            await client.RevokeAsync(certificate, reason: 4 /* superseded */, cancellationToken);
        }
        catch (AcmeException e)
        {
            throw ToRotor(e);
        }
    }

    internal static RotorException ToRotor(AcmeException e) => new(e.Message, e.IsTransient, e)
    {
        Reason = RotorReasons.FromProtocol("Acme", e.ProblemType),
        RetryAfter = e.RetryAfter,
    };

    public void Dispose()
    {
        _http.Dispose();
        _solvers?.Dispose();
        _orders.Dispose();
        _accountLock.Dispose();
    }

    /// <summary>Progress of an order as log lines, in order, on the reporting thread.</summary>
    private sealed class LoggedProgress(ILogger logger, string certificate) : IProgress<string>
    {
        public void Report(string value) => LogProgress(logger, certificate, value);
    }

    [LoggerMessage(RotorEventIds.AccountReady, LogLevel.Information, "ACME account of issuer {Issuer} is {AccountUrl}")]
    private static partial void LogAccountReady(ILogger logger, string issuer, Uri accountUrl);

    [LoggerMessage(RotorEventIds.AccountRecreated, LogLevel.Warning, "ACME account of issuer {Issuer} no longer exists at {Server}; creating it again")]
    private static partial void LogAccountRecreated(ILogger logger, string issuer, string server);

    [LoggerMessage(RotorEventIds.Progress, LogLevel.Information, "{Certificate}: {Message}")]
    private static partial void LogProgress(ILogger logger, string certificate, string message);
}
