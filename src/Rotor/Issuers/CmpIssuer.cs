using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Rotor.Cmp;
using Rotor.Cmp.Messages;
using Rotor.Cmp.Protection;
using Rotor.Cmp.Transport;
using Rotor.Core.Abstractions;
using Rotor.Core.Renewal;
using Rotor.Core.Resources;
using Rotor.Keys;
using Rotor.Certificates;

namespace Rotor.Issuers;

/// <summary>
/// The <c>cmp</c> issuer kind: an ir (MAC-protected with the IAK, or signed) for a first
/// certificate and for a subject change, a kur signed with the current certificate and key for
/// every other renewal. One <see cref="CmpClient"/> per issuer keeps the server group's
/// round-robin state; at most <see cref="CmpIssuerSpec.BatchSize"/> transactions run at once;
/// a newer request for a certificate cancels and closes its unfinished older transaction
/// before it starts, so requests for one certificate never stack up at the CA. Each step is
/// written to the certificate's issuer state for <c>rotor describe</c>.
/// </summary>
public sealed partial class CmpIssuer : IIssuer, IKeyUpdateIssuer, IDisposable
{
    private readonly string _name;
    private readonly CmpIssuerSpec _spec;
    private readonly string _baseDirectory;
    private readonly IStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CmpHttpTransport _transport;
    private readonly CmpClient _client;
    private readonly SemaphoreSlim _slots;
    private readonly KeyUpdateWindow? _window;
    private readonly ConcurrentDictionary<string, Transaction> _running = new(StringComparer.Ordinal);

    // Roots learnt from the caPubs of authenticated ip messages (used when trustedRoots is not set).
    private readonly ConcurrentDictionary<string, X509Certificate2> _caPubRoots = new(StringComparer.OrdinalIgnoreCase);

    private CmpIssuer(string name, CmpIssuerSpec spec, string baseDirectory, IStore store, TimeProvider time, ILoggerFactory loggers,
        IReadOnlyList<X509Certificate2> serverTrust, IReadOnlyList<X509Certificate2> tlsTrust, X509Certificate2? tlsClient)
    {
        _name = name;
        _spec = spec;
        _baseDirectory = baseDirectory;
        _store = store;
        _time = time;
        _logger = loggers.CreateLogger<CmpIssuer>();
        _transport = new CmpHttpTransport(new CmpHttpTransportOptions { TlsTrustAnchors = tlsTrust, ClientCertificate = tlsClient });
        var options = new CmpClientOptions
        {
            MessageTimeout = spec.Polling.MessageTimeout,
            TotalTimeout = spec.Polling.TotalTimeout,
            MaxPolls = spec.Polling.MaxPolls,
            RequestImplicitConfirm = spec.ImplicitConfirm,
            Recipient = spec.Recipient is null ? null : new X500DistinguishedName(spec.Recipient),
            ServerTrust = serverTrust,
        };
        _client = new CmpClient(new CmpServerGroup(spec.Servers.Select(s => new Uri(s))), _transport, options, time, loggers.CreateLogger<CmpClient>());
        _slots = new SemaphoreSlim(spec.BatchSize, spec.BatchSize);
        _window = spec.KurWindow is null ? null : new KeyUpdateWindow(spec.KurWindow);
    }

