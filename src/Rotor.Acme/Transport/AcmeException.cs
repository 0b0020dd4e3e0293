using System.Net;

namespace Rotor.Acme.Transport;

/// <summary>
/// An ACME failure: an RFC 7807 problem from the server, or a transport failure.
/// <see cref="IsTransient"/> tells a caller whether to retry later; <see cref="RetryAfter"/>
/// says when, where the server said so.
/// </summary>
public sealed class AcmeException : Exception
{
    public const string ProblemPrefix = "urn:ietf:params:acme:error:";

    /// <summary>
    /// The <see cref="ProblemType"/> of a response Rotor could not use: not the JSON, PEM or
    /// header it should be, too large, or with counts, URLs or dates out of bounds. Not an RFC 8555
    /// type (its <c>malformed</c> means the client's request was malformed).
    /// </summary>
    public const string MalformedResponse = "malformedResponse";

    public AcmeException(string message, string? problemType, HttpStatusCode? status, bool isTransient, TimeSpan? retryAfter = null,
        IReadOnlyList<AcmeSubproblem>? subproblems = null, Exception? inner = null)
        : base(message, inner)
    {
        ProblemType = problemType;
        Status = status;
        IsTransient = isTransient;
        RetryAfter = retryAfter;
        Subproblems = subproblems ?? [];
    }

    public AcmeException() : this("ACME request failed", null, null, false) { }
    public AcmeException(string message) : this(message, null, null, false) { }
    public AcmeException(string message, Exception inner) : this(message, null, null, false, inner: inner) { }

    /// <summary>
    /// A server response that cannot be used. Transient: it is usually a proxy's error page, a
    /// body cut short or a passing server fault, and the next attempt may get a good answer; the
    /// reconciler's backoff bounds what retrying costs. <paramref name="what"/> names what was
    /// wrong; it is built from the response only, never from keys or EAB secrets.
    /// </summary>
    public static AcmeException Malformed(string what, Exception? inner = null) =>
        new("malformed ACME response: " + what, MalformedResponse, null, isTransient: true, inner: inner);

    /// <summary>The problem type without its URN prefix (<c>badNonce</c>, <c>rateLimited</c>, ...), or null.</summary>
    public string? ProblemType { get; }
    public HttpStatusCode? Status { get; }
    public bool IsTransient { get; }
    public TimeSpan? RetryAfter { get; }
    public IReadOnlyList<AcmeSubproblem> Subproblems { get; }

    /// <summary>
    /// Which problem types are worth retrying (RFC 8555 6.7): the server's own trouble, rate
    /// limits, a nonce or connection problem, DNS or connection failures while validating.
    /// Authorization and identifier refusals are final until the configuration changes.
    /// </summary>
    public static bool IsTransientProblem(string? type, HttpStatusCode? status) => type switch
    {
        "badNonce" or "rateLimited" or "serverInternal" or "connection" or "dns" or "incorrectResponse" or "tls" => true,
        _ => status is { } s && ((int)s >= 500 || s == HttpStatusCode.TooManyRequests),
    };
}

/// <summary>One identifier's own problem inside a compound problem (RFC 8555 6.7.1).</summary>
public sealed record AcmeSubproblem(string? Type, string? Detail, string? Identifier);
