using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rotor.Core.Abstractions;

namespace Rotor.Probes;

/// <summary>
/// One TLS handshake against a SIP endpoint, as a SIP peer would make it, and optionally one SIP
/// OPTIONS over the same connection: what the health gate and <c>rotor probe</c> use to see which
/// certificate an endpoint presents right now and whether SIP still answers behind it.
/// </summary>
/// <remarks>
/// Every probe is a full handshake (session resumption off): a resumed session presents no
/// certificate, so after a rotation it would report the old one. The presented chain is captured
/// during the handshake and judged afterwards against <see cref="TlsProbeOptions.TrustAnchors"/>
/// (not the platform's default policy), with the presented intermediates as the only extra
/// certificates and the time from the <see cref="TimeProvider"/>. Thread-safe: holds no state
/// between probes.
/// </remarks>
public sealed class TlsProbe(TlsProbeOptions options, TimeProvider timeProvider, ILogger<TlsProbe>? logger = null, Telemetry.ProbeHistograms? histograms = null) : IProbe
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public TlsProbeOptions Options => options;

    public async Task<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        cancellationToken.ThrowIfCancellationRequested();
        var attempt = new Attempt(target);
        // The timeout runs on the injected clock, so tests drive it without waiting.
        using var timeout = new CancellationTokenSource(options.Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await RunAsync(attempt, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            attempt.AddError($"timed out after {options.Timeout.TotalSeconds:0.###} s during {attempt.Stage.ToString().ToLowerInvariant()}");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
        {
            // The contract: a failed connection, handshake or exchange is a result, never an exception.
            attempt.AddError(Describe(attempt.Stage, e));
        }
        cancellationToken.ThrowIfCancellationRequested();

        var result = attempt.ToResult();
        histograms?.Record(Telemetry.ProbeHistograms.Gate, result.Success, result.LeafSha256 is null ? null : result.HandshakeTime);
        if (result.Success)
        {
            ProbeLog.Succeeded(_logger, target, result.LeafSha256, result.ChainTrusted, result.SipStatusCode, result.HandshakeTime.TotalMilliseconds);
        }
        else
        {
            ProbeLog.Failed(_logger, target, attempt.Stage.ToString().ToLowerInvariant(), result.Error ?? "unknown");
        }
        return result;
    }

    private async Task RunAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        var target = attempt.Target;
        attempt.Stage = ProbeStage.Connect;
        var started = timeProvider.GetTimestamp();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(target.Host, target.Port, cancellationToken);
        await using var network = new NetworkStream(socket, ownsSocket: true);
        attempt.ConnectTime = timeProvider.GetElapsedTime(started);

        attempt.Stage = ProbeStage.Handshake;
        started = timeProvider.GetTimestamp();
        await using var tls = new SslStream(network, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            // No SNI is sent for an empty target host; an IP address is never sent as SNI either.
            TargetHost = target.Sni ?? "",
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            AllowTlsResume = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            // Accept whatever is presented and judge it below: a probe reports an untrusted
            // certificate (and its fingerprint) instead of only failing to connect.
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                attempt.Capture(certificate, chain);
                return true;
            },
        }, cancellationToken);
        attempt.HandshakeTime = timeProvider.GetElapsedTime(started);

        attempt.Stage = ProbeStage.Verify;
        // A gate passes the new version's CA with the target; otherwise the configured roots.
        attempt.Verify(target.Trust ?? options.TrustAnchors, timeProvider.GetUtcNow());

        if (target.SipOptions)
        {
            attempt.Stage = ProbeStage.Sip;
            started = timeProvider.GetTimestamp();
            var request = SipOptionsExchange.Build(target.Sni ?? target.Host, target.Port, (IPEndPoint)socket.LocalEndPoint!);
            var response = await SipOptionsExchange.ExchangeAsync(tls, request, cancellationToken);
            attempt.SipTime = timeProvider.GetElapsedTime(started);
            attempt.SipStatusCode = response.StatusCode;
        }
        attempt.Stage = ProbeStage.Done;
    }

    private static string Describe(ProbeStage stage, Exception e) => (stage, e) switch
    {
        (_, SocketException s) => $"{stage.ToString().ToLowerInvariant()}: {SocketText(s)}",
        (ProbeStage.Handshake, AuthenticationException a) => "TLS handshake failed: " + Innermost(a),
        (ProbeStage.Handshake, IOException io) => "TLS handshake failed: " + Innermost(io),
        (ProbeStage.Sip, SipProtocolException p) => "malformed SIP response: " + p.Message,
        (ProbeStage.Sip, IOException io) => "SIP OPTIONS: " + Innermost(io),
        _ => $"{stage.ToString().ToLowerInvariant()}: {e.GetType().Name}: {e.Message}",
    };

    private static string SocketText(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.TimedOut => "connection timed out",
        SocketError.ConnectionReset => "connection reset by the peer",
        _ => e.Message,
    };

    private static string Innermost(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return ReferenceEquals(inner, e) ? e.Message : $"{e.Message} ({inner.Message})";
    }

    private enum ProbeStage
    {
        Connect,
        Handshake,
        Verify,
        Sip,
        Done,
    }

    /// <summary>What one probe has found so far; turned into a <see cref="ProbeResult"/> at the end.</summary>
    private sealed class Attempt(ProbeTarget target)
    {
        public ProbeTarget Target { get; } = target;
        public ProbeStage Stage { get; set; }
        public List<X509Certificate2> Presented { get; } = [];
        public bool ChainTrusted { get; private set; }
        public int? SipStatusCode { get; set; }
        public TimeSpan ConnectTime { get; set; }
        public TimeSpan HandshakeTime { get; set; }
        public TimeSpan? SipTime { get; set; }
        public string? Error { get; private set; }

        /// <summary>A chain problem found before a SIP failure stays in the message.</summary>
        public void AddError(string error)
        {
            if (Error is null)
            {
                Error = error;
                // The first failing stage classifies the failure: a gate treats "down" and
                // "bad certificate" differently.
                Failure = Stage switch
                {
                    ProbeStage.Connect => ProbeFailure.Connect,
                    ProbeStage.Handshake => ProbeFailure.Handshake,
                    ProbeStage.Verify => ProbeFailure.Trust,
                    _ => ProbeFailure.Sip,
                };
            }
            else
            {
                Error += "; " + error;
            }
        }

        public ProbeFailure Failure { get; private set; }

        /// <summary>
        /// Copies the presented certificates: SslStream disposes its own objects after the
        /// callback. The leaf comes first; the platform puts the rest of what the peer sent into
        /// the chain's extra store.
        /// </summary>
        public void Capture(X509Certificate? certificate, X509Chain? chain)
        {
            Presented.Clear();
            if (certificate is null) return;
            var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            Presented.Add(leaf);
            foreach (var extra in chain?.ChainPolicy.ExtraStore ?? [])
            {
                if (!extra.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
                {
                    Presented.Add(X509CertificateLoader.LoadCertificate(extra.RawDataMemory.Span));
                }
            }
        }

        public void Verify(IReadOnlyList<X509Certificate2> anchors, DateTimeOffset now)
        {
            if (Presented.Count == 0)
            {
                AddError("the server presented no certificate");
                return;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            chain.ChainPolicy.ApplicationPolicy.Add(ServerAuth);
            chain.ChainPolicy.ExtraStore.AddRange(Presented.Skip(1).ToArray());
            if (anchors.Count > 0)
            {
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(anchors.ToArray());
            }
            ChainTrusted = chain.Build(Presented[0]);
            if (!ChainTrusted)
            {
                var reasons = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
                    .Select(s => $"{s.Status}: {s.StatusInformation.Trim()}").Distinct();
                AddError("chain not trusted: " + string.Join("; ", reasons));
                return;
            }
            if (Target.Sni is { } name && !Presented[0].MatchesHostname(name, allowWildcards: true, allowCommonName: false))
            {
                AddError($"the certificate does not cover the name '{name}' (its subject is {Presented[0].Subject})");
            }
        }

        public ProbeResult ToResult()
        {
            var leafSha256 = Presented.Count == 0 ? null : Convert.ToHexStringLower(SHA256.HashData(Presented[0].RawDataMemory.Span));
            var success = Error is null && Stage == ProbeStage.Done && ChainTrusted;
            return new ProbeResult(Target, success, leafSha256, [.. Presented], ChainTrusted, SipStatusCode,
                ConnectTime, HandshakeTime, SipTime, Error)
            {
                Failure = success ? ProbeFailure.None : Error is null ? ProbeFailure.Trust : Failure,
            };
        }
    }
}
