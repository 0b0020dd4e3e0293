namespace Rotor.Acme;

/// <summary>Tuning of the client. Defaults poll quickly: waiting is where ACME clients lose their time.</summary>
public sealed record AcmeClientOptions
{
    /// <summary>
    /// Waits between polls when the server gives no Retry-After; the last repeats. The first poll is
    /// made at once. The steps start small because a CA often finishes within milliseconds (a reused
    /// authorization, a certificate signed right after finalize: a CA that signs in the background
    /// answers "processing" to the poll made at once and "valid" a few ms later) and double up to
    /// 2 s: a slow validation costs twelve polls in its first 4.0 s, then one every 2 s.
    /// </summary>
    public IReadOnlyList<TimeSpan> PollSteps { get; init; } =
    [
        TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(4), TimeSpan.FromMilliseconds(8), TimeSpan.FromMilliseconds(16),
        TimeSpan.FromMilliseconds(32), TimeSpan.FromMilliseconds(64), TimeSpan.FromMilliseconds(128), TimeSpan.FromMilliseconds(256),
        TimeSpan.FromMilliseconds(512), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
    ];

    /// <summary>The longest a server's Retry-After is followed while polling; longer ones are capped.</summary>
    public TimeSpan MaximumPollWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long polls may go unanswered in a row (connection refused or reset, timed out) before the
    /// client gives up on the order with the last transport error, instead of waiting for
    /// <see cref="OrderTimeout"/>: a server that went away is reported within this time.
    /// </summary>
    public TimeSpan MaximumUnansweredPolling { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an order may take from new to valid before the client gives up.</summary>
    public TimeSpan OrderTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many badNonce rejections of one request in a row are retried.</summary>
    public int MaxBadNonceRetries { get; init; } = 10;

    /// <summary>
    /// How many times a request whose connection dropped (refused, reset, closed before the
    /// answer) is made again, after 50 ms and then 250 ms, before the error reaches the caller.
    /// </summary>
    public int TransportRetries { get; init; } = 2;
}
