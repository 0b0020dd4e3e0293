using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rotor.Api.Auth;
using Rotor.Core.Abstractions;

namespace Rotor.Api;

public static partial class ApiEndpoints
{
    private static void MapTokens(RouteGroupBuilder api, RotorHost host)
    {
        api.MapGet("/tokens", async (CancellationToken ct) =>
            Results.Json(await host.ApiTokens.ListAsync(ct), ApiJsonContext.Default.IReadOnlyListApiTokenInfo)).RequireRole(ApiRole.Admin);

        api.MapPost("/tokens", async (HttpContext context, CancellationToken ct) =>
        {
            if (await ReadJsonAsync(context, ApiJsonContext.Default.TokenCreateRequest, ct) is not { } request) return BadJson(context);
            if (request.Name is null) return ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "name", "required", "name: required");
            if (ApiTokens.CheckName(request.Name) is { } bad) return ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "name", "token-name", bad);
            if (ApiTokens.ParseRole(request.Role) is not { } role)
            {
                return ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "role", "one-of", "role: must be viewer, operator or admin");
            }
            try
            {
                var token = await host.ApiTokens.CreateAsync(request.Name, role, context.GetApiPrincipal()!.Actor, ct);
                context.Response.Headers.CacheControl = "no-store";
                return Results.Json(new TokenCreatedJson(request.Name, role.ToString().ToLowerInvariant(), token), ApiJsonContext.Default.TokenCreatedJson,
                    statusCode: StatusCodes.Status201Created);
            }
            catch (RotorException e) when (e.Reason == RotorReasons.Conflict)
            {
                return ApiProblem.Field(context, 409, RotorReasons.Conflict, "name", "unique-name", e.Message);
            }
        }).RequireRole(ApiRole.Admin);

        api.MapDelete("/tokens/{name}", async (string name, HttpContext context, CancellationToken ct) =>
            await host.ApiTokens.RevokeAsync(name, context.GetApiPrincipal()!.Actor, ct)
                ? Results.NoContent()
                : ApiProblem.Field(context, 404, RotorReasons.NotFound, "name", "exists", $"no token named '{name}' that is not revoked")).RequireRole(ApiRole.Admin);
    }

    /// <summary>Reads a bounded JSON body; null when it is not JSON of that shape.</summary>
    private static async Task<T?> ReadJsonAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct) where T : class
    {
        if (context.Request.ContentLength > MaxJsonBody) return null;
        try
        {
            using var bounded = new MemoryStream();
            await CopyBoundedAsync(context.Request.Body, bounded, MaxJsonBody, ct);
            bounded.Position = 0;
            return await System.Text.Json.JsonSerializer.DeserializeAsync(bounded, type, ct);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            return null;
        }
    }

    private const int MaxJsonBody = 64 * 1024;

    /// <summary>Copies at most <paramref name="limit"/> bytes; more is <see cref="InvalidDataException"/>.</summary>
    private static async Task CopyBoundedAsync(Stream from, Stream to, int limit, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > limit) throw new InvalidDataException($"body larger than {limit} bytes");
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
        }
    }

    private static IResult BadJson(HttpContext context) =>
        ApiProblem.Field(context, 400, RotorReasons.InvalidInput, "(body)", "json", $"the body must be a JSON object of at most {MaxJsonBody} bytes");
}
