using System.CommandLine;
using System.Globalization;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;
using Spectre.Console;

namespace Rotor.Cli;

public static partial class RotorCli
{
    /// <summary><c>rotor describe certificate NAME</c>: status, versions, next renewal, rotation per target, last events.</summary>
    private static async Task<int> DescribeCertificateAsync(CliContext cli, ParseResult parse, RotorHost host, string name, CancellationToken ct)
    {
        var stored = await host.Store.GetResourceAsync(ResourceKinds.Certificate, name, ct);
        if (stored is null) return cli.Fail(ExitCodes.NotFound, $"certificate '{name}' not found");
        var status = await host.Store.GetStatusAsync(name, ct);
        var events = await host.Store.ListEventsAsync(ResourceKinds.Certificate, name, 15, ct);
        var view = await CertificateViewAsync(host, stored, status, events, ct);
        if (cli.WantsJson(parse))
        {
            cli.WriteJson(view, CliJsonContext.Default.CertificateViewJson);
            return ExitCodes.Ok;
        }
        WriteCertificateView(cli, view, Issuers.CmpTransactionState.TryRead(status?.IssuerState), status);
        WriteEvents(cli, events);
        return ExitCodes.Ok;
    }

    /// <summary>Everything about one certificate that `describe` and the dashboard's certificate page show.</summary>
    internal static async Task<CertificateViewJson> CertificateViewAsync(
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

    private static RotationJson RotationView(RotationRecord r, long versionNumber) => new(
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

    private static void WriteCertificateView(CliContext cli, CertificateViewJson view, Issuers.CmpTransactionState? cmp, CertificateStatus? status)
    {
        var o = cli.Output;
        o.WriteLine($"Name:           {view.Name} (generation {view.Generation})");
        o.WriteLine($"Issuer:         {view.Issuer}");
        o.WriteLine($"Names:          {string.Join(", ", view.Names)}");
        o.WriteLine($"Key:            {view.Key}, rotationPolicy {view.RotationPolicy}");
        o.WriteLine($"Duration:       {view.Duration}");
        o.WriteLine($"Ready:          {view.Ready}");
        o.WriteLine($"Expires:        {Time(view.NotAfter)}");
        o.WriteLine($"Next renewal:   {Time(view.RenewalAt)}");
        o.WriteLine($"Next reconcile: {Time(view.NextReconcile)}{(view.RenewRequested ? view.RenewNow ? " (manual renewal requested, now)" : " (manual renewal requested)" : "")}");
        if (cmp is not null) o.WriteLine($"CMP:            {cmp.Describe()}; next attempt {Time(status?.NextDueAt)}");
        if (view.Failures > 0) o.WriteLine($"Failures:       {view.Failures} in a row; last: {view.LastFailure}");
        var vt = new Table().Title("Versions").AddColumns("VERSION", "STATE", "SERIAL", "NOT BEFORE", "NOT AFTER");
        foreach (var v in view.Versions) vt.AddRow(v.Version.ToString(CultureInfo.InvariantCulture), v.State.ToString(), v.Serial, Time(v.NotBefore), Time(v.NotAfter));
        cli.Console.Write(vt);
        var rt = new Table().Title("Rotation").AddColumns("VERSION", "TARGET", "WAVE", "STATE", "GATE", "NEXT", "DETAIL");
        foreach (var r in view.Rotations)
        {
            rt.AddRow(r.Version.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.Target), r.Wave.ToString(CultureInfo.InvariantCulture),
                r.State.ToString(), Markup.Escape(GateText(r.Gate)), Time(r.DrainUntil ?? r.NextStep), Markup.Escape(r.Detail ?? ""));
        }
        cli.Console.Write(rt);
    }

    private static string GateText(GateJson? gate) => gate is null
        ? ""
        : $"{gate.Successes}/{gate.Probes} ok" + (gate.Unreachable > 0 ? $", {gate.Unreachable} unreachable" : "") + (gate.Passed ? ", passed" : "");
}
