namespace Rotor.Core.Alerts;

/// <summary>
/// How alerts are raised and repeated: expiry thresholds (days before notAfter, descending), how
/// many failed renewals in a row make an alert, and the repeat interval per severity (as an SBC
/// repeats its expiry trap until someone acts).
/// </summary>
public sealed record AlertPolicy
{
    public static readonly IReadOnlyList<int> DefaultThresholdDays = [30, 14, 7, 3, 1];

    public IReadOnlyList<int> ThresholdDays { get; init; } = DefaultThresholdDays;

    /// <summary>At or under this many days left, an expiry alert is critical; above, a warning.</summary>
    public int CriticalBelowDays { get; init; } = 7;

    public int RenewalFailuresBeforeAlert { get; init; } = 3;

    public TimeSpan RepeatCritical { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan RepeatWarning { get; init; } = TimeSpan.FromHours(4);
    public TimeSpan RepeatInfo { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan RepeatFor(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => RepeatCritical,
        AlertSeverity.Warning => RepeatWarning,
        _ => RepeatInfo,
    };
}
