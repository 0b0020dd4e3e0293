using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Rotor.Dashboard;

/// <summary>Who is logged in to the dashboard: the name of the token they pasted (what the audit log records) and what it allows.</summary>
public sealed record DashboardPrincipal(string TokenName, string Role, bool CanAct)
{
    /// <summary>How events name this principal as the author of an action.</summary>
    public string Actor => "token " + TokenName;
}

/// <summary>Checks a pasted token; null when it is not a valid token. Never logs or keeps the token.</summary>
public delegate Task<DashboardPrincipal?> DashboardAuthenticator(string token, CancellationToken cancellationToken);

/// <summary>Whether the token whose SHA-256 (hex) is <paramref name="tokenDigest"/> is still valid (known, not revoked).</summary>
public delegate Task<bool> DashboardTokenCheck(string tokenDigest, CancellationToken cancellationToken);

/// <summary>One login: a random id (the cookie's value), the principal, and the form token of its forms.</summary>
public sealed class DashboardSession
{
    internal DashboardSession(string id, DashboardPrincipal principal, string csrfToken, DateTimeOffset created, string tokenDigest)
    {
        Id = id;
        TokenDigest = tokenDigest;
        Principal = principal;
        CsrfToken = csrfToken;
        Created = created;
        LastSeen = created;
    }

    public string Id { get; }
    public DashboardPrincipal Principal { get; }

    /// <summary>The synchronizer token every POST form of this session carries; a POST without it is refused.</summary>
    public string CsrfToken { get; }

    public DateTimeOffset Created { get; }

    /// <summary>SHA-256 (hex) of the token that logged in, as the token store keeps it: what each request checks is still valid. Never the token.</summary>
    internal string TokenDigest { get; }

    // Written by concurrent requests of one browser; a torn read would only shift an idle deadline.
    public DateTimeOffset LastSeen { get; internal set; }

    public bool HasCsrfToken(string? presented) => DashboardSessions.SameSecret(CsrfToken, presented);
}

/// <summary>
/// The dashboard's logins, kept in this process's memory: the cookie holds only a random session id
/// (never the token), mapped here to the principal. A session ends at logout, after
/// <see cref="IdleTimeout"/> without a request, after <see cref="MaxLifetime"/> in any case, and with
/// the process (log in again after a restart). At most <see cref="MaxSessions"/> are kept; the
/// oldest goes first. Thread-safe.
/// </summary>
public sealed class DashboardSessions(DashboardAuthenticator authenticate, TimeProvider time, DashboardTokenCheck? stillValid = null)
{
    public const string CookieName = "rotor_session";

    /// <summary>A login form's own token (double-submit), so another site cannot log a browser in as someone else.</summary>
    public const string LoginCookieName = "rotor_login";

    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(12);
    public const int MaxSessions = 10_000;

    /// <summary>Longest token accepted from the login form (a Rotor token is far shorter).</summary>
    public const int MaxTokenLength = 512;

    private readonly ConcurrentDictionary<string, DashboardSession> _sessions = new(StringComparer.Ordinal);

    public TimeProvider Time => time;

    /// <summary>A new session when <paramref name="token"/> is valid, else null.</summary>
    public async Task<DashboardSession?> LoginAsync(string token, CancellationToken cancellationToken)
    {
        token = token.Trim();
        if (token.Length is 0 or > MaxTokenLength) return null;
        var principal = await authenticate(token, cancellationToken);
        if (principal is null) return null;
        Prune();
        var session = new DashboardSession(NewSecret(), principal, NewSecret(), time.GetUtcNow(), Api.Auth.ApiTokens.Hash(token));
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>The live session named by a cookie's value (its idle deadline moves on), or null.</summary>
    public DashboardSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || !_sessions.TryGetValue(id, out var session)) return null;
        var now = time.GetUtcNow();
        if (Expired(session, now))
        {
            _sessions.TryRemove(id, out _);
            return null;
        }
        session.LastSeen = now;
        return session;
    }

    /// <summary>
    /// <see cref="Find"/>, and the token that logged in must still be valid: a token revoked (by
    /// <c>rotor token revoke</c> in another process, or the API) ends its sessions at their next request.
    /// </summary>
    public async Task<DashboardSession?> FindAsync(string? id, CancellationToken cancellationToken)
    {
        var session = Find(id);
        if (session is null || stillValid is null || await stillValid(session.TokenDigest, cancellationToken)) return session;
        End(session.Id);
        return null;
    }

    public void End(string id) => _sessions.TryRemove(id, out _);

    public int Count => _sessions.Count;

    private bool Expired(DashboardSession s, DateTimeOffset now) => now - s.LastSeen > IdleTimeout || now - s.Created > MaxLifetime;

    private void Prune()
    {
        if (_sessions.Count < MaxSessions) return;
        var now = time.GetUtcNow();
        foreach (var (id, s) in _sessions)
        {
            if (Expired(s, now)) _sessions.TryRemove(id, out _);
        }
        // Still full of live sessions: the oldest logins make room.
        foreach (var s in _sessions.Values.OrderBy(s => s.Created).Take(Math.Max(0, _sessions.Count - MaxSessions + 1)))
        {
            _sessions.TryRemove(s.Id, out _);
        }
    }

    /// <summary>32 random bytes, base64url: a session id or a form token.</summary>
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Constant-time comparison of a secret with what a request presented.</summary>
    public static bool SameSecret(string expected, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
}
