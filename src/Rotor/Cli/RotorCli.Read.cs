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
            if (await RemoteGetAsync(cli, parse, kind, ct) is { } remote) return remote;
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var resources = await host.Store.ListResourcesAsync(kind, ct);
            if (kind == ResourceKinds.Certificate)
            {
                var statuses = (await host.Store.ListStatusesAsync(ct)).ToDictionary(s => s.Name);
                var rows = resources.Select(r => CertificateViews.Row(r, statuses.GetValueOrDefault(r.Name))).ToList();
                return WriteCertificateRows(cli, parse, rows);
            }
            var list = resources.Select(r => new ResourceRowJson(r.Name, KindOf(r), r.Generation, r.SourceFile, r.UpdatedAt)).ToList();
            return WriteResourceRows(cli, parse, list);
        });
        return cmd;
    }

    private static int WriteCertificateRows(CliContext cli, ParseResult parse, List<CertificateRowJson> rows)
    {
        if (cli.WantsJson(parse))
        {
            cli.WriteJson(rows, CliJsonContext.Default.ListCertificateRowJson);
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumns("NAME", "READY", "ISSUER", "EXPIRES", "RENEWAL", "STATUS");
        foreach (var r in rows)
        {
            table.AddRow(Markup.Escape(r.Name), r.Ready ? "True" : "False", Markup.Escape(r.Issuer), Time(r.NotAfter), Time(r.RenewalAt),
                Markup.Escape(StatusText(r)));
        }
        cli.Console.Write(table);
        return ExitCodes.Ok;
    }

    private static int WriteResourceRows(CliContext cli, ParseResult parse, List<ResourceRowJson> list)
    {
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
    }

    internal static string KindOf(StoredResource r) => r.Kind switch
    {
        ResourceKinds.Issuer => SpecSerializer.SpecOf<IssuerSpec>(r).Kind.ToString(),
        ResourceKinds.Target => SpecSerializer.SpecOf<TargetSpec>(r).Kind.ToString(),
        _ => r.Kind,
    };

    private static string Time(DateTimeOffset? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "-";

    /// <summary>The STATUS column: the last failure when there is one, else Ready, or Pending before the first version is in service.</summary>
    private static string StatusText(CertificateRowJson row) =>
        row.LastFailure is not null ? Truncate(row.LastFailure, 60) : row.Ready ? "Ready" : "Pending";

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    private static Command DescribeCommand(CliContext cli)
    {
        var what = new Argument<string>("kind") { Description = string.Join(", ", Describers.Select(d => d.Word)) };
        var name = new Argument<string>("name") { Description = "Resource name" };
        var cmd = new Command("describe",
            "Show one resource in detail: a certificate (status, versions, rotation per target, last events), " +
            "an issuer (kind, key facts, CMP server group position), a target (settings, the certificates deployed to it) or an endpoint (address, last probe)") { what, name };
        cmd.SetAction(async (parse, ct) =>
        {
            var word = parse.GetValue(what)!;
            var kind = ResourceKinds.FromUserWord(word);
            if (Describers.FirstOrDefault(d => d.Kind == kind).Describe is not { } describe)
            {
                return cli.Fail(ExitCodes.InvalidInput,
                    $"cannot describe '{word}'; supported kinds: {string.Join(", ", Describers.Select(d => d.Word))} (e.g. rotor describe certificate NAME)");
            }
            if (await RemoteDescribeAsync(cli, parse, kind!, parse.GetValue(name)!, ct) is { } remote) return remote;
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            return await describe(cli, parse, host, parse.GetValue(name)!, ct);
        });
        return cmd;
    }

    internal static void WriteEvents(CliContext cli, IReadOnlyList<EventRecord> events)
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
            if (await RemoteEventsAsync(cli, parse, parse.GetValue(name), parse.GetValue(limit), ct) is { } remote) return remote;
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
