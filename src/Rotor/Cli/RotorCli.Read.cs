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
            await using var host = await cli.OpenHostAsync(parse, loggers, ct);
            var resources = await host.Store.ListResourcesAsync(kind, ct);
            if (kind == ResourceKinds.Certificate)
            {
                var statuses = (await host.Store.ListStatusesAsync(ct)).ToDictionary(s => s.Name);
                var rows = resources.Select(r =>
                {
                    statuses.TryGetValue(r.Name, out var s);
                    var spec = SpecSerializer.SpecOf<CertificateSpec>(r);
                    return new
                    {
                        name = r.Name,
                        ready = s?.Ready ?? false,
                        issuer = spec.IssuerRef,
                        notAfter = s?.NotAfter,
                        renewalAt = s?.RenewalAt,
                        nextAttempt = s is { Failures: > 0 } ? s.NextDueAt : (DateTimeOffset?)null,
                        lastFailure = s?.LastFailure,
                        generation = r.Generation,
                    };
                }).ToList();
                if (cli.WantsJson(parse))
                {
                    cli.WriteJson(rows);
                    return ExitCodes.Ok;
                }
                var table = new Table().AddColumns("NAME", "READY", "ISSUER", "EXPIRES", "RENEWAL", "STATUS");
                foreach (var r in rows)
                {
                    table.AddRow(Markup.Escape(r.name), r.ready ? "True" : "False", Markup.Escape(r.issuer), Time(r.notAfter), Time(r.renewalAt),
                        Markup.Escape(r.lastFailure is null ? "" : Truncate(r.lastFailure, 60)));
                }
                cli.Console.Write(table);
                return ExitCodes.Ok;
            }
            var list = resources.Select(r => new { name = r.Name, kind = KindOf(r), generation = r.Generation, source = r.SourceFile, updated = r.UpdatedAt }).ToList();
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(list);
                return ExitCodes.Ok;
            }
            var t = new Table().AddColumns("NAME", "KIND", "GENERATION", "SOURCE");
            foreach (var r in list)
            {
                t.AddRow(Markup.Escape(r.name), r.kind, r.generation.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(r.source));
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
            await using var host = await cli.OpenHostAsync(parse, loggers, ct);
            var n = parse.GetValue(name)!;
            var stored = await host.Store.GetResourceAsync(ResourceKinds.Certificate, n, ct);
            if (stored is null) return cli.Fail(ExitCodes.NotFound, $"certificate '{n}' not found");
            var spec = SpecSerializer.SpecOf<CertificateSpec>(stored);
            var status = await host.Store.GetStatusAsync(n, ct);
            var versions = await host.Store.ListVersionsAsync(n, ct);
            var rotations = new List<RotationRecord>();
            foreach (var v in versions.TakeLast(5))
            {
                rotations.AddRange(await host.Store.ListRotationsAsync(v.Id, ct));
            }
            var events = await host.Store.ListEventsAsync(ResourceKinds.Certificate, n, 15, ct);
            var cmp = Issuers.CmpTransactionState.TryRead(status?.IssuerState);
            var view = new
            {
                name = n,
                generation = stored.Generation,
                issuer = spec.IssuerRef,
                names = spec.RequiredNames().Order().ToList(),
                key = spec.PrivateKey.Describe(),
                rotationPolicy = spec.PrivateKey.RotationPolicy,
                duration = DurationParser.Format(spec.Duration),
                ready = status?.Ready ?? false,
                notAfter = status?.NotAfter,
                renewalAt = status?.RenewalAt,
                nextReconcile = status?.NextDueAt,
                failures = status?.Failures ?? 0,
                lastFailure = status?.LastFailure,
                renewRequested = status?.RenewRequested ?? false,
                renewNow = status?.RenewNow ?? false,
                cmp = cmp is null ? null : new
                {
                    request = cmp.Request,
                    state = cmp.State,
                    server = cmp.Server,
                    transactionId = cmp.TransactionId,
                    pkiStatus = cmp.PkiStatus,
                    failInfo = cmp.FailInfo,
                    statusText = cmp.StatusText,
                    error = cmp.Error,
                    polls = cmp.Polls,
                    nextPollAt = cmp.NextPollAt,
                    implicitlyConfirmed = cmp.ImplicitlyConfirmed,
                    at = cmp.At,
                    nextAttempt = status?.NextDueAt,
                },
                versions = versions.Select(v => new { id = v.Id, state = v.State, serial = v.Serial, sha256 = v.Sha256Fingerprint, notBefore = v.NotBefore, notAfter = v.NotAfter, generation = v.Generation }).ToList(),
                rotations = rotations.Select(r => new
                {
                    version = r.VersionId,
                    target = r.Target,
                    state = r.State,
                    wave = r.Progress.Wave + 1,
                    detail = r.Detail,
                    gate = r.Progress.Gate.StartedAt is null ? null : new
                    {
                        successes = r.Progress.Gate.Successes,
                        probes = r.Progress.Gate.Probes,
                        unreachable = r.Progress.Gate.Unreachable,
                        passed = r.Progress.Gate.Passed,
                        lastError = r.Progress.Gate.LastError,
                    },
                    nextStep = r.Progress.NextAt,
                    drainUntil = r.Progress.DrainUntil,
                    updated = r.UpdatedAt,
                }).ToList(),
                events = events.Select(e => new { at = e.At, type = e.Type, reason = e.Reason, message = e.Message }).ToList(),
            };
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(view);
                return ExitCodes.Ok;
            }
            var o = cli.Output;
            o.WriteLine($"Name:           {view.name} (generation {view.generation})");
            o.WriteLine($"Issuer:         {view.issuer}");
            o.WriteLine($"Names:          {string.Join(", ", view.names)}");
            o.WriteLine($"Key:            {view.key}, rotationPolicy {view.rotationPolicy}");
            o.WriteLine($"Duration:       {view.duration}");
            o.WriteLine($"Ready:          {view.ready}");
            o.WriteLine($"Expires:        {Time(view.notAfter)}");
            o.WriteLine($"Next renewal:   {Time(view.renewalAt)}");
            o.WriteLine($"Next reconcile: {Time(view.nextReconcile)}{(view.renewRequested ? view.renewNow ? " (manual renewal requested, now)" : " (manual renewal requested)" : "")}");
            if (cmp is not null) o.WriteLine($"CMP:            {cmp.Describe()}; next attempt {Time(status?.NextDueAt)}");
            if (view.failures > 0) o.WriteLine($"Failures:       {view.failures} in a row; last: {view.lastFailure}");
            var vt = new Table().Title("Versions").AddColumns("ID", "STATE", "SERIAL", "NOT BEFORE", "NOT AFTER");
            foreach (var v in view.versions) vt.AddRow(v.id.ToString(System.Globalization.CultureInfo.InvariantCulture), v.state.ToString(), v.serial, Time(v.notBefore), Time(v.notAfter));
            cli.Console.Write(vt);
            var rt = new Table().Title("Rotation").AddColumns("VERSION", "TARGET", "WAVE", "STATE", "GATE", "NEXT", "DETAIL");
            foreach (var r in view.rotations)
            {
                var gate = r.gate is null ? "" : $"{r.gate.successes}/{r.gate.probes} ok" + (r.gate.unreachable > 0 ? $", {r.gate.unreachable} unreachable" : "") + (r.gate.passed ? ", passed" : "");
                rt.AddRow(r.version.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(r.target), r.wave.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    r.state.ToString(), Markup.Escape(gate), Time(r.drainUntil ?? r.nextStep), Markup.Escape(r.detail ?? ""));
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
            await using var host = await cli.OpenHostAsync(parse, loggers, ct);
            var events = await host.Store.ListEventsAsync(null, parse.GetValue(name), parse.GetValue(limit), ct);
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(events);
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
