namespace Rotor.Acme.Challenges.Dns01;

/// <summary>
/// Writes and removes the TXT records of DNS-01 challenges at a DNS host. Names are fully
/// qualified with the trailing dot (<c>_acme-challenge.www.example.com.</c>, zone
/// <c>example.com.</c>); the record name is where the TXT goes after any CNAME delegation.
/// Implementations must be thread-safe, must add (never replace: a name and its wildcard need
/// two values under one name at once), and removal must delete exactly the given value and
/// succeed when it is already gone.
/// </summary>
public interface IDns01Provider
{
    Task AddTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken);

    Task RemoveTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken);
}

/// <summary>
/// A provider that can be handed the challenge itself instead of the TXT value (lego's
/// <c>EXEC_MODE=RAW</c> / <c>HTTPREQ_MODE=RAW</c>): the script computes and places the record.
/// <see cref="Dns01Solver"/> calls these instead of <see cref="IDns01Provider"/> when
/// <see cref="IsRaw"/> is true, and still checks propagation itself.
/// </summary>
public interface IDns01RawProvider : IDns01Provider
{
    bool IsRaw { get; }

    /// <param name="domain">The identifier without a wildcard label, no trailing dot.</param>
    Task PresentRawAsync(string domain, string token, string keyAuthorization, CancellationToken cancellationToken);

    Task CleanupRawAsync(string domain, string token, string keyAuthorization, CancellationToken cancellationToken);
}

/// <summary>lego's two conventions for exec scripts and HTTP hooks.</summary>
public enum Dns01HookMode
{
    /// <summary><c>present FQDN VALUE</c> / JSON <c>{"fqdn", "value"}</c>.</summary>
    Default,

    /// <summary><c>present DOMAIN TOKEN KEYAUTH</c> / JSON <c>{"domain", "token", "keyAuth"}</c>.</summary>
    Raw,
}
