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
