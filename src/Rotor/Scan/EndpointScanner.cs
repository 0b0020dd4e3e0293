using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;
using Rotor.Core.Scan;
using Rotor.Probes;

namespace Rotor.Scan;

/// <summary>How the scanner looks at endpoints: its trust, its limits, and whether to ask SIP.</summary>
public sealed record ScanOptions
{
    /// <summary>Roots presented chains must build to; empty: the system trust store.</summary>
    public IReadOnlyList<X509Certificate2> TrustAnchors { get; init; } = [];

    /// <summary>Limit for each check of one endpoint.</summary>
    public TimeSpan Timeout { get; init; } = ScanSpec.DefaultTimeout;

    public bool Sip { get; init; }

    /// <summary>Server name to send when the host is an address.</summary>
    public string? Sni { get; init; }

    /// <summary>Also offer TLS 1.0/1.1 and weak suites in hand-made hellos (one connection each).</summary>
    public bool ProtocolChecks { get; init; } = true;

    /// <summary>Ask the leaf's OCSP responder.</summary>
    public bool Ocsp { get; init; } = true;

    /// <summary>
    /// Handshake on libssl directly where it can be loaded (no SIP asked); false: always on SslStream.
    /// Both show the same chain, version and suite (EndpointScannerTests).
    /// </summary>
    public bool NativeHandshake { get; init; } = true;
}

