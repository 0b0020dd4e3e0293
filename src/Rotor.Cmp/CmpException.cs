using Rotor.Cmp.Messages;

namespace Rotor.Cmp;

/// <summary>
/// Every CMP failure: a transport problem, a response Rotor refused, or a rejection or error
/// from the CMP server. <see cref="IsTransient"/> alone tells a caller whether a later retry can
/// succeed; <see cref="Reason"/> is a short machine code (see <see cref="CmpReasons"/>).
/// Messages never contain a shared secret or key material: they are built only from protocol
/// facts (status, failInfo, statusString, check names).
/// </summary>
public sealed class CmpException : Exception
{
    public CmpException(string message, string reason, bool isTransient, CmpStatusInfo? statusInfo = null, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
        IsTransient = isTransient;
        StatusInfo = statusInfo;
    }

    public CmpException() : this("CMP request failed", CmpReasons.Failed, false) { }
    public CmpException(string message) : this(message, CmpReasons.Failed, false) { }
    public CmpException(string message, Exception inner) : this(message, CmpReasons.Failed, false, null, inner) { }

    /// <summary>Short machine code of the failure, one of <see cref="CmpReasons"/>.</summary>
    public string Reason { get; }

    public bool IsTransient { get; }

    /// <summary>The server's PKIStatusInfo for a rejection or an error message, else null.</summary>
    public CmpStatusInfo? StatusInfo { get; }

    public CmpStatus? Status => StatusInfo?.Status;

    public CmpFailInfo FailInfo => StatusInfo?.FailInfo ?? CmpFailInfo.None;

    /// <summary>failInfo as text, e.g. <c>badPOP, notAuthorized</c>; empty when none.</summary>
    public string FailInfoText => CmpFailInfoText.Describe(FailInfo);

    /// <summary>The server's statusString lines joined, or null.</summary>
    public string? StatusString => StatusInfo is { StatusStrings.Count: > 0 } s ? string.Join("; ", s.StatusStrings) : null;

    /// <summary>The HTTP status of an answer other than 200 (reason <see cref="CmpReasons.HttpStatus"/>), else null.</summary>
    public int? HttpStatusCode { get; init; }

    /// <summary>
    /// The server itself failed: no connection, no answer within the message timeout, a broken
    /// HTTP exchange, or HTTP 5xx. New transactions move to the next server of the group.
    /// </summary>
    public bool IsServerFailure =>
        Reason is CmpReasons.Connect or CmpReasons.Http or CmpReasons.MessageTimeout
        || (Reason == CmpReasons.HttpStatus && HttpStatusCode is >= 500 and <= 599);

    /// <summary>The server the failed transaction used, when one was chosen.</summary>
    public Uri? Server { get; internal set; }

    /// <summary>The transactionID of the failed transaction in hex, when one was started.</summary>
    public string? TransactionId { get; internal set; }

    /// <summary>
    /// A response Rotor does not accept. A failed check (protection, transactionID, nonces,
    /// signer) or an unsupported choice is final until something changes; a malformed response
    /// (<see cref="CmpReasons.Malformed"/>) is transient: it is usually a proxy's page, a body cut
    /// short or a passing server fault, and the reconciler's backoff bounds what retrying costs.
    /// </summary>
    internal static CmpException Refused(string check, string reason, Exception? inner = null) =>
        new("CMP response refused: " + check, reason, isTransient: reason == CmpReasons.Malformed, inner: inner);

    /// <summary>A response that cannot be decoded; <paramref name="what"/> names the part, <paramref name="inner"/> is the decoder's own error.</summary>
    internal static CmpException Malformed(string what, Exception? inner = null) =>
        Refused(inner is null ? what : $"{what} ({CmpText.Quote(inner.Message, 200)})", CmpReasons.Malformed, inner);

    /// <summary>
    /// A rejection or error from the server. Only the server's own trouble (systemUnavail,
    /// systemFailure, transactionIdInUse) is worth retrying; any other refusal stays until the
    /// request or the configuration changes.
    /// </summary>
    internal static CmpException FromStatus(string what, string reason, CmpStatusInfo status)
    {
        const CmpFailInfo serverTrouble = CmpFailInfo.SystemUnavail | CmpFailInfo.SystemFailure | CmpFailInfo.TransactionIdInUse;
        return new CmpException($"{what}: {status.Describe()}", reason, (status.FailInfo & serverTrouble) != 0, status);
    }

    /// <summary>Records which transaction failed; the exception is then rethrown as it is.</summary>
    internal void Attach(Uri server, string transactionId)
    {
        Server ??= server;
        TransactionId ??= transactionId;
    }
}

/// <summary>The machine codes of <see cref="CmpException.Reason"/>.</summary>
public static class CmpReasons
{
    public const string Failed = "failed";
    /// <summary>No connection to the server; the request was never delivered.</summary>
    public const string Connect = "connect";
    public const string Tls = "tls";
    public const string Http = "http";
    public const string HttpStatus = "http-status";
    public const string ContentType = "content-type";
    public const string MessageTimeout = "message-timeout";
    public const string TotalTimeout = "total-timeout";
    public const string PollingExhausted = "polling-exhausted";
    public const string Malformed = "malformed";
    public const string Unprotected = "unprotected";
    public const string Protection = "protection";
    public const string UntrustedSigner = "untrusted-signer";
    public const string TransactionId = "transaction-id";
    public const string RecipNonce = "recip-nonce";
    public const string SenderNonce = "sender-nonce";
    public const string UnexpectedBody = "unexpected-body";
    public const string Rejected = "rejected";
    public const string ErrorMessage = "error-message";
    public const string KeyMismatch = "key-mismatch";
    public const string CertificateRejected = "certificate-rejected";
    public const string Unsupported = "unsupported";
}
