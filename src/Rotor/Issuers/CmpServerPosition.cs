using System.Text.Json;

namespace Rotor.Issuers;

/// <summary>
/// Where a CMP issuer's server group stands, kept in the store so the next process (the next
/// <c>rotor reconcile</c> from cron) starts on the server the last one moved to: the server new
/// transactions use, and the last move (from which server, why, when). Holds no secret.
/// </summary>
public sealed record CmpServerPosition
{
    public string Kind { get; init; } = "cmp";
    public required string Server { get; init; }
    public string? MovedFrom { get; init; }

    /// <summary>The failure that moved the group: connect, message-timeout, http, http-status.</summary>
    public string? Reason { get; init; }
    public DateTimeOffset? MovedAt { get; init; }

    public string Serialize() => JsonSerializer.Serialize(this, Storage.RotorJsonContext.Default.CmpServerPosition);

    /// <summary>The position in <paramref name="json"/> when it is a CMP issuer's; otherwise null.</summary>
    public static CmpServerPosition? TryRead(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            var position = JsonSerializer.Deserialize(json, Storage.RotorJsonContext.Default.CmpServerPosition);
            return position?.Kind == "cmp" ? position : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One line for people: "moved from http://a/pkix/ (message-timeout) at 2026-12-07 18:00:00Z".</summary>
    public string DescribeMove() =>
        MovedFrom is null ? "never moved" : $"moved from {MovedFrom} ({Reason}) at {MovedAt:u}";
}
