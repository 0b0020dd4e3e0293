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

/// <summary>
/// Resources: list, get (with an ETag), apply (the whole manifest, as <c>rotor apply</c>, or one
/// resource with If-Match), delete (with If-Match). The manifest goes through the same parser and
/// checks as <c>rotor apply</c>; <c>?dryRun=true</c> checks and stores nothing.
/// </summary>
public static partial class ApiEndpoints
{
    private static void MapResources(RouteGroupBuilder api, RotorHost host)
    {
        var query = (IQueryStore)host.Store;

        api.MapGet("/resources/{kind}", async (string kind, HttpContext context, CancellationToken ct) =>
        {
            if (KindOf(context, kind) is not { } k) return UnknownKind(context, kind);
            var (limit, after, bad) = ApiPaging.Read(context);
            if (bad is not null) return bad;
            var page = await query.ListResourcePageAsync(k, after, limit, ct);
            return Results.Json(new ResourcePageJson([.. page.Select(r => ResourceView(r, withSpec: false))],
                ApiPaging.Next(context, limit, page.Count, page.LastOrDefault()?.Name)), ApiJsonContext.Default.ResourcePageJson);
        }).RequireRole(ApiRole.Viewer).Query("limit", "cursor");

        api.MapGet("/resources/{kind}/{name}", async (string kind, string name, HttpContext context, CancellationToken ct) =>
        {
            if (KindOf(context, kind) is not { } k) return UnknownKind(context, kind);
            if (await host.Store.GetResourceAsync(k, name, ct) is not { } r) return NotFound(context, k.ToLowerInvariant(), name);
            var view = ResourceView(r, withSpec: true);
            context.Response.Headers.ETag = view.ETag;
            return Results.Json(view, ApiJsonContext.Default.ResourceJson);
        }).RequireRole(ApiRole.Viewer);

        api.MapPost("/resources", async (HttpContext context, CancellationToken ct) =>
        {
            if (await ParseBodyAsync(host, context, ct) is not { } parsed) return BadManifestBody(context);
            var (resources, errors) = parsed;
            await ManifestLoader.CheckAsync(resources, errors, host.Store, ct);
            if (errors.Count > 0) return ApiProblem.Manifest(context, errors);
            if (resources.Count == 0) return ApiProblem.Field(context, 422, RotorReasons.ValidationFailed, "(body)", "documents", "no rotor/v1 documents found");
            if (DryRun(context))
            {
                return Results.Json(new ApplyResultJson(true, [.. resources.Select(r => new ApplyOutcomeJson(r.Kind, r.Name, "valid", 0, null))]),
                    ApiJsonContext.Default.ApplyResultJson);
            }
            var applied = await ManifestLoader.StoreAsync(resources, host, context.GetApiPrincipal()!.Actor, ct);
            return Results.Json(new ApplyResultJson(false, [.. applied.Select(a => Outcome(a.Resource, a.Outcome))]), ApiJsonContext.Default.ApplyResultJson);
        }).RequireRole(ApiRole.Admin).Query("dryRun");

        api.MapPut("/resources/{kind}/{name}", async (string kind, string name, HttpContext context, CancellationToken ct) =>
        {
            if (KindOf(context, kind) is not { } k) return UnknownKind(context, kind);
            if (Condition(context) is not { } condition) return BadCondition(context);
            if (await ParseBodyAsync(host, context, ct) is not { } parsed) return BadManifestBody(context);
            var (resources, errors) = parsed;
            if (errors.Count == 0 && (resources.Count != 1 || resources[0].Kind != k || resources[0].Name != name))
            {
                return ApiProblem.Field(context, 422, RotorReasons.ValidationFailed, "metadata.name", "one-document",
                    $"the body must be one {k} document named '{name}' (as the URL says)");
            }
            await ManifestLoader.CheckAsync(resources, errors, host.Store, ct);
            if (errors.Count > 0) return ApiProblem.Manifest(context, errors);
            var now = host.Time.GetUtcNow();
            if (DryRun(context))
            {
                var current = await host.Store.GetResourceAsync(k, name, ct);
                if (!Holds(condition, current)) return PreconditionFailed(context, k, name, current);
                return Results.Json(new ApplyResultJson(true, [new ApplyOutcomeJson(k, name, "valid", current?.Generation ?? 0, null)]), ApiJsonContext.Default.ApplyResultJson);
            }
            if (await query.ApplyIfAsync(SpecSerializer.ToStored(resources[0], now), condition, now, ct) is not { } applied)
            {
                return PreconditionFailed(context, k, name, await host.Store.GetResourceAsync(k, name, ct));
            }
            await ManifestLoader.RecordAsync(host, applied.Resource, applied.Outcome, context.GetApiPrincipal()!.Actor, ct);
            host.Wake();
            var outcome = Outcome(applied.Resource, applied.Outcome);
            context.Response.Headers.ETag = outcome.ETag;
            return Results.Json(new ApplyResultJson(false, [outcome]), ApiJsonContext.Default.ApplyResultJson,
                statusCode: applied.Outcome == ApplyOutcome.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }).RequireRole(ApiRole.Admin).Query("dryRun");

        api.MapDelete("/resources/{kind}/{name}", async (string kind, string name, HttpContext context, CancellationToken ct) =>
        {
            if (KindOf(context, kind) is not { } k) return UnknownKind(context, kind);
            if (Condition(context) is not { } condition) return BadCondition(context);
            var current = await host.Store.GetResourceAsync(k, name, ct);
            if (current is null) return NotFound(context, k.ToLowerInvariant(), name);
            if (!Holds(condition, current)) return PreconditionFailed(context, k, name, current);
            if (await ReferrersAsync(host, k, name, ct) is { Count: > 0 } referrers)
            {
                return ApiProblem.Result(context, 409, RotorReasons.Conflict, $"{k} '{name}' is still referred to; change or delete these first",
                    [.. referrers.Select(e => new ApiFieldError(e.Field, e.Rule, e.Message, null, null, e.File))]);
            }
            if (DryRun(context)) return Results.NoContent();
            if (!await query.DeleteIfAsync(k, name, condition, ct)) return PreconditionFailed(context, k, name, await host.Store.GetResourceAsync(k, name, ct));
            await host.Store.AppendEventAsync(new EventRecord(0, host.Time.GetUtcNow(), k, name, EventType.Normal, RotorReasons.Deleted,
                $"deleted (generation {current.Generation}) by {context.GetApiPrincipal()!.Actor}"), ct);
            host.Wake();
            return Results.NoContent();
        }).RequireRole(ApiRole.Admin).Query("dryRun");
    }

    /// <summary><c>"generation-sha256"</c>: changes whenever the stored spec does, and tells apart a resource deleted and made again.</summary>
    internal static string ETagOf(StoredResource r) => $"\"{r.Generation}-{r.SpecHash}\"";

    private static ResourceJson ResourceView(StoredResource r, bool withSpec) => new(r.Kind, RotorCli.KindOf(r), r.Name, r.Generation, r.SourceFile, r.UpdatedAt, ETagOf(r),
        withSpec ? JsonDocument.Parse(r.SpecJson).RootElement.Clone() : null);

    private static ApplyOutcomeJson Outcome(StoredResource r, ApplyOutcome o) => new(r.Kind, r.Name, o.ToString().ToLowerInvariant(), r.Generation, ETagOf(r));

    private static string? KindOf(HttpContext context, string word) => ResourceKinds.FromUserWord(word);

    private static IResult UnknownKind(HttpContext context, string word) => ApiProblem.Field(context, 404, RotorReasons.NotFound, "kind", "one-of",
        $"kind: '{word}' is not one of {string.Join(", ", ResourceKinds.All.Select(k => k.ToLowerInvariant() + "s"))}");

    private static bool DryRun(HttpContext context) => string.Equals(context.Request.Query["dryRun"], "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>If-Match / If-None-Match as a write condition; null when a header is not one this API gives.</summary>
    private static WriteCondition? Condition(HttpContext context)
    {
        var ifMatch = context.Request.Headers.IfMatch.ToString().Trim();
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString().Trim();
        if (ifNoneMatch.Length > 0) return ifNoneMatch == "*" && ifMatch.Length == 0 ? new WriteCondition.Absent() : null;
        if (ifMatch.Length == 0) return new WriteCondition.None();
        if (ifMatch == "*") return new WriteCondition.Present();
        var tag = ifMatch.Trim('"');
        var dash = tag.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && long.TryParse(tag[..dash], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var g)
            && tag.Length - dash - 1 == 64
            ? new WriteCondition.Version(g, tag[(dash + 1)..])
            : null;
    }

    private static bool Holds(WriteCondition condition, StoredResource? current) => condition switch
    {
        WriteCondition.Absent => current is null,
        WriteCondition.Present => current is not null,
        WriteCondition.Version v => current is not null && current.Generation == v.Generation && current.SpecHash == v.SpecHash,
        _ => true,
    };

    private static IResult BadCondition(HttpContext context) => ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "If-Match", "etag",
        "If-Match: give the ETag of a GET of this resource, or *; If-None-Match: only * (create, never replace)");

    private static IResult PreconditionFailed(HttpContext context, string kind, string name, StoredResource? current)
    {
        if (current is not null) context.Response.Headers.ETag = ETagOf(current);
        return ApiProblem.Field(context, 412, RotorReasons.PreconditionFailed, "If-Match", "etag-current",
            current is null
                ? $"{kind} '{name}' does not exist (it was deleted, or If-Match expected it)"
                : $"{kind} '{name}' is now generation {current.Generation} (ETag {ETagOf(current)}); nothing was changed: read it again, then apply your change to it");
    }

    private static IResult BadManifestBody(HttpContext context) => ApiProblem.Field(context, 413, RotorReasons.InvalidInput, "(body)", "yaml-size",
        $"the body may hold at most {ManifestLimits.MaxFileBytes:N0} bytes of YAML or JSON manifest");

    /// <summary>
    /// The body as a manifest (YAML, or JSON, which is YAML too), bounded as a manifest file is. Its
    /// relative paths resolve against <c>DATA/api/</c>: manifests sent over HTTP should give absolute ones.
    /// </summary>
    private static async Task<(IReadOnlyList<Resource>, List<ManifestError>)?> ParseBodyAsync(RotorHost host, HttpContext context, CancellationToken ct)
    {
        if (context.Request.ContentLength > ManifestLimits.MaxFileBytes) return null;
        using var body = new MemoryStream();
        try
        {
            await CopyBoundedAsync(context.Request.Body, body, ManifestLimits.MaxFileBytes, ct);
        }
        catch (InvalidDataException)
        {
            return null;
        }
        var result = ManifestParser.Parse(body.GetBuffer().AsSpan(0, (int)body.Length), Path.Combine(host.DataDirectory, "api", "request.yaml"));
        return (result.Resources, [.. result.Errors]);
    }

    /// <summary>Stored documents that name <paramref name="kind"/>/<paramref name="name"/> (a deletion would break them).</summary>
    private static async Task<IReadOnlyList<ManifestError>> ReferrersAsync(RotorHost host, string kind, string name, CancellationToken ct)
    {
        if (!ManifestLoader.ReferableKinds.Contains(kind)) return [];
        var referring = kind == ResourceKinds.Notifier ? ResourceKinds.Alerting : ResourceKinds.Certificate;
        var candidates = (await ((IQueryStore)host.Store).FindMentioningAsync(referring, name, ct))
            .Select(r => new Resource(r.Kind, r.Name, SpecSerializer.Deserialize(r.Kind, r.SpecJson), new ResourceSource(r.SourceFile, 0)))
            .ToList();
        return ReferenceValidator.Validate(candidates, (k, n) => !(k == kind && n == name));
    }
}
