using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Rotor.Core.Abstractions;

namespace Rotor.Api.Auth;

/// <summary>
/// API tokens: made here, shown once, stored as their SHA-256 only. A token is 32 random bytes in
/// base64url after the prefix <see cref="Prefix"/>, so secret scanners can recognise a leaked one.
/// Tokens are high-entropy, so a plain hash is enough (no slow KDF): nobody can guess one from it.
/// Every creation and revocation is an event (kind <see cref="EventKind"/>) when <see cref="Audit"/> is set.
/// </summary>
public sealed class ApiTokens(IApiTokenStore store, TimeProvider time)
{
    public const string Prefix = "rotor_";
    public const string EventKind = "ApiToken";

    /// <summary>Longest name a token may have (it appears in events and logs).</summary>
    public const int MaxNameLength = 64;

    /// <summary>The last-used time is written at most this often per token, so reads stay reads.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);

    /// <summary>Where creations and revocations are recorded; null records nothing (unit tests of the store alone).</summary>
    public IStore? Audit { get; init; }

    /// <summary>Null when <paramref name="name"/> may name a token, else why not (naming the rule).</summary>
    public static string? CheckName(string name)
    {
        if (name.Length is 0 or > MaxNameLength) return $"name: must be 1 to {MaxNameLength} characters";
        foreach (var ch in name)
        {
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.')) return "name: only letters, digits, '-', '_' and '.' are allowed";
        }
        return null;
    }

    /// <summary>Parses viewer|operator|admin (any case); null otherwise.</summary>
    public static ApiRole? ParseRole(string? text) => text?.ToLowerInvariant() switch
    {
        "viewer" => ApiRole.Viewer,
        "operator" => ApiRole.Operator,
        "admin" => ApiRole.Admin,
        _ => null,
    };

    /// <summary>Makes a token and returns its text: the only time it exists outside the caller's memory.</summary>
    public Task<string> CreateAsync(string name, ApiRole role, CancellationToken cancellationToken) =>
        CreateAsync(name, role, "the command line", cancellationToken);

    /// <summary>As <see cref="CreateAsync(string, ApiRole, CancellationToken)"/>, recording <paramref name="actor"/> as its author.</summary>
    public async Task<string> CreateAsync(string name, ApiRole role, string actor, CancellationToken cancellationToken)
    {
        if (CheckName(name) is { } bad) throw new RotorException(bad, isTransient: false) { Reason = RotorReasons.InvalidInput };
        if (!Enum.IsDefined(role)) throw new RotorException("role: must be viewer, operator or admin", isTransient: false) { Reason = RotorReasons.InvalidInput };
        var token = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        if (!await store.AddApiTokenAsync(new ApiTokenRecord(name, role.ToString(), Hash(token), now, null, null), cancellationToken))
        {
            throw new RotorException($"name: a token named '{name}' exists (revoke it first to replace it)", isTransient: false) { Reason = RotorReasons.Conflict };
        }
        await RecordAsync(name, RotorReasons.TokenCreated, $"token created with role {role.ToString().ToLowerInvariant()} by {actor}", cancellationToken);
        return token;
    }

    /// <summary>
    /// The principal of a presented token, or null when it is unknown, revoked or malformed. The
    /// token is hashed first and the stored hash compared in constant time, so response times say
    /// nothing about how much of a guess was right.
    /// </summary>
    public async Task<ApiPrincipal?> AuthenticateAsync(string presentedToken, CancellationToken cancellationToken)
    {
        if (!presentedToken.StartsWith(Prefix, StringComparison.Ordinal) || presentedToken.Length > 128) return null;
        var hash = Hash(presentedToken);
        var record = await store.FindApiTokenAsync(hash, cancellationToken);
        if (record is null || record.RevokedAt is not null) return null;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hash), Encoding.ASCII.GetBytes(record.Sha256))) return null;
        if (!Enum.TryParse<ApiRole>(record.Role, out var role) || !Enum.IsDefined(role)) return null;
        var now = time.GetUtcNow();
        if (!_touched.TryGetValue(record.Name, out var last) || now - last >= TouchInterval)
        {
            _touched[record.Name] = now;
            await store.TouchApiTokenAsync(record.Name, now, cancellationToken);
        }
        return new ApiPrincipal(record.Name, role);
    }

    /// <summary>Every token (names, roles, times; never the token or its hash).</summary>
    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListApiTokensAsync(cancellationToken)).Select(t => new ApiTokenInfo(
            t.Name, Enum.TryParse<ApiRole>(t.Role, out var r) ? r.ToString().ToLowerInvariant() : t.Role, t.CreatedAt, t.LastUsedAt, t.RevokedAt))];

    /// <summary>Revokes a token at once; false when there is none of that name that is not revoked.</summary>
    public Task<bool> RevokeAsync(string name, CancellationToken cancellationToken) => RevokeAsync(name, "the command line", cancellationToken);

    /// <summary>As <see cref="RevokeAsync(string, CancellationToken)"/>, recording <paramref name="actor"/> as its author.</summary>
    public async Task<bool> RevokeAsync(string name, string actor, CancellationToken cancellationToken)
    {
        if (!await store.RevokeApiTokenAsync(name, time.GetUtcNow(), cancellationToken)) return false;
        _touched.TryRemove(name, out _);
        await RecordAsync(name, RotorReasons.TokenRevoked, $"token revoked by {actor}", cancellationToken);
        return true;
    }

    /// <summary>SHA-256 of the token text, lower-case hex.</summary>
    /// <summary>Whether the token with this SHA-256 (hex, as <see cref="Hash"/> gives) is known and not revoked.</summary>
    public async Task<bool> IsValidAsync(string sha256, CancellationToken cancellationToken) =>
        await store.FindApiTokenAsync(sha256, cancellationToken) is { RevokedAt: null };

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private async Task RecordAsync(string name, string reason, string message, CancellationToken cancellationToken)
    {
        if (Audit is null) return;
        await Audit.AppendEventAsync(new EventRecord(0, time.GetUtcNow(), EventKind, name, EventType.Normal, reason, message), cancellationToken);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A token as listed: never the token text or its hash.</summary>
public sealed record ApiTokenInfo(string Name, string Role, DateTimeOffset Created, DateTimeOffset? LastUsed, DateTimeOffset? Revoked);
