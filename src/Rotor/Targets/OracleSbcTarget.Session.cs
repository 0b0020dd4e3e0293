using Rotor.Core.Abstractions;

namespace Rotor.Targets;

/// <summary>
/// The configuration lock and the asynchronous management actions. Every change happens inside
/// <see cref="WithLockAsync"/>: the lock is asked for (423 while another user holds it is asked
/// again with backoff, a bounded number of times) and always released, on success, failure and
/// cancellation alike, because an SBC left locked refuses every other administrator until the
/// token expires.
/// </summary>
public sealed partial class OracleSbcTarget
{
    /// <summary>First wait after a 423 on the lock; doubled per attempt up to <see cref="MaxLockDelay"/>.</summary>
    internal static TimeSpan LockDelay { get; set; } = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan MaxLockDelay = TimeSpan.FromSeconds(16);

    /// <summary>Wait between two polls of a save, verify or activate that has not finished.</summary>
    internal static TimeSpan PollDelay { get; set; } = TimeSpan.FromSeconds(1);

    private async Task WithLockAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        await LockAsync(cancellationToken);
        try
        {
            await work(cancellationToken);
        }
        finally
        {
            await UnlockAsync();
        }
    }

    private async Task LockAsync(CancellationToken cancellationToken)
    {
        var path = $"{Rest}/configuration/lock";
        for (var attempt = 1; ; attempt++)
        {
            var answer = await SendAsync(HttpMethod.Post, path, Empty, cancellationToken);
            if (answer.Ok) return;
            if (answer.Status != 423) throw AnswerFailure(HttpMethod.Post, path, answer);
            if (attempt >= spec.LockAttempts)
            {
                var text = Describe(answer.Body, _password, _token);
                throw Failure(RotorReasons.OracleSbcLocked, transient: true,
                    $"POST {path}: Oracle SBC answered 423{(text.Length > 0 ? ": " + text : "")} on each of {attempt} attempts; another user holds the configuration lock; nothing was changed, tried again later");
            }
            var delay = TimeSpan.FromTicks(Math.Min(MaxLockDelay.Ticks, LockDelay.Ticks << Math.Min(attempt - 1, 20)));
            OracleSbcLog.LockRetry(logger, name, attempt, spec.LockAttempts, Describe(answer.Body, _password, _token), (long)delay.TotalMilliseconds);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>
    /// Releases the lock with the token that took it. Runs even when the step was cancelled (its
    /// own timeout, not the step's token) and never throws: the step's own outcome is what to report.
    /// </summary>
    private async Task UnlockAsync()
    {
        using var timeout = new CancellationTokenSource(spec.Timeout);
        try
        {
            var path = $"{Rest}/configuration/unlock";
            var answer = await SendAsync(HttpMethod.Post, path, Empty, timeout.Token);
            if (!answer.Ok) OracleSbcLog.UnlockFailed(logger, name, AnswerFailure(HttpMethod.Post, path, answer).Message);
        }
        catch (Exception e) when (e is RotorException or OperationCanceledException)
        {
            OracleSbcLog.UnlockFailed(logger, name, e.Message);
        }
    }

    /// <summary>
    /// Saves, verifies and activates the edited configuration (the order of Oracle's "Save, Verify,
    /// and Activate the Configuration"), each waited for to the end; under the lock.
    /// </summary>
    private async Task SaveVerifyActivateAsync(CancellationToken cancellationToken)
    {
        await ManageAsync(HttpMethod.Put, "save", cancellationToken);
        await ManageAsync(HttpMethod.Put, "verify", cancellationToken);
        await ManageAsync(HttpMethod.Post, "activate", cancellationToken);
    }

    /// <summary>
    /// One management action: 202 with a link to poll, or 200 with the final state; polled until
    /// its <c>operationState/status</c> says success (done) or fail (the action failed, its
    /// <c>errorMessage</c> quoted), at most <c>timeout</c> long; <c>inProgress</c>, or any other value,
    /// is polled again. Oracle documents the three values and the optional <c>errorMessage</c>
    /// ("Get the status of last asynchronous request",
    /// docs.oracle.com/en/industries/communications/session-border-controller/8.3.0/rest/op-rest-version-admin-asyncstatus-get.html)
    /// and the 202 with <c>links</c> ("Save, verify or restore a configuration", 9.3.0
    /// op-rest-version-configuration-management-put.html). Only links to the SBC's own URL are
    /// followed: they get the token.
    /// </summary>
    private async Task ManageAsync(HttpMethod method, string action, CancellationToken cancellationToken)
    {
        var path = $"{Rest}/configuration/management?action={action}";
        var answer = await CallAsync(method, path, method == HttpMethod.Put || method == HttpMethod.Post ? Empty : () => null, cancellationToken);
        var deadline = time.GetUtcNow() + spec.Timeout;
        var poll = answer.Status == 202 ? PollPath(answer, action) : null;
        while (true)
        {
            var status = OracleXml.Values(answer.Body, "status").LastOrDefault()?.Trim();
            if (string.Equals(status, "success", StringComparison.OrdinalIgnoreCase)) return;
            if (status is not null && (status.StartsWith("fail", StringComparison.OrdinalIgnoreCase) || status.Equals("error", StringComparison.OrdinalIgnoreCase)))
            {
                var said = string.Join("; ", OracleXml.Values(answer.Body, "errorMessage").Select(m => m.Trim()).Where(m => m.Length > 0));
                var text = said.Length > 0 ? Describe(System.Text.Encoding.UTF8.GetBytes(said), _password, _token) : Describe(answer.Body, _password, _token);
                throw Failure(RotorReasons.OracleSbcRejected, transient: false, $"{action} of the configuration ended in '{status}'{(text.Length > 0 ? ": " + text : "")}");
            }
            if (poll is null)
            {
                if (answer.Status != 202) return; // 200 with no state to wait for: done
                throw Failure(RotorReasons.OracleSbcRejected, transient: true, $"{method} {PathOnly(path)}?action={action}: Oracle SBC answered 202 without a link to poll");
            }
            if (time.GetUtcNow() >= deadline)
            {
                throw Failure(RotorReasons.OracleSbcUnavailable, transient: true, $"{action} of the configuration did not finish within {spec.Timeout.TotalSeconds:0} s");
            }
            await Task.Delay(PollDelay, time, cancellationToken);
            answer = await CallAsync(HttpMethod.Get, poll, () => null, cancellationToken);
        }
    }

    /// <summary>The path and query of the answer's <c>links/link</c>, if it points at the SBC itself.</summary>
    private string PollPath(Answer answer, string action)
    {
        var link = OracleXml.Values(answer.Body, "link").Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0)
            ?? throw Failure(RotorReasons.OracleSbcRejected, transient: true, $"{action}: Oracle SBC answered 202 without a link to poll");
        var baseUri = new Uri(spec.Url + "/");
        if (!Uri.TryCreate(baseUri, link, out var uri) || Uri.Compare(uri, baseUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw Failure(RotorReasons.OracleSbcRejected, transient: false, $"{action}: the link to poll is not on {spec.Url}; Rotor sends its token nowhere else");
        }
        return uri.PathAndQuery;
    }
}