    public static async Task<CmpIssuer> CreateAsync(string name, CmpIssuerSpec spec, string baseDirectory, IStore store, TimeProvider time,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        // Without serverTrust, signed responses (kup, and ip to signed requests) must chain to
        // the roots the issued certificates build to: the CMP server is that PKI's own.
        var serverTrustFile = spec.ServerTrust ?? spec.TrustedRoots;
        var serverTrust = serverTrustFile is null ? [] : await ReadPemFileAsync(Resolve(baseDirectory, serverTrustFile), spec.ServerTrust is null ? "trustedRoots" : "serverTrust", cancellationToken);
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
                { Reason = "CmpTlsClientCertificate" };
            }
        }
        return new CmpIssuer(name, spec, baseDirectory, store, time, loggers, serverTrust, tlsTrust, tlsClient);
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
            { Reason = "CmpSuperseded" };
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<string, Transaction>(name, transaction));
            transaction.End();
        }
    }

    private async Task<IssuedCertificate> RunAsync(IssueRequest request, Transaction transaction, CancellationToken cancellationToken)
    {
        var name = request.CertificateName;
        var spec = request.Spec;
        var subject = SubjectFor(spec);
        var keyUpdate = request.Replaces is { } old && request.ReplacesKey is not null && IsKeyUpdate(spec, old);
        var cmpRequest = new CmpCertificateRequest
        {
            Subject = subject,
            Key = request.SubjectKey,
            Extensions = TemplateExtensions(spec, subject, request.SubjectKey),
            AcceptCertificate = certificate => RefuseShortValidity(spec, certificate),
            Progress = p => transaction.Report(p, this, name),
        };
        transaction.State = new CmpTransactionState { Request = keyUpdate ? "kur" : "ir", State = "starting", At = _time.GetUtcNow() };
        await SaveStateAsync(name, transaction.State, cancellationToken);
        try
        {
            CmpEnrollmentResult result;
            if (keyUpdate)
            {
                using var signer = CertificateBuilder.WithPrivateKey(request.Replaces!, request.ReplacesKey!);
                result = await _client.KeyUpdateRequestAsync(cmpRequest, new CmpSignatureProtection(signer), transaction.Token);
            }
            else if (_spec.Protection == CmpProtectionMode.Signature)
            {
                using var signer = LoadSigner(_spec.Signer!);
                result = await _client.InitialRequestAsync(cmpRequest, new CmpSignatureProtection(signer), transaction.Token);
            }
            else
            {
                var secret = await SecretResolver.ResolveAsync(_spec.SharedSecret!.SecretRef, _baseDirectory, cancellationToken);
                using var protection = CmpProtection.SharedSecret(_spec.SharedSecret.Reference, Encoding.UTF8.GetBytes(secret));
                result = await _client.InitialRequestAsync(cmpRequest, protection, transaction.Token);
            }
            await transaction.Writes;
            await SaveStateAsync(name, transaction.State with
            {
                State = "done",
                Server = result.Server.ToString(),
                TransactionId = result.TransactionId,
                PkiStatus = CmpStatusText.Describe(result.Status),
                FailInfo = null,
                StatusText = null,
                Polls = result.Polls,
                NextPollAt = null,
                ImplicitlyConfirmed = result.ImplicitlyConfirmed,
                At = _time.GetUtcNow(),
            }, cancellationToken);
            return ToIssued(result);
        }
        catch (CmpException e)
        {
            await transaction.Writes;
            await SaveStateAsync(name, transaction.State with
            {
                State = "failed",
                Server = e.Server?.ToString() ?? transaction.State.Server,
                TransactionId = e.TransactionId ?? transaction.State.TransactionId,
                PkiStatus = e.Status is { } status ? CmpStatusText.Describe(status) : null,
                FailInfo = e.FailInfo == CmpFailInfo.None ? null : e.FailInfoText,
                StatusText = e.StatusString,
                Error = e.Reason,
                NextPollAt = null,
                At = _time.GetUtcNow(),
            }, CancellationToken.None);
            var where = e.Server is null ? "" : $" (server {e.Server}, transaction {e.TransactionId})";
            throw new RotorException($"CMP {(keyUpdate ? "kur" : "ir")} failed: {e.Message}{where}", e.IsTransient, e) { Reason = ReasonFor(e) };
        }
    }

    /// <summary>
    /// The certConf veto: a certificate that would be due for renewal at once (validity shorter
    /// than renewBefore) is rejected, so the CA does not count it as accepted.
    /// </summary>
    private string? RefuseShortValidity(CertificateSpec spec, X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        var renewAt = RenewalSchedule.RenewalTime(notBefore, notAfter, spec.RenewBefore, spec.RenewBeforePercentage);
        return renewAt <= _time.GetUtcNow()
            ? $"validity too short: valid until {notAfter:u}, which is inside renewBefore ({DurationParser.Format(notAfter - renewAt)}); it would be due for renewal at once"
            : null;
    }

    private static IReadOnlyList<X509Extension> TemplateExtensions(CertificateSpec spec, X500DistinguishedName subject, AsymmetricAlgorithm key)
    {
        var template = CertificateBuilder.NewRequest(subject, key);
        CertificateBuilder.AddLeafExtensions(template, spec, key is RSA);
        return [.. template.CertificateExtensions];
    }

    /// <summary>The leaf, then intermediates and roots found above it in extraCerts and caPubs.</summary>
    private IssuedCertificate ToIssued(CmpEnrollmentResult result)
    {
        var pool = result.ExtraCerts.Concat(result.CaPubs).ToList();
        var intermediates = new List<X509Certificate2>();
        var roots = new List<X509Certificate2>();
        var current = result.Certificate;
        for (var depth = 0; depth < 8; depth++)
        {
            var issuer = pool.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData) && c.Thumbprint != current.Thumbprint);
            if (issuer is null) break;
            if (issuer.SubjectName.RawData.AsSpan().SequenceEqual(issuer.IssuerName.RawData))
            {
                // A root is taken as trust only when it came in caPubs of an authenticated ip and
                // no trustedRoots are configured; otherwise validation uses trustedRoots.
                if (_spec.TrustedRoots is null && result.CaPubs.Any(c => c.Thumbprint == issuer.Thumbprint))
                {
                    roots.Add(issuer);
                    _caPubRoots[issuer.Thumbprint] = issuer;
                }
                break;
            }
            intermediates.Add(issuer);
            current = issuer;
        }
        return new IssuedCertificate(result.Certificate, intermediates, roots);
    }

    public async Task<IReadOnlyList<X509Certificate2>> GetTrustAnchorsAsync(CancellationToken cancellationToken)
    {
        if (_spec.TrustedRoots is not null)
        {
            return await ReadPemFileAsync(Resolve(_baseDirectory, _spec.TrustedRoots), "trustedRoots", cancellationToken);
        }
        // A kup carries no caPubs: the roots of earlier ip messages, else the CMP server's own trust.
        if (!_caPubRoots.IsEmpty) return [.. _caPubRoots.Values];
        return _spec.ServerTrust is null ? [] : await ReadPemFileAsync(Resolve(_baseDirectory, _spec.ServerTrust), "serverTrust", cancellationToken);
    }

    public Task RevokeAsync(X509Certificate2 certificate, CancellationToken cancellationToken) =>
        throw new RotorException($"issuer '{_name}': revocation over CMP (rr) is not supported; turn off rotation.revokeAfterDrain for its certificates", isTransient: false)
        { Reason = "CmpRevocationUnsupported" };

    private X509Certificate2 LoadSigner(CmpSignerSpec signer)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(Resolve(_baseDirectory, signer.Certificate), Resolve(_baseDirectory, signer.PrivateKey));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new RotorException($"issuer '{_name}': signer '{signer.Certificate}' cannot be loaded with its key ({e.GetType().Name})", isTransient: true, e)
            { Reason = "CmpSigner" };
        }
    }

    private static string ReasonFor(CmpException e) =>
        "Cmp" + string.Concat(e.Reason.Split('-').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));

    private Task SaveStateAsync(string certificate, CmpTransactionState state, CancellationToken cancellationToken) =>
        _store.SaveIssuerStateAsync(certificate, CmpTransactionState.Serialize(state with { Issuer = _name }), cancellationToken);

    private static string Resolve(string baseDirectory, string path) => Path.GetFullPath(Path.Combine(baseDirectory, path));

    private static async Task<IReadOnlyList<X509Certificate2>> ReadPemFileAsync(string path, string field, CancellationToken cancellationToken)
    {
        try
        {
            var certificates = CertificatePem.ReadPemChain(await Certificates.PemReader.ReadBoundedTextAsync(path, Certificates.PemLimits.TrustBundle, cancellationToken));
            if (certificates.Count == 0) throw new RotorException($"{field} '{path}' holds no PEM certificate", isTransient: false) { Reason = "CmpTrustFile" };
            return certificates;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new RotorException($"{field} '{path}' cannot be read: {e.Message}", isTransient: true, e) { Reason = "CmpTrustFile" };
        }
    }

    public void Dispose()
    {
        _transport.Dispose();
        _slots.Dispose();
    }

    /// <summary>One certificate's running request: its cancellation, its last state, the writes of that state.</summary>
    private sealed class Transaction(CancellationTokenSource cancellation) : IDisposable
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();

        public CancellationToken Token => cancellation.Token;
        public bool Superseded { get; private set; }
        public Task Ended => _ended.Task;
        public CmpTransactionState State { get; set; } = new();

        /// <summary>State writes in the order the steps happened.</summary>
        public Task Writes { get; private set; } = Task.CompletedTask;

        public void Report(CmpProgress progress, CmpIssuer issuer, string certificate)
        {
            lock (_lock)
            {
                State = State with
                {
                    State = progress.Stage switch { CmpStage.Waiting => "waiting", CmpStage.Confirming => "confirming", _ => "requesting" },
                    Request = progress.Request,
                    Server = progress.Server.ToString(),
                    TransactionId = progress.TransactionId,
                    Polls = progress.Polls,
                    NextPollAt = progress.NextPollAt,
                    PkiStatus = progress.Stage == CmpStage.Waiting ? "waiting" : State.PkiStatus,
                    At = issuer._time.GetUtcNow(),
                };
                var state = State;
                Writes = Writes.ContinueWith(_ => issuer.SaveStateAsync(certificate, state, CancellationToken.None), TaskScheduler.Default).Unwrap();
            }
        }

        public void Supersede()
        {
            Superseded = true;
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It ended (and let go of its token) between being found and being cancelled.
            }
        }

        public void End() => _ended.TrySetResult();

        public void Dispose() => cancellation.Dispose();
    }

    [LoggerMessage(Telemetry.RotorEventIds.CmpSuperseding, LogLevel.Information, "{Certificate}: a newer request supersedes the CMP transaction still running; closing it first")]
    private static partial void LogSuperseding(ILogger logger, string certificate);
}
