using System.Security.Cryptography.X509Certificates;
using Rotor.Acme.Jws;

namespace Rotor.Acme.Ari;

/// <summary>The server's suggested renewal window (RFC 9773 4.2) and when to ask again.</summary>
public sealed record RenewalWindow(DateTimeOffset Start, DateTimeOffset End, Uri? ExplanationUrl, TimeSpan? RetryAfter)
{
    /// <summary>
    /// A uniformly random point in the window (RFC 9773 4.2 asks clients to spread renewals);
    /// a window already under way gives a point between now and its end.
    /// </summary>
    public DateTimeOffset PickRenewalTime(DateTimeOffset now, double unitRandom)
    {
        var start = Start < now ? now : Start;
        if (End <= start) return start;
        return start + (End - start) * unitRandom;
    }
}

/// <summary>The ARI certificate identifier (RFC 9773 4.1).</summary>
public static class AriCertId
{
    /// <summary>base64url(AKI keyIdentifier) "." base64url(serial number DER content octets).</summary>
    public static string For(X509Certificate2 certificate)
    {
        var aki = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier
            ?? throw new ArgumentException("the certificate has no authority key identifier, so ARI cannot name it", nameof(certificate));
        // SerialNumberBytes is the DER INTEGER's content octets, big-endian, leading zero kept.
        var content = certificate.SerialNumberBytes.Span;
        return Base64Url.Encode(aki.Span) + "." + Base64Url.Encode(content);
    }
}
