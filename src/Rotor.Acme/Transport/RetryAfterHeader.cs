using System.Net.Http.Headers;

namespace Rotor.Acme.Transport;

internal static class RetryAfterHeader
{
    /// <summary>
    /// The wait a Retry-After header asks for (seconds or an HTTP date), never negative and at
    /// most <see cref="AcmeLimits.MaxRetryAfter"/>: callers add it to the current time, and a date
    /// in year 9999 or 2^31 seconds must neither overflow that nor stop renewals for decades.
    /// An unparsable value is no value.
    /// </summary>
    public static TimeSpan? Read(HttpResponseHeaders headers, DateTimeOffset now)
    {
        var value = headers.RetryAfter;
        if (value is null) return null;
        if (value.Delta is { } delta) return Clamp(delta);
        if (value.Date is { } date) return date > now ? Clamp(date - now) : TimeSpan.Zero;
        return null;
    }

    private static TimeSpan Clamp(TimeSpan wait) =>
        wait < TimeSpan.Zero ? TimeSpan.Zero : wait > AcmeLimits.MaxRetryAfter ? AcmeLimits.MaxRetryAfter : wait;
}