/// <summary>
/// Looks at one endpoint: a full TLS handshake with SNI as a SIP peer makes it (the presented chain,
/// protocol, suite; SIP OPTIONS when asked), then hand-made hellos for TLS 1.1 and older and for the
/// weak suites, then the leaf's OCSP responder. One connection per check, one after another, no
/// retries: an endpoint sees three short connections per scan (four when it accepts TLS 1.1). Thread-safe; never throws for
/// what the endpoint does, only for cancellation.
/// </summary>
public sealed partial class EndpointScanner(ScanOptions options, HttpClient http, TimeProvider time)
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private readonly OcspChecker _ocsp = new(http, time);

    // Chain verdicts of this scanner's run by the presented certificates (their SHA-256s in order):
    // the verdict depends only on those, the trust and the scan's time. Bounded; past the bound a
    // chain is simply built again.
    private readonly ConcurrentDictionary<string, (bool Valid, string? Problem)> _verdicts = new(StringComparer.Ordinal);
    private const int MaxCachedVerdicts = 4096;

    public ScanOptions Options => options;

    /// <param name="managed">Maps a leaf's SHA-256 (any case) to the Rotor version it is, when it is one.</param>
    public async Task<EndpointScan> ScanAsync(ScanTargets.Address address, string? source, Func<string, ManagedVersion?>? managed, CancellationToken cancellationToken)
    {
        var sni = HostPort.IsDnsName(address.Host) ? address.Host : options.Sni;
        var main = await HandshakeAsync(address, sni, cancellationToken);
        var chain = main.Chain;
        var legacy = new List<string>();
        var weak = new List<string>();
        var reachable = main.Protocol is not null;
        if (options.ProtocolChecks && main.ConnectFailed is false)
        {
            // One hello offering up to TLS 1.1 answers for both versions on most servers: a modern one
            // refuses it, a TLS 1.0-only one answers 1.0; only a 1.1 answer needs a second hello for 1.0.
            var hello = await ClientHelloProbe.RunAsync(address.Host, address.Port, sni, 0x0302, TlsSuites.Legacy, options.Timeout, time, cancellationToken);
            if (hello.Accepted && hello.Version == 0x0302)
            {
                var older = await ClientHelloProbe.RunAsync(address.Host, address.Port, sni, 0x0301, TlsSuites.Legacy, options.Timeout, time, cancellationToken);
                if (older.Accepted && older.Version == 0x0301) legacy.Add(TlsSuites.VersionName(0x0301));
            }
            if (hello.Accepted && hello.Version is 0x0301 or 0x0302)
            {
                reachable = true;
                legacy.Add(TlsSuites.VersionName(hello.Version.Value));
                // An endpoint that speaks only TLS 1.0/1.1 still shows its chain in the clear.
                if (chain.Count == 0 && hello.Certificates.Count > 0) chain = Load(hello.Certificates);
            }
            var weakHello = await ClientHelloProbe.RunAsync(address.Host, address.Port, sni, 0x0303, [.. TlsSuites.Weak.Keys], options.Timeout, time, cancellationToken);
            if (weakHello.Accepted)
            {
                reachable = true;
                weak.Add(TlsSuites.Name(weakHello.Suite!.Value));
                if (chain.Count == 0 && weakHello.Certificates.Count > 0) chain = Load(weakHello.Certificates);
            }
        }
        try
        {
            return await JudgeAsync(address, source, sni, main, chain, legacy, weak, reachable, managed, cancellationToken);
        }
        finally
        {
            foreach (var c in chain) c.Dispose();
        }
    }

    private async Task<EndpointScan> JudgeAsync(ScanTargets.Address address, string? source, string? sni, Handshake main, List<X509Certificate2> chain,
        List<string> legacy, List<string> weak, bool reachable, Func<string, ManagedVersion?>? managed, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var result = new EndpointScan
        {
            Endpoint = address.ToString(),
            Sni = sni,
            Source = source,
            At = now,
            Reachable = reachable,
            Error = main.Error,
            Protocol = main.Protocol,
            CipherSuite = main.CipherSuite,
            HandshakeMs = main.HandshakeMs,
            SipStatus = main.SipStatus,
            LegacyProtocols = legacy,
            WeakCiphers = weak,
        };
        if (chain.Count == 0) return result;
        var checkedName = sni ?? address.Host;
        var described = chain.Select(DescribeOnce).ToList();
        var (valid, problem) = VerdictFor(chain, described, now);
        result = result with
        {
            Chain = [.. described.Select(d => d.Certificate)],
            ChainValid = valid,
            ChainProblem = problem,
            CheckedName = checkedName,
            NameMatches = chain[0].MatchesHostname(checkedName, allowWildcards: true, allowCommonName: false),
        };
        if (managed?.Invoke(result.Chain[0].Sha256) is { } version)
        {
            result = result with { ManagedCertificate = version.Certificate, ManagedVersion = version.Number, ManagedCurrent = version.Current };
        }
        if (options.Ocsp)
        {
            // Without an AIA extension there is no responder to ask, and nothing to decode again to learn that.
            var answer = !described[0].HasAuthorityInformationAccess ? OcspChecker.NoResponder
                : await _ocsp.CheckAsync(chain[0].RawData, [.. chain.Select(c => c.RawData), .. options.TrustAnchors.Select(c => c.RawData)], options.Timeout, cancellationToken);
            result = result with { Ocsp = answer.Status, OcspDetail = answer.Detail, RevokedAt = answer.RevokedAt };
        }
        return result;
    }

    /// <summary>The verdict on a presented chain, built once per distinct chain (its certificates' SHA-256s in order) in this scanner's run.</summary>
    private (bool Valid, string? Problem) VerdictFor(List<X509Certificate2> chain, List<DescribedCertificate> described, DateTimeOffset now)
    {
        var key = string.Join(",", described.Select(d => d.Certificate.Sha256));
        if (_verdicts.TryGetValue(key, out var known)) return known;
        var verdict = VerifyChain(chain, now);
        if (_verdicts.Count < MaxCachedVerdicts) _verdicts.TryAdd(key, verdict);
        return verdict;
    }

    /// <summary>The handshake's own chain build: no roots, no downloads, no revocation — it only has to hand over what was presented.</summary>
    private static X509ChainPolicy CaptureOnlyPolicy() => new()
    {
        RevocationMode = X509RevocationMode.NoCheck,
        DisableCertificateDownloads = true,
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        VerificationFlags = X509VerificationFlags.AllFlags,
    };

    /// <summary>Whether the chain builds to the trust; a validity period outside now is left to the expiry rules.</summary>
    private (bool Valid, string? Problem) VerifyChain(List<X509Certificate2> chain, DateTimeOffset now)
    {
        using var x = new X509Chain { ChainPolicy = ChainPolicy(now) };
        x.ChainPolicy.ExtraStore.AddRange(chain.Skip(1).ToArray());
        x.Build(chain[0]);
        return Verdict(x);
    }

    /// <summary>
    /// The scanner's chain policy: the configured roots (else the system store), server auth, no
    /// revocation (OCSP is its own check), no fetching of missing intermediates (the chain a SIP peer
    /// gets is the one presented), and the validity period left to the expiry rules.
    /// </summary>
    private X509ChainPolicy ChainPolicy(DateTimeOffset now)
    {
        var policy = new X509ChainPolicy
        {
            RevocationMode = X509RevocationMode.NoCheck,
            VerificationTime = now.UtcDateTime,
            VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid,
            DisableCertificateDownloads = true,
        };
        policy.ApplicationPolicy.Add(ServerAuth);
        if (options.TrustAnchors.Count > 0)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(options.TrustAnchors.ToArray());
        }
        return policy;
    }

    private static (bool Valid, string? Problem) Verdict(X509Chain built)
    {
        var reasons = built.ChainStatus.Where(s => s.Status is not X509ChainStatusFlags.NoError and not X509ChainStatusFlags.NotTimeValid)
            .Select(s => $"{s.Status}: {s.StatusInformation.Trim()}").Distinct().ToList();
        return reasons.Count == 0 ? (true, null) : (false, string.Join("; ", reasons));
    }
}

/// <summary>A Rotor version a leaf fingerprint belongs to.</summary>
public sealed record ManagedVersion(string Certificate, int Number, bool Current);
