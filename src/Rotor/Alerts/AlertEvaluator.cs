using Rotor.Core.Abstractions;
using Rotor.Core.Alerts;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Alerts;

/// <summary>
/// One evaluation of the alert rules over what the store holds: the conditions that hold now,
/// compared with the firing alerts (<see cref="AlertBook"/>), stored with one outbox message per
/// routed notifier in one transaction. Reads only; safe to run from several processes at once
/// (the commit checks what it read and the loser evaluates again).
/// </summary>
public sealed partial class AlertEvaluator(IStore store, IAlertStore alerts, TimeProvider time)
{
    public sealed record Result(int Firing, int Notifications);

    public async Task<Result> EvaluateAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (policy, routes) = await PolicyAsync(cancellationToken);
            var notifiers = (await store.ListResourcesAsync(ResourceKinds.Notifier, cancellationToken)).Select(r => r.Name).ToList();
            var now = time.GetUtcNow();
            var conditions = await ConditionsAsync(policy, now, cancellationToken);
            var firing = await alerts.ListFiringAlertsAsync(cancellationToken);
            var unjudged = await ScanConditionsAsync(conditions, policy, now, cancellationToken);
            var outcome = AlertBook.Evaluate(firing, conditions, policy, now, key => !unjudged.Contains(ScanSubjectOf(key)));
            var messages = outcome.Notifications
                .SelectMany(n => RoutedTo(n.Alert, routes, notifiers).Select(name => OutboxMessage.For(name, n, policy.RepeatFor(n.Alert.Severity))))
                .ToList();
            if (await alerts.CommitAlertsAsync(outcome.Changes, messages, cancellationToken))
            {
                return new Result(conditions.Count, messages.Count);
            }
            if (attempt >= 3) return new Result(conditions.Count, 0); // another evaluator keeps changing them; it tells
        }
    }

    /// <summary>The Alerting resource's policy and routes, else the defaults (every notifier gets every alert).</summary>
    public async Task<(AlertPolicy Policy, IReadOnlyList<AlertRoute> Routes)> PolicyAsync(CancellationToken cancellationToken)
    {
        var stored = (await store.ListResourcesAsync(ResourceKinds.Alerting, cancellationToken)).OrderBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault();
        if (stored is null) return (new AlertPolicy(), []);
        var spec = SpecSerializer.SpecOf<AlertingSpec>(stored);
        return (spec.Policy, spec.Routes);
    }

    public static IEnumerable<string> RoutedTo(AlertState alert, IReadOnlyList<AlertRoute> routes, IReadOnlyList<string> notifiers) =>
        routes.Count == 0
            ? notifiers
            : routes.Where(r => r.Matches(alert)).SelectMany(r => r.Notifiers).Where(notifiers.Contains).Distinct(StringComparer.Ordinal);

    private async Task<List<AlertCondition>> ConditionsAsync(AlertPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var conditions = new List<AlertCondition>();
        IReadOnlyDictionary<string, StoredResource> certificates = (await store.ListResourcesAsync(ResourceKinds.Certificate, cancellationToken)).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var statuses = await store.ListStatusesAsync(cancellationToken);
        foreach (var status in statuses)
        {
            if (!certificates.TryGetValue(status.Name, out var resource)) continue; // deleted: its alerts resolve
            var spec = SpecSerializer.SpecOf<CertificateSpec>(resource);
            var thresholds = spec.Alerts?.ExpiryThresholdDays ?? policy.ThresholdDays;
            if (status.NotAfter is { } notAfter && status.CurrentVersionId is not null &&
                AlertRules.Expiry(status.Name, spec.IssuerRef, notAfter, thresholds, policy, now) is { } expiry)
            {
                conditions.Add(expiry);
            }
            if (AlertRules.Renewal(status.Name, spec.IssuerRef, status.Failures, status.LastFailure, status.NextDueAt, status.NotAfter, policy) is { } renewal)
            {
                conditions.Add(renewal);
            }
        }
        await AddIssuerAndEndpointConditionsAsync(conditions, certificates, statuses, cancellationToken);
        if (store is IAcmeServerStore acmeServers)
        {
            conditions.AddRange(AcmeServerAlertRules.Evaluate(await acmeServers.ListIssuedCertificatesAsync(null, cancellationToken), policy, now));
        }
        return conditions;
    }

    /// <summary>Rolled-back rotations, failing issuers (one alert per issuer) and unreachable endpoints.</summary>
    private async Task AddIssuerAndEndpointConditionsAsync(List<AlertCondition> conditions, IReadOnlyDictionary<string, StoredResource> certificates,
        IReadOnlyList<CertificateStatus> statuses, CancellationToken cancellationToken)
    {
        var byIssuer = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        foreach (var status in statuses)
        {
            if (!certificates.TryGetValue(status.Name, out var resource) || status.Failures == 0 || status.LastFailure is null) continue;
            var issuer = SpecSerializer.SpecOf<CertificateSpec>(resource).IssuerRef;
            if (AlertRules.RolledBack(status.Name, issuer, status.LastFailure) is { } rolledBack) conditions.Add(rolledBack);
            if (AlertRules.ReasonOf(status.LastFailure) is { } reason && IsIssuerFailure(reason))
            {
                if (!byIssuer.TryGetValue(issuer, out var list)) byIssuer[issuer] = list = [];
                list.Add((status.Name, status.LastFailure));
            }
        }
        foreach (var (issuer, failing) in byIssuer)
        {
            if (AlertRules.Issuer(issuer, failing) is { } condition) conditions.Add(condition);
        }
        foreach (var endpoint in await store.ListResourcesAsync(ResourceKinds.Endpoint, cancellationToken))
        {
            if (await store.GetEndpointProbeAsync(endpoint.Name, cancellationToken) is not { } probe) continue;
            var spec = SpecSerializer.SpecOf<EndpointSpec>(endpoint);
            if (AlertRules.Endpoint(endpoint.Name, $"{spec.Host}:{spec.Port}", probe.Failure == ProbeFailure.Connect, probe.Error, probe.At) is { } down)
            {
                conditions.Add(down);
            }
        }
    }

    /// <summary>A failure of the issuer's protocol or reachability, not of Rotor's own checks, a target or the data folder.</summary>
    private static bool IsIssuerFailure(string reason) =>
        (reason.StartsWith("Acme", StringComparison.Ordinal) && reason != RotorReasons.AcmeTrustFile) ||
        (reason.StartsWith("Cmp", StringComparison.Ordinal) && reason is not (RotorReasons.CmpTrustFile or RotorReasons.CmpSigner
            or RotorReasons.CmpTlsClientCertificate or RotorReasons.CmpSuperseded or RotorReasons.CmpRevocationUnsupported));
}
