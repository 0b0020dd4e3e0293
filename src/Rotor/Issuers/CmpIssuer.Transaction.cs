using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.Cmp;
using Rotor.Cmp.Messages;
using Rotor.Cmp.Protection;
using Rotor.Core.Abstractions;
using Rotor.Core.Renewal;
using Rotor.Core.Resources;
using Rotor.Keys;

namespace Rotor.Issuers;

/// <summary>One enrolment (ir or kur) and the state it leaves for <c>rotor describe</c>.</summary>
public sealed partial class CmpIssuer
{
    private async Task<IssuedCertificate> RunAsync(IssueRequest request, Transaction transaction, CancellationToken cancellationToken)
    {
        var name = request.CertificateName;
        if (request.KeyOnDevice)
        {
            // ir/kur prove possession by signing with the new key, which stays on the device.
            throw new RotorException($"certificate '{name}': the CMP issuer proves possession of the key by signing with it, and the key stays on the device (keyOnDevice); use a ca or acme issuer",
                isTransient: false) { Reason = RotorReasons.KeyOnDeviceMisconfigured };
        }
        var spec = request.Spec;
        var subject = SubjectFor(spec);
        var keyUpdate = request.Replaces is { } old && request.ReplacesKey is not null && IsKeyUpdate(spec, old);
        // The roots that authenticate the chain are read before the transaction: the chain is
        // checked before certConf, so that a certificate Rotor cannot use is rejected at the CA.
        var authenticated = await GetTrustAnchorsAsync(cancellationToken);
        CmpChainChoice? chosen = null;
        var cmpRequest = new CmpCertificateRequest
        {
            Subject = subject,
            Key = request.SubjectKey,
            Extensions = TemplateExtensions(spec, subject, request.SubjectKey),
            AcceptCertificate = certificate => RefuseShortValidity(spec, certificate),
            AcceptIssued = issued =>
            {
                chosen = ChooseChain(issued, authenticated);
                return chosen.Problem;
            },
            Progress = p => transaction.Report(p, this, name),
        };
        transaction.State = new CmpTransactionState { Request = keyUpdate ? "kur" : "ir", State = "starting", At = _time.GetUtcNow() };
        await SaveStateAsync(name, transaction.State, cancellationToken);
        await FollowStoredPositionAsync(cancellationToken);
        try
        {
            CmpEnrollmentResult result;
            if (keyUpdate)
            {
                using var signer = CertificateBuilder.WithPrivateKey(request.Replaces!, request.ReplacesKey!);
                result = await _client.KeyUpdateRequestAsync(cmpRequest, new CmpSignatureProtection(signer), transaction.Token);
            }
            else if (_spec.Protection == CmpProtectionMode.Signature)
            {
                using var signer = LoadSigner(_spec.Signer!);
                result = await _client.InitialRequestAsync(cmpRequest, new CmpSignatureProtection(signer), transaction.Token);
            }
            else
            {
                var secret = await SecretResolver.ResolveAsync(_spec.SharedSecret!.SecretRef, _baseDirectory, cancellationToken);
                using var protection = CmpProtection.SharedSecret(_spec.SharedSecret.Reference, Encoding.UTF8.GetBytes(secret));
                result = await _client.InitialRequestAsync(cmpRequest, protection, transaction.Token);
            }
            await transaction.Writes;
            await SaveStateAsync(name, transaction.State with
            {
                State = "done",
                Server = result.Server.ToString(),
                TransactionId = result.TransactionId,
                PkiStatus = CmpStatusText.Describe(result.Status),
                FailInfo = null,
                StatusText = null,
                Polls = result.Polls,
                NextPollAt = null,
                ImplicitlyConfirmed = result.ImplicitlyConfirmed,
                At = _time.GetUtcNow(),
            }, cancellationToken);
            // The hook ran for every certificate the client returns.
            return ToIssued(result, chosen!);
        }
        catch (CmpException e)
        {
            await transaction.Writes;
            await SaveStateAsync(name, transaction.State with
            {
                State = "failed",
                Server = e.Server?.ToString() ?? transaction.State.Server,
                TransactionId = e.TransactionId ?? transaction.State.TransactionId,
                PkiStatus = e.Status is { } status ? CmpStatusText.Describe(status) : null,
                FailInfo = e.FailInfo == CmpFailInfo.None ? null : e.FailInfoText,
                StatusText = e.StatusString,
                Error = e.Reason,
                NextPollAt = null,
                At = _time.GetUtcNow(),
            }, CancellationToken.None);
            var where = e.Server is null ? "" : $" (server {e.Server}, transaction {e.TransactionId})";
            throw new RotorException($"CMP {(keyUpdate ? "kur" : "ir")} failed: {e.Message}{where}", e.IsTransient, e) { Reason = ReasonFor(e) };
        }
        finally
        {
            // A failed server moved the group (this transaction stayed on it): the next
            // transaction, in this process or the next, starts on the next server.
            await SaveMovedPositionAsync();
        }
    }

