using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rotor.Api.Auth;
using Rotor.Cli;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Api;

/// <summary>What Rotor saw and did: events (the audit log), endpoints with their last probes, alerts, scan results.</summary>
public static partial class ApiEndpoints
{
    private static void MapObservations(RouteGroupBuilder api, RotorHost host)
    {
        var query = (IQueryStore)host.Store;

        // Newest first. Filters: certificate (its events), kind + name (any resource's), type
        // (normal|warning), reason, since (RFC 3339).
        api.MapGet("/events", async (HttpContext context, CancellationToken ct) =>
        {
            var (limit, after, bad) = ApiPaging.Read(context);
            if (bad is not null) return bad;
            long? before = null;
            if (after is not null)
            {
                if (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return ApiPaging.BadCursor(context);
                before = id;
            }
            var q = context.Request.Query;
            var kind = NullIfEmpty(q["kind"]);
            var name = NullIfEmpty(q["name"]);
            if (NullIfEmpty(q["certificate"]) is { } certificate)
            {
                kind = ResourceKinds.Certificate;
                name = certificate;
            }
            else if (kind is not null)
            {
                kind = ResourceKinds.FromUserWord(kind) ?? (kind == ApiTokens.EventKind ? kind : null);
                if (kind is null) return ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "kind", "one-of", "kind: not a resource kind (certificate, issuer, target, ...) or ApiToken");
            }
            EventType? type = null;
            if (NullIfEmpty(q["type"]) is { } t)
            {
                if (!Enum.TryParse<EventType>(t, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                {
                    return ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "type", "one-of", "type: must be normal or warning");
                }
                type = parsed;
            }
            DateTimeOffset? since = null;
            if (NullIfEmpty(q["since"]) is { } s)
            {
                if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    return ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "since", "timestamp", "since: must be an RFC 3339 time such as 2027-01-31T00:00:00Z");
                }
                since = at;
            }
            var events = await query.QueryEventsAsync(new EventQuery(before, limit) { Kind = kind, Name = name, Type = type, Reason = NullIfEmpty(q["reason"]), Since = since }, ct);
            return Results.Json(new EventPageJson([.. events.Select(e => new EventItemJson(e.Id, e.At, e.Kind, e.Name, e.Type, e.Reason, e.Message))],
                ApiPaging.Next(context, limit, events.Count, events.LastOrDefault()?.Id.ToString(CultureInfo.InvariantCulture))), ApiJsonContext.Default.EventPageJson);
        }).RequireRole(ApiRole.Viewer).Query("limit", "cursor", "certificate", "kind", "name", "type", "reason", "since");

        api.MapGet("/endpoints", async (HttpContext context, CancellationToken ct) =>
        {
            var (limit, after, bad) = ApiPaging.Read(context);
            if (bad is not null) return bad;
            var page = await query.ListResourcePageAsync(ResourceKinds.Endpoint, after, limit, ct);
            var items = new List<EndpointViewJson>(page.Count);
            foreach (var e in page) items.Add(await CertificateViews.EndpointAsync(host, e, ct));
            return Results.Json(new EndpointPageJson(items, ApiPaging.Next(context, limit, page.Count, page.LastOrDefault()?.Name)), ApiJsonContext.Default.EndpointPageJson);
        }).RequireRole(ApiRole.Viewer).Query("limit", "cursor");

        api.MapGet("/endpoints/{name}", async (string name, HttpContext context, CancellationToken ct) =>
            await host.Store.GetResourceAsync(ResourceKinds.Endpoint, name, ct) is { } stored
                ? Results.Json(await CertificateViews.EndpointAsync(host, stored, ct), ApiJsonContext.Default.EndpointViewJson)
                : NotFound(context, "endpoint", name)).RequireRole(ApiRole.Viewer);

        // Firing alerts; ?all=true adds the most recently resolved ones.
        api.MapGet("/alerts", async (HttpContext context, CancellationToken ct) =>
        {
            var all = string.Equals(context.Request.Query["all"], "true", StringComparison.OrdinalIgnoreCase);
            var alerts = await host.Alerts.ListAlertsAsync(all, ApiPaging.MaxLimit, ct);
            return Results.Json(new AlertListJson([.. alerts.Select(a => new AlertItemJson(a.Rule, a.Severity, a.Labels, a.Summary, a.Description, a.FiringSince, a.ResolvedAt))]),
                ApiJsonContext.Default.AlertListJson);
        }).RequireRole(ApiRole.Viewer).Query("all");

        // The latest finished run of each stored Scan, with its results per endpoint.
        api.MapGet("/scans", async (CancellationToken ct) =>
        {
            var scans = (IScanStore)host.Store;
            var items = new List<ScanRunJson>();
            foreach (var scan in await host.Store.ListResourcesAsync(ResourceKinds.Scan, ct))
            {
                var run = await scans.GetLatestScanRunAsync(scan.Name, ct);
                JsonElement? results = null;
                if (run is not null)
                {
                    var list = await scans.ListScanResultsAsync(run.Id, ct);
                    results = JsonSerializer.SerializeToElement(list.ToList(), RotorJsonContext.Default.ListEndpointScan);
                }
                items.Add(new ScanRunJson(scan.Name, run?.Id, run?.StartedAt, run?.FinishedAt, run?.Endpoints ?? 0, run?.Reachable ?? 0, results));
            }
            return Results.Json(new ScanListJson(items), ApiJsonContext.Default.ScanListJson);
        }).RequireRole(ApiRole.Viewer);
    }
}
