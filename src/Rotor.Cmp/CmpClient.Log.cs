using Microsoft.Extensions.Logging;

namespace Rotor.Cmp;

// Event ids 2000-2099: CMP. Only protocol facts are logged, never secrets or key material.
public sealed partial class CmpClient
{
    [LoggerMessage(CmpEventIds.TransactionStarted, LogLevel.Information, "CMP {Request} transaction {TransactionId} started on {Server}")]
    private static partial void LogTransactionStarted(ILogger logger, string request, Uri server, string transactionId);

    [LoggerMessage(CmpEventIds.Sending, LogLevel.Debug, "CMP {Body} sent to {Server} (transaction {TransactionId})")]
    private static partial void LogSending(ILogger logger, string body, Uri server, string transactionId);

    [LoggerMessage(CmpEventIds.Received, LogLevel.Debug, "CMP {Body} received from {Server} (transaction {TransactionId})")]
    private static partial void LogReceived(ILogger logger, string body, Uri server, string transactionId);

    [LoggerMessage(CmpEventIds.Polling, LogLevel.Information, "CMP transaction {TransactionId} waiting on {Server}; pollReq {Poll} answered with checkAfter {CheckAfter}")]
    private static partial void LogPolling(ILogger logger, string transactionId, Uri server, TimeSpan checkAfter, int poll);

    [LoggerMessage(CmpEventIds.ServerFailed, LogLevel.Warning, "CMP server {Server} failed ({Reason}); new transactions go to {Next}")]
    private static partial void LogServerFailed(ILogger logger, Uri server, Uri next, string reason);

    [LoggerMessage(CmpEventIds.Refused, LogLevel.Warning, "CMP response from {Server} refused: {Check}")]
    private static partial void LogRefused(ILogger logger, Uri server, string check);

    [LoggerMessage(CmpEventIds.CertificateRejected, LogLevel.Warning, "CMP certificate from {Server} rejected (transaction {TransactionId}): {Reason}")]
    private static partial void LogCertificateRejected(ILogger logger, Uri server, string transactionId, string reason);

    [LoggerMessage(CmpEventIds.ImplicitConfirm, LogLevel.Debug, "CMP transaction {TransactionId}: implicitConfirm granted, no certConf")]
    private static partial void LogImplicitConfirm(ILogger logger, string transactionId);

    [LoggerMessage(CmpEventIds.Enrolled, LogLevel.Information, "CMP transaction {TransactionId} on {Server} done: {Status}, certificate {Thumbprint}")]
    private static partial void LogEnrolled(ILogger logger, Uri server, string transactionId, string status, string thumbprint);

    [LoggerMessage(CmpEventIds.TransactionFailed, LogLevel.Warning, "CMP transaction {TransactionId} on {Server} failed ({Reason}): {Message}")]
    private static partial void LogTransactionFailed(ILogger logger, Uri server, string transactionId, string reason, string message);

    [LoggerMessage(CmpEventIds.AbandonFailed, LogLevel.Debug, "CMP error message to end transaction {TransactionId} on {Server} failed: {Message}")]
    private static partial void LogAbandonFailed(ILogger logger, Uri server, string transactionId, string message);

    [LoggerMessage(CmpEventIds.Abandoned, LogLevel.Information, "CMP transaction {TransactionId} on {Server} cancelled by the client and closed with an error message")]
    private static partial void LogAbandoned(ILogger logger, Uri server, string transactionId);
}
