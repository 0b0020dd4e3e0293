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
        var view = await CertificateViews.GatherAsync(host, stored, status, events, ct);
        if (cli.WantsJson(parse))
        {
            cli.WriteJson(view, CliJsonContext.Default.CertificateViewJson);
            return ExitCodes.Ok;
        }
        WriteCertificateView(cli, view, Issuers.CmpTransactionState.TryRead(status?.IssuerState), status);
        WriteEvents(cli, events);
        return ExitCodes.Ok;
    }

    internal static void WriteCertificateView(CliContext cli, CertificateViewJson view, Issuers.CmpTransactionState? cmp, CertificateStatus? status)
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
