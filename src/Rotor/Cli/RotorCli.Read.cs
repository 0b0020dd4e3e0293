using System.CommandLine;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;
using Spectre.Console;

namespace Rotor.Cli;

public static partial class RotorCli
{
    private static Command GetCommand(CliContext cli)
    {
        var what = new Argument<string>("kind") { Description = "certificates, issuers or targets" };
        var cmd = new Command("get", "List stored resources") { what };
        cmd.SetAction(async (parse, ct) =>
        {
            var kind = ResourceKinds.FromUserWord(parse.GetValue(what)!);
            if (kind is null) return cli.Fail(ExitCodes.InvalidInput, $"unknown kind '{parse.GetValue(what)}'; use certificates, issuers or targets");
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var resources = await host.Store.ListResourcesAsync(kind, ct);
            if (kind == ResourceKinds.Certificate)
            {
                var statuses = (await host.Store.ListStatusesAsync(ct)).ToDictionary(s => s.Name);
                var rows = resources.Select(r =>
                {
                    statuses.TryGetValue(r.Name, out var s);
                    var spec = SpecSerializer.SpecOf<CertificateSpec>(r);
                    return new CertificateRowJson(
                        r.Name,
                        s?.Ready ?? false,
                        spec.IssuerRef,
                        s?.NotAfter,
                        s?.RenewalAt,
                        s is { Failures: > 0 } ? s.NextDueAt : null,
                        s?.LastFailure,
                        r.Generation);
                }).ToList();
                if (cli.WantsJson(parse))
                {
                    cli.WriteJson(rows, CliJsonContext.Default.ListCertificateRowJson);
                    return ExitCodes.Ok;
                }
                var table = new Table().AddColumns("NAME", "READY", "ISSUER", "EXPIRES", "RENEWAL", "STATUS");
                foreach (var r in rows)
                {
                    table.AddRow(Markup.Escape(r.Name), r.Ready ? "True" : "False", Markup.Escape(r.Issuer), Time(r.NotAfter), Time(r.RenewalAt),
                        Markup.Escape(r.LastFailure is null ? "" : Truncate(r.LastFailure, 60)));
                }
                cli.Console.Write(table);
                return ExitCodes.Ok;
            }
            var list = resources.Select(r => new ResourceRowJson(r.Name, KindOf(r), r.Generation, r.SourceFile, r.UpdatedAt)).ToList();
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(list, CliJsonContext.Default.ListResourceRowJson);
                return ExitCodes.Ok;
            }
            var t = new Table().AddColumns("NAME", "KIND", "GENERATION", "SOURCE");
            foreach (var r in list)
            {
                t.AddRow(Markup.Escape(r.Name), r.Kind, r.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(r.Source));
            }
            cli.Console.Write(t);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static string KindOf(StoredResource r) => r.Kind switch
    {
        ResourceKinds.Issuer => SpecSerializer.SpecOf<IssuerSpec>(r).Kind.ToString(),
        ResourceKinds.Target => SpecSerializer.SpecOf<TargetSpec>(r).Kind.ToString(),
        _ => r.Kind,
    };

    private static string Time(DateTimeOffset? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "-";

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    private static Command DescribeCommand(CliContext cli)
    {
        var what = new Argument<string>("kind") { Description = "certificate" };
        var name = new Argument<string>("name") { Description = "Certificate name" };
        var cmd = new Command("describe", "Show a certificate: status, versions, next renewal, rotation per target, last events") { what, name };
        cmd.SetAction(async (parse, ct) =>
        {
            if (ResourceKinds.FromUserWord(parse.GetValue(what)!) != ResourceKinds.Certificate)
            {
                return cli.Fail(ExitCodes.InvalidInput, "only 'describe certificate NAME' is supported");
            }
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var n = parse.GetValue(name)!;
            var stored = await host.Store.GetResourceAsync(ResourceKinds.Certificate, n, ct);
            if (stored is null) return cli.Fail(ExitCodes.NotFound, $"certificate '{n}' not found");
            var spec = SpecSerializer.SpecOf<CertificateSpec>(stored);
            var status = await host.Store.GetStatusAsync(n, ct);
            var versions = await host.Store.ListVersionsAsync(n, ct);
            var numbers = versions.ToDictionary(v => v.Id, v => v.Number);
            var rotations = new List<RotationRecord>();
            foreach (var v in versions.TakeLast(5))
            {
                rotations.AddRange(await host.Store.ListRotationsAsync(v.Id, ct));
            }
            var events = await host.Store.ListEventsAsync(ResourceKinds.Certificate, n, 15, ct);
            var cmp = Issuers.CmpTransactionState.TryRead(status?.IssuerState);
            var view = new CertificateViewJson
            {
                Name = n,
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
                Rotations = [.. rotations.Select(r => new RotationJson(
                    numbers[r.VersionId],
                    r.Target,
                    r.State,
                    r.Progress.Wave + 1,
                    r.Detail,
                    r.Progress.Gate.StartedAt is null ? null : new GateJson(
                        r.Progress.Gate.Successes, r.Progress.Gate.Probes, r.Progress.Gate.Unreachable, r.Progress.Gate.Passed, r.Progress.Gate.LastError),
                    r.Progress.NextAt,
                    r.Progress.DrainUntil,
                    r.UpdatedAt))],
                Events = [.. events.Select(e => new EventJson(e.At, e.Type, e.Reason, e.Message))],
            };
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(view, CliJsonContext.Default.CertificateViewJson);
                return ExitCodes.Ok;
            }
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
            foreach (var v in view.Versions) vt.AddRow(v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), v.State.ToString(), v.Serial, Time(v.NotBefore), Time(v.NotAfter));
            cli.Console.Write(vt);
            var rt = new Table().Title("Rotation").AddColumns("VERSION", "TARGET", "WAVE", "STATE", "GATE", "NEXT", "DETAIL");
            foreach (var r in view.Rotations)
            {
                var gate = r.Gate is null ? "" : $"{r.Gate.Successes}/{r.Gate.Probes} ok" + (r.Gate.Unreachable > 0 ? $", {r.Gate.Unreachable} unreachable" : "") + (r.Gate.Passed ? ", passed" : "");
                rt.AddRow(r.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(r.Target), r.Wave.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    r.State.ToString(), Markup.Escape(gate), Time(r.DrainUntil ?? r.NextStep), Markup.Escape(r.Detail ?? ""));
            }
            cli.Console.Write(rt);
            WriteEvents(cli, events);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void WriteEvents(CliContext cli, IReadOnlyList<EventRecord> events)
    {
        var et = new Table().Title("Events").AddColumns("TIME", "TYPE", "OBJECT", "REASON", "MESSAGE");
        foreach (var e in events)
        {
            et.AddRow(Time(e.At), e.Type.ToString(), Markup.Escape($"{e.Kind.ToLowerInvariant()}/{e.Name}"), Markup.Escape(e.Reason), Markup.Escape(e.Message));
        }
        cli.Console.Write(et);
    }

    private static Command EventsCommand(CliContext cli)
    {
        var name = new Option<string?>("--name") { Description = "Only events of this resource" };
        var limit = new Option<int>("--limit") { Description = "How many of the latest events", DefaultValueFactory = _ => 50 };
        var cmd = new Command("events", "Show the audit log of decisions and outcomes, oldest first") { name, limit };
        cmd.SetAction(async (parse, ct) =>
        {
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var events = await host.Store.ListEventsAsync(null, parse.GetValue(name), parse.GetValue(limit), ct);
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(events, CliJsonContext.Default.IReadOnlyListEventRecord);
            }
            else
            {
                WriteEvents(cli, events);
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
