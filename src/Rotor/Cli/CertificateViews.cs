using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Cli;

/// <summary>
/// What <c>rotor describe certificate</c> shows, gathered once for every reader: the CLI, the
/// operator API (<c>GET /api/v1/certificates/{name}</c>) and the dashboard.
/// </summary>
internal static class CertificateViews
{
    /// <summary>The certificate's view with its latest <paramref name="eventCount"/> events.</summary>
    public static async Task<CertificateViewJson?> GatherAsync(RotorHost host, string name, int eventCount, CancellationToken ct)
    {
        var stored = await host.Store.GetResourceAsync(ResourceKinds.Certificate, name, ct);
        if (stored is null) return null;
        var status = await host.Store.GetStatusAsync(name, ct);
        var events = await host.Store.ListEventsAsync(ResourceKinds.Certificate, name, eventCount, ct);
        return await GatherAsync(host, stored, status, events, ct);
    }

    public static async Task<CertificateViewJson> GatherAsync(
        RotorHost host, StoredResource stored, CertificateStatus? status, IReadOnlyList<EventRecord> events, CancellationToken ct)
    {
        var spec = SpecSerializer.SpecOf<CertificateSpec>(stored);
        var versions = await host.Store.ListVersionsAsync(stored.Name, ct);
        var numbers = versions.ToDictionary(v => v.Id, v => v.Number);
        var rotations = new List<RotationRecord>();
        foreach (var v in versions.TakeLast(5))
        {
            rotations.AddRange(await host.Store.ListRotationsAsync(v.Id, ct));
        }
        var cmp = Issuers.CmpTransactionState.TryRead(status?.IssuerState);
        return new CertificateViewJson
        {
            Name = stored.Name,
            Generation = stored.Generation,
            Issuer = spec.IssuerRef,
            Names = [.. spec.RequiredNames().Order()],
            Key = spec.PrivateKey.Describe(),
            RotationPolicy = spec.PrivateKey.RotationPolicy,
            Duration = DurationParser.Format(spec.Duration),
            Ready = status?.Ready ?? false,
            NotAfter = status?.NotAfter,
            RenewalAt = status?.RenewalAt,
            NextReconcile = status?.NextDueAt,
            Failures = status?.Failures ?? 0,
            LastFailure = status?.LastFailure,
            RenewRequested = status?.RenewRequested ?? false,
            RenewNow = status?.RenewNow ?? false,
            Cmp = cmp is null ? null : new CmpStateJson(
                cmp.Request, cmp.State, cmp.Server, cmp.TransactionId, cmp.PkiStatus, cmp.FailInfo, cmp.StatusText, cmp.Error,
                cmp.Polls, cmp.NextPollAt, cmp.ImplicitlyConfirmed, cmp.At, status?.NextDueAt),
            Versions = [.. versions.Select(v => new VersionJson(v.Number, v.Id, v.State, v.Serial, v.Sha256Fingerprint, v.NotBefore, v.NotAfter, v.Generation))],
            Rotations = [.. rotations.Select(r => RotationView(r, numbers[r.VersionId]))],
            Events = [.. events.Select(e => new EventJson(e.At, e.Type, e.Reason, e.Message))],
        };
    }

    public static RotationJson RotationView(RotationRecord r, long versionNumber) => new(
        versionNumber,
        r.Target,
        r.State,
        r.Progress.Wave + 1,
        r.Detail,
        r.Progress.Gate.StartedAt is null ? null : new GateJson(
            r.Progress.Gate.Successes, r.Progress.Gate.Probes, r.Progress.Gate.Unreachable, r.Progress.Gate.Passed, r.Progress.Gate.LastError)
        {
            SuccessRate = r.Progress.Gate.Probes == 0 ? null : Math.Round(r.Progress.Gate.SuccessRate, 2),
            HandshakeP50Ms = r.Progress.Gate.HandshakePercentile(0.5),
            HandshakeP95Ms = r.Progress.Gate.HandshakePercentile(0.95),
        },
        r.Progress.NextAt,
        r.Progress.DrainUntil,
        r.UpdatedAt);

    /// <summary>A row of <c>rotor get certificates</c> (and of the API's list).</summary>
    public static CertificateRowJson Row(StoredResource r, CertificateStatus? s)
    {
        var spec = SpecSerializer.SpecOf<CertificateSpec>(r);
        return new CertificateRowJson(r.Name, s?.Ready ?? false, spec.IssuerRef, s?.NotAfter, s?.RenewalAt,
            s is { Failures: > 0 } ? s.NextDueAt : null, s?.LastFailure, r.Generation);
    }

    /// <summary>
    /// What <c>rotor describe endpoint</c> shows: where it is, the certificates whose gates probe it,
    /// and its last probe. Only certificates whose spec mentions the endpoint's name are read.
    /// </summary>
    public static async Task<EndpointViewJson> EndpointAsync(RotorHost host, StoredResource stored, CancellationToken ct)
    {
        var name = stored.Name;
        var spec = SpecSerializer.SpecOf<EndpointSpec>(stored);
        var uses = new List<EndpointUseJson>();
        foreach (var certificate in await ((IQueryStore)host.Store).FindMentioningAsync(ResourceKinds.Certificate, name, ct))
        {
            uses.AddRange(SpecSerializer.SpecOf<CertificateSpec>(certificate).Deploy
                .Where(d => d.Endpoints.Contains(name))
                .Select(d => new EndpointUseJson(certificate.Name, d.Target)));
        }
        var last = await host.Store.GetEndpointProbeAsync(name, ct);
        return new EndpointViewJson(name, spec.Host, spec.Port, spec.Sni ?? (HostPort.IsDnsName(spec.Host) ? spec.Host : null), spec.Sip,
            stored.Generation, stored.SourceFile, uses,
            last is null ? null : new EndpointProbeJson(last.At, last.Certificate, last.Success, last.Failure, last.LeafSha256, last.ChainTrusted,
                last.SipStatusCode, last.HandshakeMs, last.Error));
    }
}
