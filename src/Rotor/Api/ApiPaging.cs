using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Rotor.Core.Abstractions;

namespace Rotor.Api;

/// <summary>
/// Cursor pagination: <c>?limit=</c> (1 to <see cref="MaxLimit"/>, default <see cref="DefaultLimit"/>) and
/// an opaque <c>?cursor=</c> taken from the previous page's <c>next</c> link. A cursor is the last
/// key of the page it ends, so pages stay consistent while rows are added or removed.
/// </summary>
public static class ApiPaging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>The limit and cursor key of a request, or the problem that names the bad parameter.</summary>
    public static (int Limit, string? After, IResult? Problem) Read(HttpContext context)
    {
        var limit = DefaultLimit;
        var limitText = context.Request.Query["limit"].ToString();
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return (0, null, ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "limit", "range", $"limit: must be a whole number from 1 to {MaxLimit}"));
        }
        var cursor = context.Request.Query["cursor"].ToString();
        if (cursor.Length == 0) return (limit, null, null);
        var after = Decode(cursor);
        return after is null
            ? (0, null, ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "cursor", "cursor", "cursor: not a cursor this API gave (take it from the 'next' link)"))
            : (limit, after, null);
    }

    public static IResult BadCursor(HttpContext context) =>
        ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "cursor", "cursor", "cursor: not a cursor this API gave (take it from the 'next' link)");

    /// <summary>The link to the page after one that ended at <paramref name="lastKey"/>, keeping the request's other parameters.</summary>
    public static string? Next(HttpContext context, int limit, int count, string? lastKey)
    {
        if (count < limit || lastKey is null) return null;
        var query = context.Request.Query
            .Where(q => q.Key is not "cursor")
            .Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value.ToString()))
            .Append("cursor=" + Encode(lastKey));
        return context.Request.PathBase + context.Request.Path + "?" + string.Join("&", query);
    }

    public static string Encode(string key) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("v1:" + key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string? Decode(string cursor)
    {
        if (cursor.Length > 1024) return null;
        var b64 = cursor.Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            return text.StartsWith("v1:", StringComparison.Ordinal) ? text[3..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
