using System.Net.Http.Headers;

namespace Rotor.Acme.Transport;

internal static class RetryAfterHeader
{
    /// <summary>The wait a Retry-After header asks for (seconds or an HTTP date), never negative.</summary>
    public static TimeSpan? Read(HttpResponseHeaders headers, DateTimeOffset now)
    {
        var value = headers.RetryAfter;
        if (value is null) return null;
        if (value.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (value.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}
