namespace Rotor.Core.Abstractions;

/// <summary>
/// An API token as stored: its name, role (the role's name, e.g. <c>Operator</c>), the SHA-256
/// of the token text (hex), never the token itself.
/// </summary>
public sealed record ApiTokenRecord(
    string Name,
    string Role,
    string Sha256,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt);

/// <summary>
/// API tokens of the operator API. Contract: thread-safe and safe across processes sharing the
/// store; a name is unique among tokens that are not revoked (a revoked token's name may be given
/// to a new token, which replaces the revoked row); the token text never reaches the store.
/// </summary>
public interface IApiTokenStore
{
    /// <summary>Stores a new token; false (nothing stored) when a token of that name exists and is not revoked.</summary>
    Task<bool> AddApiTokenAsync(ApiTokenRecord token, CancellationToken cancellationToken);

    /// <summary>The token whose hash is <paramref name="sha256"/> (revoked or not), or null.</summary>
    Task<ApiTokenRecord?> FindApiTokenAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Every token, revoked ones too, by name.</summary>
    Task<IReadOnlyList<ApiTokenRecord>> ListApiTokensAsync(CancellationToken cancellationToken);

    /// <summary>Marks the token revoked; false when there is no such token or it is revoked already.</summary>
    Task<bool> RevokeApiTokenAsync(string name, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records when the token was last used (callers throttle this write).</summary>
    Task TouchApiTokenAsync(string name, DateTimeOffset at, CancellationToken cancellationToken);
}
