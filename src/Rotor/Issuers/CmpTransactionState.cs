using System.Text.Json;

namespace Rotor.Issuers;

/// <summary>
/// A CMP issuer's record of the last or current transaction of one certificate, kept in the
/// certificate's issuer state for <c>rotor describe</c>: request type, state (starting,
/// requesting, waiting, confirming, done, failed, superseded), server, transactionID, the last
/// PKIStatus with its failInfo and statusString, polls so far and the next poll. Holds no secret.
/// </summary>
public sealed record CmpTransactionState
{
    public string Kind { get; init; } = "cmp";
    public string? Issuer { get; init; }
    public string? Request { get; init; }
    public string? State { get; init; }
    public string? Server { get; init; }
    public string? TransactionId { get; init; }
    public string? PkiStatus { get; init; }
    public string? FailInfo { get; init; }
    public string? StatusText { get; init; }
    public string? Error { get; init; }
    public int Polls { get; init; }
    public DateTimeOffset? NextPollAt { get; init; }
    public bool ImplicitlyConfirmed { get; init; }
    public DateTimeOffset At { get; init; }

    public static string Serialize(CmpTransactionState state) => JsonSerializer.Serialize(state, Storage.RotorJsonContext.Default.CmpTransactionState);

    /// <summary>The state in <paramref name="json"/> when it is a CMP issuer's; otherwise null.</summary>
    public static CmpTransactionState? TryRead(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            var state = JsonSerializer.Deserialize(json, Storage.RotorJsonContext.Default.CmpTransactionState);
            return state?.Kind == "cmp" ? state : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One line for people: "kur done on http://…/pkix/ (transaction 3a…): accepted, 2 polls".</summary>
    public string Describe()
    {
        var text = $"{Request} {State}";
        if (Server is not null) text += $" on {Server}";
        if (TransactionId is not null) text += $" (transaction {TransactionId})";
        var details = new List<string>();
        if (PkiStatus is not null) details.Add("PKIStatus " + PkiStatus);
        if (FailInfo is not null) details.Add("failInfo " + FailInfo);
        if (StatusText is not null) details.Add("\"" + StatusText + "\"");
        if (Error is not null && PkiStatus is null) details.Add(Error);
        if (Polls > 0) details.Add($"{Polls} poll(s)");
        if (NextPollAt is { } next) details.Add($"next poll {next:u}");
        if (ImplicitlyConfirmed) details.Add("implicitly confirmed");
        if (details.Count > 0) text += ": " + string.Join(", ", details);
        return text + $" (at {At:u})";
    }
}
