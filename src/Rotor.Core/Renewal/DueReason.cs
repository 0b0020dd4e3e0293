using Rotor.Core.Resources;

namespace Rotor.Core.Renewal;

public enum DueReason
{
    /// <summary>Nothing to do until the next due time.</summary>
    NotDue,
    NoVersion,
    SpecChanged,
    RenewalTime,
    ManualRenew,
    Expired,
}

/// <summary>What the certificate in service was issued for, to compare against the spec.</summary>
public sealed record IssuedFacts(
    IReadOnlySet<string> Names,
    string? CommonName,
    KeyAlgorithm KeyAlgorithm,
    int KeySize,
    IReadOnlyList<string> Usages,
    string Issuer,
    TimeSpan Duration,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter);

/// <summary>Decides whether a certificate needs a new version now, and why.</summary>
public static class DueCheck
{
    /// <summary>
    /// Why <paramref name="current"/> must be replaced now, or <see cref="DueReason.NotDue"/>. With
    /// <paramref name="certificate"/> the renewal time is the spread one
    /// (<see cref="RenewalSchedule.SpreadRenewalTime"/>), as the reconciler schedules it.
    /// </summary>
    public static DueReason Evaluate(CertificateSpec spec, IssuedFacts? current, DateTimeOffset now, bool manualRenew, string? certificate = null)
    {
        if (current is null) return DueReason.NoVersion;
        if (manualRenew) return DueReason.ManualRenew;
        if (now >= current.NotAfter) return DueReason.Expired;
        if (!Satisfies(spec, current)) return DueReason.SpecChanged;
        var renewAt = certificate is null
            ? RenewalSchedule.RenewalTime(spec, current.NotBefore, current.NotAfter)
            : RenewalSchedule.SpreadRenewalTime(spec, current.NotBefore, current.NotAfter, certificate);
        return now >= renewAt ? DueReason.RenewalTime : DueReason.NotDue;
    }

    /// <summary>
    /// A spec change needs a new certificate when names, key, usages, issuer or duration
    /// differ; a change of deploy targets or rotation settings does not.
    /// </summary>
    public static bool Satisfies(CertificateSpec spec, IssuedFacts current) =>
        current.Names.SetEquals(spec.RequiredNames())
        && string.Equals(current.CommonName ?? "", spec.CommonName ?? "", StringComparison.OrdinalIgnoreCase)
        && current.KeyAlgorithm == spec.PrivateKey.Algorithm
        && current.KeySize == spec.PrivateKey.Size
        && current.Usages.Order(StringComparer.Ordinal).SequenceEqual(spec.Usages.Order(StringComparer.Ordinal))
        && current.Issuer == spec.IssuerRef
        && current.Duration == spec.Duration;
}
