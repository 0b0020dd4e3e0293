namespace Rotor.Core.Renewal;

/// <summary>When a certificate version should be replaced.</summary>
public static class RenewalSchedule
{
    /// <summary>Default point of renewal: two thirds into the lifetime.</summary>
    public const double DefaultLifetimeFraction = 2.0 / 3.0;

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
