using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Rotor.Cmp.Messages;

namespace Rotor.Cmp;

public sealed partial class CmpClient
{
    private async Task<CmpEnrollmentResult> EnrollAsync(Enrollment enrollment, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var tx = new CmpTransaction(_servers.Current, enrollment.Protection, enrollment.Sender, enrollment.Recipient);
            try
            {
                return await RunAsync(tx, enrollment, cancellationToken);
            }
            catch (CmpException e) when (e.IsServerFailure)
            {
                // The server failed us: new transactions go to the next one. This transaction
                // stays where it started; only when its very first message never reached the
                // server is a fresh transaction on the next server the same as a retry. A
                // timeout or a 5xx may have left the request at the server, so it ends here.
                var next = _servers.ReportFailure(tx.Server, e.Reason);
                LogServerFailed(_logger, tx.Server, next, e.Reason);
                if (e.Reason == CmpReasons.Connect && tx.Sent == 1 && attempt < _servers.Count) continue;
                e.Attach(tx.Server, tx.TransactionIdHex);
                throw;
            }
            catch (CmpException e)
            {
                LogTransactionFailed(_logger, tx.Server, tx.TransactionIdHex, e.Reason, e.Message);
                e.Attach(tx.Server, tx.TransactionIdHex);
                throw;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && tx.Sent > 0)
            {
                // The caller gave the transaction up (a newer request supersedes it, or the
                // process stops): close it at the server rather than leave it open there.
                await AbandonCancelledAsync(tx);
                throw;
            }
        }
    }

    /// <summary>
    /// Ends a transaction its caller cancelled with an error message, on a short timeout of
    /// its own (the caller's token has fired). Best effort.
    /// </summary>
    private async Task AbandonCancelledAsync(CmpTransaction tx)
    {
        var limit = _options.MessageTimeout < AbandonTimeout ? _options.MessageTimeout : AbandonTimeout;
        using var own = new CancellationTokenSource(limit, _time);
        var scope = new Scope(own.Token, own, own.Token, _time.GetUtcNow() + limit);
        try
        {
            var body = CmpRequestBodies.Error(CmpStatusInfo.Encode(CmpStatus.Rejection, "transaction cancelled by the client"));
            await ExchangeAsync(tx, body, false, [PkiBody.TYPE_CONFIRM], scope);
            LogAbandoned(_logger, tx.Server, tx.TransactionIdHex);
        }
        catch (Exception e) when (e is CmpException or OperationCanceledException)
        {
            LogAbandonFailed(_logger, tx.Server, tx.TransactionIdHex, e.Message);
        }
    }

    private async Task<CmpEnrollmentResult> RunAsync(CmpTransaction tx, Enrollment enrollment, CancellationToken cancellationToken)
    {
        using var total = new CancellationTokenSource(_options.TotalTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, total.Token);
        var deadline = _time.GetUtcNow() + _options.TotalTimeout;
        var scope = new Scope(linked.Token, total, cancellationToken, deadline);
        LogTransactionStarted(_logger, CmpRequestBodies.Name(enrollment.RequestType), tx.Server, tx.TransactionIdHex);
        enrollment.Report(CmpStage.Requesting, tx, 0, null);

        var response = await ExchangeAsync(tx, enrollment.BuildBody(), _options.RequestImplicitConfirm, [enrollment.ResponseType], scope);
        var polls = 0;
        while (true)
        {
            var name = CmpRequestBodies.Name(response.Body.Type);
            var (content, certResponse) = CmpDecode.Run(name, () =>
            {
                var rep = CertRepMessage.GetInstance(response.Body.Content);
                return (rep, rep.GetResponse() is [var first, ..] ? first : null);
            });
            if (certResponse is null) throw CmpException.Refused($"{name} carries no CertResponse", CmpReasons.Malformed);
            var status = CmpStatusInfo.Decode(certResponse.Status);
            switch (status.Status)
            {
                case CmpStatus.Waiting:
                    (response, polls) = await PollAsync(tx, enrollment, certResponse.CertReqID, polls, scope);
                    continue;
                case CmpStatus.Rejection:
                    throw CmpException.FromStatus($"CMP server rejected the {CmpRequestBodies.Name(enrollment.RequestType)}", CmpReasons.Rejected, status);
                case CmpStatus.RevocationWarning or CmpStatus.RevocationNotification:
                    throw CmpException.Refused($"PKIStatus {CmpStatusText.Describe(status.Status)} does not belong in a certificate response", CmpReasons.Malformed);
                default:
                    return await CompleteAsync(tx, enrollment, response, content, certResponse, status, polls, scope);
            }
        }
    }

    /// <summary>
    /// pollReq/pollRep (RFC 4210 section 5.3.22, RFC 9483 section 4.4): ask again after each
    /// checkAfter until the final response comes, within <see cref="CmpClientOptions.MaxPolls"/>
    /// and the total timeout. Waits go through the TimeProvider.
    /// </summary>
    private async Task<(PkiMessage Response, int Polls)> PollAsync(CmpTransaction tx, Enrollment enrollment,
        DerInteger certReqId, int polls, Scope scope)
    {
        while (true)
        {
            if (polls >= _options.MaxPolls)
            {
                await AbandonAsync(tx, $"polling given up after {polls} pollReq", scope);
                throw new CmpException($"CMP polling gave up: the certificate was still not ready after {polls} pollReq (limit {_options.MaxPolls})",
                    CmpReasons.PollingExhausted, isTransient: true);
            }
            polls++;
            var response = await ExchangeAsync(tx, CmpRequestBodies.PollRequest(certReqId), false, [PkiBody.TYPE_POLL_REP, enrollment.ResponseType], scope);
            if (response.Body.Type == enrollment.ResponseType) return (response, polls);

            // PollRepContent ::= SEQUENCE OF SEQUENCE { certReqId INTEGER, checkAfter INTEGER, reason PKIFreeText OPTIONAL }
            var seconds = CmpDecode.Run("pollRep", () =>
            {
                var rep = PollRepContent.GetInstance(response.Body.Content);
                return rep.Count == 0 ? (long?)null : CheckAfterSeconds(rep.GetCheckAfter(0));
            }) ?? throw CmpException.Refused("pollRep is empty", CmpReasons.Malformed);
            var checkAfter = TimeSpan.FromSeconds(seconds);
            if (polls >= _options.MaxPolls) continue;
            // Compared with the time left, not added to now: that sum cannot overflow.
            if (checkAfter > scope.Deadline - _time.GetUtcNow())
            {
                await AbandonAsync(tx, "polling would exceed the total timeout", scope);
                throw new CmpException($"CMP polling gave up: checkAfter {checkAfter.TotalSeconds:0} s would pass the total timeout of {_options.TotalTimeout}",
                    CmpReasons.TotalTimeout, isTransient: true);
            }
            LogPolling(_logger, tx.TransactionIdHex, tx.Server, checkAfter, polls);
            enrollment.Report(CmpStage.Waiting, tx, polls, _time.GetUtcNow() + checkAfter);
            try
            {
                await Task.Delay(checkAfter, _time, scope.Token);
            }
            catch (OperationCanceledException) when (!scope.Caller.IsCancellationRequested)
            {
                throw new CmpException("CMP transaction passed its total timeout while polling", CmpReasons.TotalTimeout, isTransient: true);
            }
        }
    }

    /// <summary>
    /// checkAfter in seconds: a negative one is now, and one beyond an int (68 years) is as
    /// good as for ever, which the total timeout refuses anyway.
    /// </summary>
    private static long CheckAfterSeconds(DerInteger checkAfter) =>
        checkAfter.Value.SignValue < 0 ? 0 : checkAfter.Value.BitLength > 31 ? int.MaxValue : checkAfter.Value.LongValue;

    /// <summary>
    /// Sends one request and returns the verified response, which must be one of
    /// <paramref name="expected"/>; an error message becomes a <see cref="CmpException"/>.
    /// </summary>
    private async Task<PkiMessage> ExchangeAsync(CmpTransaction tx, PkiBody body, bool requestImplicitConfirm, int[] expected, Scope scope)
    {
        var request = CmpMessageEncoder.Encode(tx, body, _time.GetUtcNow(), requestImplicitConfirm);
        LogSending(_logger, CmpRequestBodies.Name(body.Type), tx.Server, tx.TransactionIdHex);
        byte[] der;
        using (var perMessage = new CancellationTokenSource(_options.MessageTimeout, _time))
        using (var token = CancellationTokenSource.CreateLinkedTokenSource(scope.Token, perMessage.Token))
        {
            tx.Sent++;
            try
            {
                der = await _transport.SendAsync(tx.Server, request, token.Token);
            }
            catch (OperationCanceledException) when (!scope.Caller.IsCancellationRequested)
            {
                throw scope.Total.IsCancellationRequested
                    ? new CmpException($"CMP transaction passed its total timeout of {_options.TotalTimeout}", CmpReasons.TotalTimeout, isTransient: true)
                    : new CmpException($"CMP server {tx.Server} did not answer within the message timeout of {_options.MessageTimeout}",
                        CmpReasons.MessageTimeout, isTransient: true);
            }
        }

        PkiMessage response;
        try
        {
            response = _verifier.Verify(der, tx);
        }
        catch (CmpException e)
        {
            LogRefused(_logger, tx.Server, e.Message);
            throw;
        }
        var type = response.Body.Type;
        LogReceived(_logger, CmpRequestBodies.Name(type), tx.Server, tx.TransactionIdHex);
        if (type == PkiBody.TYPE_ERROR)
        {
            var (info, details) = CmpDecode.Run("the error message", () =>
            {
                var error = ErrorMsgContent.GetInstance(response.Body.Content);
                return (error.PkiStatusInfo, CmpText.Lines(error.ErrorDetails));
            });
            var text = details.Count > 0 ? " (" + string.Join("; ", details) + ")" : "";
            throw CmpException.FromStatus("CMP server answered with an error message" + text, CmpReasons.ErrorMessage, CmpStatusInfo.Decode(info));
        }
        if (!expected.Contains(type))
        {
            throw CmpException.Refused(
                $"expected {string.Join(" or ", expected.Select(CmpRequestBodies.Name))}, got {CmpRequestBodies.Name(type)}", CmpReasons.UnexpectedBody);
        }
        return response;
    }

    /// <summary>
    /// Ends a transaction the client gives up on with an error message (RFC 9483 section 3.6.4),
    /// so the server need not keep it. Best effort: a failure here changes nothing.
    /// </summary>
    private async Task AbandonAsync(CmpTransaction tx, string why, Scope scope)
    {
        if (scope.Caller.IsCancellationRequested) return;
        try
        {
            var body = CmpRequestBodies.Error(CmpStatusInfo.Encode(CmpStatus.Rejection, why));
            await ExchangeAsync(tx, body, false, [PkiBody.TYPE_CONFIRM], scope with { Token = scope.Caller });
        }
        catch (CmpException e)
        {
            LogAbandonFailed(_logger, tx.Server, tx.TransactionIdHex, e.Message);
        }
    }

    /// <summary>Cancellation of one transaction: the combined token, the total-timeout source, the caller's own token.</summary>
    private sealed record Scope(CancellationToken Token, CancellationTokenSource Total, CancellationToken Caller, DateTimeOffset Deadline);
}
