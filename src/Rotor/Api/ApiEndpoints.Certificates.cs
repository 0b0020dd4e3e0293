using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rotor.Api.Auth;
using Rotor.Cli;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Api;

public static partial class ApiEndpoints
{
    private static void MapCertificates(RouteGroupBuilder api, RotorHost host)
    {
        var query = (IQueryStore)host.Store;

        // Filters: q (name contains), issuer, status (ready|pending|failing), expiresBefore (RFC 3339).
        api.MapGet("/certificates", async (HttpContext context, CancellationToken ct) =>
        {
            var (limit, after, bad) = ApiPaging.Read(context);
            if (bad is not null) return bad;
            var q = context.Request.Query;
            CertificateState? state = null;
            if (q["status"].ToString() is { Length: > 0 } s)
            {
                if (!Enum.TryParse<CertificateState>(s, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                {
                    return ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "status", "one-of", "status: must be ready, pending or failing");
                }
                state = parsed;
            }
            DateTimeOffset? before = null;
            if (q["expiresBefore"].ToString() is { Length: > 0 } e)
            {
                if (!DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                {
                    return ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "expiresBefore", "timestamp", "expiresBefore: must be an RFC 3339 time such as 2027-01-31T00:00:00Z");
                }
                before = t;
            }
            var rows = await query.ListCertificatePageAsync(new CertificateQuery(after, limit)
            {
                NameContains = NullIfEmpty(q["q"]),
                Issuer = NullIfEmpty(q["issuer"]),
                State = state,
                ExpiresBefore = before,
            }, ct);
            var items = rows.Select(r => CertificateViews.Row(r.Resource, r.Status)).ToList();
            return Results.Json(new CertificatePageJson(items, ApiPaging.Next(context, limit, rows.Count, rows.LastOrDefault()?.Resource.Name)),
                ApiJsonContext.Default.CertificatePageJson);
        }).RequireRole(ApiRole.Viewer).Query("limit", "cursor", "q", "issuer", "status", "expiresBefore");

        api.MapGet("/certificates/{name}", async (string name, HttpContext context, CancellationToken ct) =>
            await CertificateViews.GatherAsync(host, name, EventsInView, ct) is { } view
                ? Results.Json(view, ApiJsonContext.Default.CertificateViewJson)
                : NotFound(context, "certificate", name)).RequireRole(ApiRole.Viewer);

        api.MapPost("/certificates/{name}/renew", (string name, HttpContext context, CancellationToken ct) =>
            RenewLikeAsync(host, context, name, "renew", ct)).RequireRole(ApiRole.Operator).Query("now");
        api.MapPost("/certificates/{name}/rotate", (string name, HttpContext context, CancellationToken ct) =>
            RenewLikeAsync(host, context, name, "rotate", ct)).RequireRole(ApiRole.Operator);
        api.MapPost("/certificates/{name}/rollback", async (string name, HttpContext context, CancellationToken ct) =>
        {
            var actor = context.GetApiPrincipal()!.Actor;
            try
            {
                var result = await new Commands.CertificateCommands(host).RollbackAsync(name, ct);
                await host.Store.AppendEventAsync(new EventRecord(0, host.Time.GetUtcNow(), ResourceKinds.Certificate, name, EventType.Normal,
                    RotorReasons.RollbackRequested, $"rollback requested by {actor}: {result}"), ct);
                return Results.Json(new ActionResultJson(name, "rollback", result), ApiJsonContext.Default.ActionResultJson);
            }
            catch (RotorException e)
            {
                return ActionProblem(context, e);
            }
        }).RequireRole(ApiRole.Operator);
    }

    /// <summary>How many of a certificate's latest events its view carries (as <c>rotor describe</c>).</summary>
    public const int EventsInView = 15;

    /// <summary>Renew (<c>?now=true</c>: without waiting for a key-update window) or rotate, as <c>rotor renew|rotate</c>, naming the token in the event.</summary>
    private static async Task<IResult> RenewLikeAsync(RotorHost host, HttpContext context, string name, string verb, CancellationToken ct)
    {
        var now = string.Equals(context.Request.Query["now"], "true", StringComparison.OrdinalIgnoreCase);
        if (verb == "rotate" && now) return ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "now", "renew-only", "now: only renew takes now=true");
        var actor = context.GetApiPrincipal()!.Actor;
        var (reason, message) = verb == "renew"
            ? ("RenewRequested", $"manual renewal requested by {actor}" + (now ? " (now: no key-update window wait)" : ""))
            : ("RotateRequested", $"manual rotation requested by {actor}");
        try
        {
            if (!await new Commands.CertificateCommands(host).RequestRenewalAsync(name, now, reason, message, ct)) return NotFound(context, "certificate", name);
        }
        catch (RotorException e)
        {
            return ActionProblem(context, e);
        }
        return Results.Json(new ActionResultJson(name, verb, $"certificate/{name} marked for {(verb == "renew" ? "renewal" : "rotation")}"),
            ApiJsonContext.Default.ActionResultJson, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult ActionProblem(HttpContext context, RotorException e) => e.Reason switch
    {
        RotorReasons.NotFound => ApiProblem.Field(context, 404, e.Reason, "name", "exists", e.Message),
        RotorReasons.Busy => ApiProblem.Field(context, 409, e.Reason, "name", "lease", e.Message),
        _ => ApiProblem.Field(context, 409, e.Reason, "name", "state", e.Message),
    };

    private static IResult NotFound(HttpContext context, string kind, string name) =>
        ApiProblem.Field(context, 404, RotorReasons.NotFound, "name", "exists", $"{kind} '{name}' not found");

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues v) => v.ToString() is { Length: > 0 } s ? s : null;
}
