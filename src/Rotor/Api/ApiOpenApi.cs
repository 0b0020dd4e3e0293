using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Rotor.Api.Auth;

namespace Rotor.Api;

/// <summary>The query parameters a route reads (endpoint metadata, for the OpenAPI document).</summary>
public sealed record ApiQueryParameters(IReadOnlyList<string> Names);

/// <summary>
/// The OpenAPI 3.1 document of the operator API, built from the app's own route table (methods,
/// patterns and their parameters, the role each route needs, its query parameters), so it cannot
/// drift from the code. Built by hand with a JSON writer rather than by Microsoft.AspNetCore.OpenApi:
/// no reflection, nothing for the Native AOT publish to warn about. A test compares it with
/// <c>docs/openapi.json</c>.
/// </summary>
public static class ApiOpenApi
{
    public const string Path = "/openapi.json";

    public static TBuilder Query<TBuilder>(this TBuilder builder, params string[] names) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiQueryParameters(names));

    public static void Map(RouteGroupBuilder api, WebApplication app)
    {
        string? document = null;
        api.MapGet(Path, () => Results.Text(document ??= Build(app), "application/json")).RequireRole(ApiRole.Viewer);
    }

    public static string Build(WebApplication app)
    {
        var endpoints = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => ("/" + e.RoutePattern.RawText?.TrimStart('/')).StartsWith(ApiEndpoints.Prefix, StringComparison.Ordinal))
            .DistinctBy(e => (Method(e), e.RoutePattern.RawText))
            .OrderBy(e => e.RoutePattern.RawText, StringComparer.Ordinal)
            .ToList();
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("openapi", "3.1.0");
            w.WriteStartObject("info");
            w.WriteString("title", "Rotor operator API");
            w.WriteString("version", "v1");
            w.WriteString("description", "Bearer tokens (rotor token create NAME --role viewer|operator|admin). Errors are RFC 9457 problem+json naming the field and rule.");
            w.WriteEndObject();
            w.WriteStartArray("security");
            w.WriteStartObject();
            w.WriteStartArray("bearer");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("components");
            w.WriteStartObject("securitySchemes");
            w.WriteStartObject("bearer");
            w.WriteString("type", "http");
            w.WriteString("scheme", "bearer");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("paths");
            foreach (var group in endpoints.GroupBy(e => "/" + e.RoutePattern.RawText!.TrimStart('/')))
            {
                w.WriteStartObject(group.Key);
                foreach (var e in group.OrderBy(e => Method(e), StringComparer.Ordinal))
                {
                    WriteOperation(w, e, group.Key);
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string Method(RouteEndpoint e) => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.FirstOrDefault() ?? "GET";

    private static void WriteOperation(Utf8JsonWriter w, RouteEndpoint e, string path)
    {
        var method = Method(e);
        var role = ApiAuthorization.RequiredRole(e);
        w.WriteStartObject(method.ToLowerInvariant());
        w.WriteString("operationId", OperationId(method, path));
        w.WriteString("x-rotor-role", role?.ToString().ToLowerInvariant() ?? "anonymous");
        w.WriteStartArray("parameters");
        foreach (var p in e.RoutePattern.Parameters)
        {
            Parameter(w, p.Name, "path", required: true);
        }
        foreach (var q in e.Metadata.GetMetadata<ApiQueryParameters>()?.Names ?? [])
        {
            Parameter(w, q, "query", required: false);
        }
        if (method is "PUT" or "DELETE" && path.EndsWith("{name}", StringComparison.Ordinal) && path.Contains("/resources/", StringComparison.Ordinal))
        {
            Parameter(w, "If-Match", "header", required: false);
            if (method == "PUT") Parameter(w, "If-None-Match", "header", required: false);
        }
        w.WriteEndArray();
        w.WriteStartObject("responses");
        foreach (var (code, text) in new[] { ("2XX", "done"), ("401", "no token, or an unknown or revoked one"), ("403", "the token's role is too low") })
        {
            w.WriteStartObject(code);
            w.WriteString("description", text);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Parameter(Utf8JsonWriter w, string name, string where, bool required)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("in", where);
        w.WriteBoolean("required", required);
        w.WriteStartObject("schema");
        w.WriteString("type", "string");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string OperationId(string method, string path)
    {
        var sb = new StringBuilder(method.ToLowerInvariant());
        foreach (var part in path[ApiEndpoints.Prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var word = part.Trim('{', '}').Replace(".json", "", StringComparison.Ordinal);
            if (word.Length == 0) continue;
            sb.Append(part.StartsWith('{') ? "By" : "").Append(char.ToUpperInvariant(word[0])).Append(word[1..]);
        }
        return sb.ToString();
    }
}
