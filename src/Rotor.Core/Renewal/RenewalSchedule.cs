using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Rotor.Core.Resources;

namespace Rotor.Core.Renewal;

/// <summary>When a certificate version should be replaced: the one place that computes it.</summary>
public static class RenewalSchedule
{
    /// <summary>Default point of renewal: two thirds into the lifetime.</summary>
    public const double DefaultLifetimeFraction = 2.0 / 3.0;

    /// <summary>When a certificate valid from <paramref name="notBefore"/> to <paramref name="notAfter"/> is renewed under <paramref name="spec"/>.</summary>
    public static DateTimeOffset RenewalTime(CertificateSpec spec, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return RenewalTime(notBefore, notAfter, spec.RenewBefore, spec.RenewBeforePercentage);
    }

    /// <summary>The most a certificate's renewal is moved earlier to spread a fleet (see <see cref="SpreadRenewalTime"/>).</summary>
    public static readonly TimeSpan MaxSpread = TimeSpan.FromHours(24);

    /// <summary>
    /// <see cref="RenewalTime(CertificateSpec, DateTimeOffset, DateTimeOffset)"/> moved earlier by a
    /// fraction, fixed per certificate name, of a tenth of the time left after it (at most
    /// <see cref="MaxSpread"/>). Certificates issued in the same second (a fleet's first issuance, a
    /// storm after an outage) then fall due spread over up to a day instead of all at once, and again
    /// at every renewal after. Only ever earlier, never closer to expiry; the same name always gets
    /// the same time, in every process, so every instance and every restart agrees when it is due.
    /// </summary>
    public static DateTimeOffset SpreadRenewalTime(CertificateSpec spec, DateTimeOffset notBefore, DateTimeOffset notAfter, string certificate)
    {
        var at = RenewalTime(spec, notBefore, notAfter);
        var span = (notAfter - at) / 10;
        if (span > MaxSpread) span = MaxSpread;
        if (span <= TimeSpan.Zero) return at;
        var spread = at - span * SpreadFraction(certificate);
        // Whole seconds: the store keeps milliseconds, and a time read back a fraction early
        // would be checked as "not due yet" at the very time it was scheduled for.
        spread = new DateTimeOffset(spread.UtcTicks - spread.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        return spread < notBefore ? notBefore : spread;
    }

    /// <summary>A number in [0, 1) that depends only on the certificate's name (SHA-256 of it).</summary>
    public static double SpreadFraction(string certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(certificate), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>
    /// notAfter − renewBefore when renewBefore is set; else notBefore + lifetime × (1 − percentage/100);
    /// else two thirds of the lifetime. Never earlier than notBefore.
    /// </summary>
    public static DateTimeOffset RenewalTime(DateTimeOffset notBefore, DateTimeOffset notAfter, TimeSpan? renewBefore, int? renewBeforePercentage)
    {
        var lifetime = notAfter - notBefore;
        DateTimeOffset at;
        if (renewBefore is { } rb)
        {
            at = notAfter - rb;
        }
        else if (renewBeforePercentage is { } pct)
        {
            at = notBefore + lifetime * (1 - pct / 100.0);
        }
        else
        {
            at = notBefore + lifetime * DefaultLifetimeFraction;
        }
        return at < notBefore ? notBefore : at;
    }
}
