using System.CommandLine;
using System.Globalization;
using Rotor.Api;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Cli;

/// <summary>
/// The commands that work against a remote Rotor (<c>--server URL</c>): the same output as the
/// local ones, read from the operator API. Each returns null when --server is not given.
/// </summary>
public static partial class RotorCli
{
    /// <summary>Largest page asked for when a command reads a whole list.</summary>
    private const int RemotePage = ApiPaging.MaxLimit;

    private static async Task<int?> RemoteGetAsync(CliContext cli, ParseResult parse, string kind, CancellationToken ct)
    {
        var (api, failed) = await cli.RemoteAsync(parse, ct);
        if (failed is { } f) return f;
        if (api is null) return null;
        using var _ = api;
        if (kind == ResourceKinds.Certificate)
        {
            var rows = new List<CertificateRowJson>();
            string? next = $"{ApiEndpoints.Prefix}/certificates?limit={RemotePage}";
            while (next is not null)
            {
                var (page, code, error) = await api.GetAsync(next, ApiJsonContext.Default.CertificatePageJson, ct);
                if (page is null) return cli.Fail(code, error!);
                rows.AddRange(page.Items);
                next = page.Next;
            }
            return WriteCertificateRows(cli, parse, rows);
        }
        var list = new List<ResourceRowJson>();
        string? link = $"{ApiEndpoints.Prefix}/resources/{Uri.EscapeDataString(kind.ToLowerInvariant())}?limit={RemotePage}";
        while (link is not null)
        {
            var (page, code, error) = await api.GetAsync(link, ApiJsonContext.Default.ResourcePageJson, ct);
            if (page is null) return cli.Fail(code, error!);
            list.AddRange(page.Items.Select(r => new ResourceRowJson(r.Name, r.Type, r.Generation, r.Source, r.Updated)));
            link = page.Next;
        }
        return WriteResourceRows(cli, parse, list);
    }

    private static async Task<int?> RemoteDescribeAsync(CliContext cli, ParseResult parse, string kind, string name, CancellationToken ct)
    {
        var (api, failed) = await cli.RemoteAsync(parse, ct);
        if (failed is { } f) return f;
        if (api is null) return null;
        using var _ = api;
        var path = Uri.EscapeDataString(name);
        if (kind == ResourceKinds.Certificate)
        {
            var (view, code, error) = await api.GetAsync($"{ApiEndpoints.Prefix}/certificates/{path}", ApiJsonContext.Default.CertificateViewJson, ct);
            if (view is null) return cli.Fail(code, error!);
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(view, CliJsonContext.Default.CertificateViewJson);
                return ExitCodes.Ok;
            }
            WriteCertificateView(cli, view, null, null);
            WriteEvents(cli, [.. view.Events.Select(e => new EventRecord(0, e.At, ResourceKinds.Certificate, view.Name, e.Type, e.Reason, e.Message))]);
            return ExitCodes.Ok;
        }
        if (kind == ResourceKinds.Endpoint)
        {
            var (view, code, error) = await api.GetAsync($"{ApiEndpoints.Prefix}/endpoints/{path}", ApiJsonContext.Default.EndpointViewJson, ct);
            if (view is null) return cli.Fail(code, error!);
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(view, CliJsonContext.Default.EndpointViewJson);
                return ExitCodes.Ok;
            }
            WriteEndpointView(cli, view);
            return ExitCodes.Ok;
        }
        return cli.Fail(ExitCodes.InvalidInput, $"with --server, describe takes certificate or endpoint (try rotor get {kind.ToLowerInvariant()}s --server ...)");
    }

    /// <summary>renew, renew?now=true, rotate or rollback on the remote Rotor; prints its answer as the local command does.</summary>
    private static async Task<int?> RemoteActionAsync(CliContext cli, ParseResult parse, string action, string name, CancellationToken ct)
    {
        var (api, failed) = await cli.RemoteAsync(parse, ct);
        if (failed is { } f) return f;
        if (api is null) return null;
        using var _ = api;
        var verb = action.Split('?')[0];
        var query = action.Length > verb.Length ? action[verb.Length..] : "";
        var (result, code, error) = await api.SendAsync(HttpMethod.Post, $"{ApiEndpoints.Prefix}/certificates/{Uri.EscapeDataString(name)}/{verb}{query}",
            ApiJsonContext.Default.ActionResultJson, ct);
        if (result is null) return cli.Fail(code, error!);
        cli.Output.WriteLine(result.Message);
        return ExitCodes.Ok;
    }

    private static async Task<int?> RemoteEventsAsync(CliContext cli, ParseResult parse, string? name, int limit, CancellationToken ct)
    {
        var (api, failed) = await cli.RemoteAsync(parse, ct);
        if (failed is { } f) return f;
        if (api is null) return null;
        using var _ = api;
        // The API pages newest first; the CLI prints the latest `limit`, oldest first.
        var events = new List<EventRecord>();
        string? next = $"{ApiEndpoints.Prefix}/events?limit={Math.Clamp(limit, 1, RemotePage).ToString(CultureInfo.InvariantCulture)}"
            + (name is null ? "" : "&name=" + Uri.EscapeDataString(name));
        while (next is not null && events.Count < limit)
        {
            var (page, code, error) = await api.GetAsync(next, ApiJsonContext.Default.EventPageJson, ct);
            if (page is null) return cli.Fail(code, error!);
            events.AddRange(page.Items.Select(e => new EventRecord(e.Id, e.At, e.Kind, e.Name, e.Type, e.Reason, e.Message)));
            next = page.Next;
        }
        events = [.. events.Take(limit).Reverse()];
        if (cli.WantsJson(parse))
        {
            cli.WriteJson<IReadOnlyList<EventRecord>>(events, CliJsonContext.Default.IReadOnlyListEventRecord);
        }
        else
        {
            WriteEvents(cli, events);
        }
        return ExitCodes.Ok;
    }
}