    /// <summary>
    /// The certConf veto: a certificate that would be due for renewal at once (validity shorter
    /// than renewBefore) is rejected, so the CA does not count it as accepted.
    /// </summary>
    private string? RefuseShortValidity(CertificateSpec spec, X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        var renewAt = RenewalSchedule.RenewalTime(spec, notBefore, notAfter);
        return renewAt <= _time.GetUtcNow()
            ? $"validity too short: valid until {notAfter:u}, which is inside renewBefore ({DurationParser.Format(notAfter - renewAt)}); it would be due for renewal at once"
            : null;
    }

    private static IReadOnlyList<X509Extension> TemplateExtensions(CertificateSpec spec, X500DistinguishedName subject, AsymmetricAlgorithm key)
    {
        var template = CertificateBuilder.NewRequest(subject, key);
        CertificateBuilder.AddLeafExtensions(template, spec, key is RSA);
        return [.. template.CertificateExtensions];
    }

    private static string ReasonFor(CmpException e) => RotorReasons.FromProtocol("Cmp", e.Reason);

    private Task SaveStateAsync(string certificate, CmpTransactionState state, CancellationToken cancellationToken) =>
        _store.SaveIssuerStateAsync(certificate, CmpTransactionState.Serialize(state with { Issuer = _name }), cancellationToken);

    /// <summary>One certificate's running request: its cancellation, its last state, the writes of that state.</summary>
    private sealed class Transaction(CancellationTokenSource cancellation) : IDisposable
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();

        public CancellationToken Token => cancellation.Token;
        public bool Superseded { get; private set; }
        public Task Ended => _ended.Task;
        public CmpTransactionState State { get; set; } = new();

        /// <summary>State writes in the order the steps happened.</summary>
        public Task Writes { get; private set; } = Task.CompletedTask;

        public void Report(CmpProgress progress, CmpIssuer issuer, string certificate)
        {
            lock (_lock)
            {
                State = State with
                {
                    State = progress.Stage switch { CmpStage.Waiting => "waiting", CmpStage.Confirming => "confirming", _ => "requesting" },
                    Request = progress.Request,
                    Server = progress.Server.ToString(),
                    TransactionId = progress.TransactionId,
                    Polls = progress.Polls,
                    NextPollAt = progress.NextPollAt,
                    PkiStatus = progress.Stage == CmpStage.Waiting ? "waiting" : State.PkiStatus,
                    At = issuer._time.GetUtcNow(),
                };
                var state = State;
                Writes = Writes.ContinueWith(_ => issuer.SaveStateAsync(certificate, state, CancellationToken.None), TaskScheduler.Default).Unwrap();
            }
        }

        public void Supersede()
        {
            Superseded = true;
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It ended (and let go of its token) between being found and being cancelled.
            }
        }

        public void End() => _ended.TrySetResult();

        public void Dispose() => cancellation.Dispose();
    }
}
