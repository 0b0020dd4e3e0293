using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Rotor.Core.Resources;
using Rotor.Probes;

namespace Rotor.Scan;

public sealed partial class EndpointScanner
{
    /// <summary>The main handshake's findings; the chain is the scanner's to dispose.</summary>
    private sealed record Handshake(List<X509Certificate2> Chain, string? Protocol, string? CipherSuite, double? HandshakeMs, int? SipStatus, string? Error, bool ConnectFailed);

    /// <summary>
    /// A full handshake (no resumption) offering TLS 1.2 and 1.3 as the platform does, capturing what
    /// is presented whatever it is, then SIP OPTIONS when asked; bounded by the per-check timeout.
    /// Without SIP it runs on libssl directly (<see cref="OpenSslHandshake"/>, about half SslStream's
    /// CPU per handshake); SIP needs a stream afterwards, so it runs on SslStream.
    /// </summary>
    private async Task<Handshake> HandshakeAsync(ScanTargets.Address address, string? sni, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        var chain = new List<X509Certificate2>();
        var stage = "connect";
        string? protocol = null, suite = null;
        double? ms = null;
        int? sip = null;
        try
        {
            using var socket = await ScanSocket.ConnectAsync(address.Host, address.Port, linked.Token);
            stage = "handshake";
            var started = time.GetTimestamp();
            if (!options.Sip && options.NativeHandshake && OpenSslHandshake.Shared is { } native)
            {
                var shown = await native.HandshakeAsync(socket, sni, linked.Token);
                ms = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 2);
                chain.AddRange(shown.Chain);
                return new Handshake(chain, TlsSuites.VersionName((ushort)shown.Version), shown.Suite.ToString(), ms, null, null, false);
            }
            await using var network = new NetworkStream(socket, ownsSocket: true);
            await using var tls = new SslStream(network, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = sni ?? "",
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                AllowTlsResume = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // The platform builds a chain before the callback whatever the callback says. Against the
                // system store that build costs most of a scan's CPU (its name lookups across every root),
                // so the handshake's build runs against no roots at all, and the scan's verdict comes from
                // one build per distinct chain (VerdictFor), which endpoints sharing a certificate reuse.
                CertificateChainPolicy = CaptureOnlyPolicy(),
                // Whatever is presented is captured and judged, as a scan must report a bad certificate, not only fail.
                RemoteCertificateValidationCallback = (_, certificate, x509Chain, _) =>
                {
                    Capture(chain, certificate, x509Chain);
                    return true;
                },
            }, linked.Token);
            ms = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 2);
            protocol = tls.SslProtocol switch
            {
                SslProtocols.Tls12 => "TLS 1.2",
                SslProtocols.Tls13 => "TLS 1.3",
                var other => other.ToString(),
            };
            suite = tls.NegotiatedCipherSuite.ToString();
            if (options.Sip)
            {
                stage = "sip";
                var request = SipOptionsExchange.Build(sni ?? address.Host, address.Port, (IPEndPoint)socket.LocalEndPoint!);
                sip = (await SipOptionsExchange.ExchangeAsync(tls, request, linked.Token)).StatusCode;
            }
            return new Handshake(chain, protocol, suite, ms, sip, null, false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Handshake(chain, protocol, suite, ms, sip, $"{stage}: no answer within {options.Timeout.TotalSeconds:0.#} s", stage == "connect");
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or SipProtocolException or NativeHandshakeException)
        {
            var message = e is AuthenticationException && e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
            return new Handshake(chain, protocol, suite, ms, sip, $"{stage}: {message}", stage == "connect");
        }
    }

    private static void Capture(List<X509Certificate2> into, X509Certificate? certificate, X509Chain? chain)
    {
        foreach (var c in into) c.Dispose();
        into.Clear();
        if (certificate is null) return;
        var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        into.Add(leaf);
        foreach (var extra in chain?.ChainPolicy.ExtraStore ?? [])
        {
            if (!extra.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)) into.Add(X509CertificateLoader.LoadCertificate(extra.RawDataMemory.Span));
        }
    }
}

/// <summary>The HTTP client a scanner asks OCSP responders with: no cookies, no redirects to elsewhere, short connects.</summary>
public static class ScanHttp
{
    public static HttpClient Create() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each request carries its own limit
    };
}
