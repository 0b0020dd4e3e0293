namespace Rotor.Core.Renewal;

/// <summary>
/// How long to wait after the n-th failure in a row. The table is explicit so that an operator
/// can read exactly what Rotor will do; jitter spreads a fleet's retries; the wait is capped so
/// that a retry always comes before the current certificate expires, and more often as it nears.
/// </summary>
public sealed class BackoffTable
{
    /// <summary>Waits after the 1st, 2nd, ... failure; the last entry repeats.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultSteps =
    [
        TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(2),
        TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1),
        TimeSpan.FromHours(2),
        TimeSpan.FromHours(4),
    ];

    /// <summary>Jitter is ±this fraction of the step.</summary>
    public const double JitterFraction = 0.2;

    /// <summary>Never retry sooner than this, even right before expiry.</summary>
    public static readonly TimeSpan MinimumWait = TimeSpan.FromSeconds(10);

    /// <summary>Once the certificate has expired (service down), never wait longer than this.</summary>
    public static readonly TimeSpan ExpiredCap = TimeSpan.FromMinutes(5);

    public BackoffTable(IReadOnlyList<TimeSpan>? steps = null) => Steps = steps ?? DefaultSteps;

    public IReadOnlyList<TimeSpan> Steps { get; }

    /// <summary>The un-jittered step for the given count of failures in a row (1-based).</summary>
    public TimeSpan Step(int failures) => Steps[Math.Clamp(failures - 1, 0, Steps.Count - 1)];

    /// <summary>
    /// The wait before the next attempt. <paramref name="unitRandom"/> is a number in [0, 1)
    /// (tests pass a fixed one). <paramref name="currentNotAfter"/> is the expiry of the
    /// certificate now in service, if any.
    /// </summary>
    public TimeSpan NextDelay(int failures, DateTimeOffset now, DateTimeOffset? currentNotAfter, double unitRandom)
    {
        var step = Step(failures);
        var jitter = 1 + JitterFraction * (2 * unitRandom - 1);
        var delay = step * jitter;
        if (currentNotAfter is { } notAfter)
        {
            var remaining = notAfter - now;
            // Half the remaining time: at least one more try always fits before expiry, and the
            // retries get denser as it approaches.
            var cap = remaining > TimeSpan.Zero ? remaining / 2 : ExpiredCap;
            if (delay > cap) delay = cap;
        }
        return delay < MinimumWait ? MinimumWait : delay;
    }
}
