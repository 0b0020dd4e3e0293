using Microsoft.AspNetCore.Http;

namespace Rotor.AcmeServer;

/// <summary>
/// A request the ACME server refuses, as the RFC 7807 problem document it answers with
/// (<c>application/problem+json</c>, RFC 8555 6.7). Thrown by the handlers, written by one place.
/// The detail is for the client's user: it names the rule that refused, never a secret.
/// </summary>
internal sealed class AcmeProblemException(string type, string detail, int status) : Exception(detail)
{
    public const string Namespace = "urn:ietf:params:acme:error:";

    public string Type { get; } = Namespace + type;
    public string Detail { get; } = detail;
    public int Status { get; } = status;

    /// <summary>A Location header to send with it (the existing account of a key-change conflict).</summary>
    public string? Location { get; init; }

    public static AcmeProblemException Malformed(string detail) => new("malformed", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException BadNonce(string detail) => new("badNonce", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException BadSignatureAlgorithm(string detail) => new("badSignatureAlgorithm", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException Unauthorized(string detail) => new("unauthorized", detail, StatusCodes.Status403Forbidden);
    public static AcmeProblemException AccountDoesNotExist(string detail) => new("accountDoesNotExist", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException ExternalAccountRequired(string detail) => new("externalAccountRequired", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException RejectedIdentifier(string detail) => new("rejectedIdentifier", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException UnsupportedIdentifier(string detail) => new("unsupportedIdentifier", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException BadCsr(string detail) => new("badCSR", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException OrderNotReady(string detail) => new("orderNotReady", detail, StatusCodes.Status403Forbidden);
    public static AcmeProblemException RateLimited(string detail) => new("rateLimited", detail, StatusCodes.Status429TooManyRequests);
    public static AcmeProblemException AlreadyRevoked(string detail) => new("alreadyRevoked", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException BadRevocationReason(string detail) => new("badRevocationReason", detail, StatusCodes.Status400BadRequest);
    public static AcmeProblemException ServerInternal(string detail) => new("serverInternal", detail, StatusCodes.Status500InternalServerError);
    public static AcmeProblemException NotFound(string what) => new("malformed", $"no such {what}", StatusCodes.Status404NotFound);
    public static AcmeProblemException Conflict(string detail, string location) => new("malformed", detail, StatusCodes.Status409Conflict) { Location = location };
}
