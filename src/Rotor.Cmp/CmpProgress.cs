namespace Rotor.Cmp;

/// <summary>Where a transaction is: sent and waiting for the answer, waiting to poll again, or confirming.</summary>
public enum CmpStage
{
    Requesting,
    Waiting,
    Confirming,
}

/// <summary>
/// A step of one transaction, reported to <see cref="CmpCertificateRequest.Progress"/> so a
/// caller can show it (Rotor's <c>describe</c>) while the transaction runs.
/// </summary>
public sealed record CmpProgress(
    CmpStage Stage,
    string Request,
    Uri Server,
    string TransactionId,
    int Polls,
    DateTimeOffset? NextPollAt);
