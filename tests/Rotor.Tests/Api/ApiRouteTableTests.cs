using System.Net;
using System.Text;
using Rotor.Api;
using Rotor.Api.Auth;

namespace Rotor.Tests.Api;

/// <summary>
/// Every route of the server's own route table, called anonymously and with each role: a route
/// added without a role, or with the wrong one, fails here.
/// </summary>
public sealed class ApiRouteTableTests
{
    /// <summary>The only routes anyone may call without a token (on a loopback listener /metrics too).</summary>
    private static readonly HashSet<string> Open = ["GET /healthz", "GET /readyz", "GET /metrics"];

    /// <summary>Routes whose authorised answer may be a refusal about the resource's state, not the caller.</summary>
    private static readonly Dictionary<string, int[]> StateAnswers = new()
    {
        ["POST /api/v1/certificates/{name}/rollback"] = [409],
        ["GET /readyz"] = [503],
    };

    [Fact]
    public async Task Every_route_answers_anonymous_viewer_operator_and_admin_as_its_role_says()
    {
        await using var api = await ApiServer.StartAsync();
        var routes = api.Server.Routes;
        // The table is the app's; these must be in it, so the test cannot pass on an empty table.
        foreach (var known in new[] { "GET /api/v1/certificates", "GET /api/v1/certificates/{name}", "POST /api/v1/certificates/{name}/rotate",
                     "GET /api/v1/events", "PUT /api/v1/resources/{kind}/{name}", "POST /api/v1/tokens", "GET /api/v1/openapi.json" })
        {
            Assert.Contains(routes, r => $"{r.Method} {r.Pattern}" == known);
        }
        Assert.All(routes.Where(r => r.Pattern.StartsWith(ApiEndpoints.Prefix, StringComparison.Ordinal)), r => Assert.NotNull(r.Role));
        // The dashboard's pages check their own session (a visitor without one is sent to its login;
        // Dashboard/DashboardAccessTests); every other route without a role must be one of the open ones.
        Assert.All(routes.Where(r => r.Role is null && !Rotor.Dashboard.DashboardEndpoints.Routes.Contains($"{r.Method} {r.Pattern}")),
            r => Assert.Contains($"{r.Method} {r.Pattern}", Open));

        var checkedCalls = 0;
        foreach (var route in routes.Where(r => !Rotor.Dashboard.DashboardEndpoints.Routes.Contains($"{r.Method} {r.Pattern}")))
        {
            var key = $"{route.Method} {route.Pattern}";
            foreach (ApiRole? caller in new ApiRole?[] { null, ApiRole.Viewer, ApiRole.Operator, ApiRole.Admin })
            {
                using var http = api.Client(caller);
                using var request = await RequestAsync(api, route, caller);
                using var response = await http.SendAsync(request);
                var status = (int)response.StatusCode;
                var why = $"{key} as {caller?.ToString() ?? "anonymous"}: {status} {await response.Content.ReadAsStringAsync()}";
                if (route.Role is null || caller is { } c && c >= route.Role)
                {
                    Assert.True(status is >= 200 and < 300 || StateAnswers.GetValueOrDefault(key, []).Contains(status), why);
                }
                else if (caller is null)
                {
                    Assert.True(status == 401, why);
                    Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
                    Assert.Equal(ApiProblem.ContentType, response.Content.Headers.ContentType?.MediaType);
                }
                else
                {
                    Assert.True(status == 403, why);
                }
                checkedCalls++;
            }
        }
        Assert.True(checkedCalls >= 4 * 20, $"only {checkedCalls} calls checked");
    }

    [Fact]
    public async Task An_unknown_or_revoked_token_is_refused_as_invalid()
    {
        await using var api = await ApiServer.StartAsync();
        using var forged = new HttpClient { BaseAddress = api.Server.BaseUri };
        forged.DefaultRequestHeaders.Authorization = new("Bearer", "rotor_" + new string('A', 43));
        using var unknown = await forged.GetAsync("api/v1/certificates");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Contains("invalid_token", unknown.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        await api.Host.ApiTokens.RevokeAsync("t-admin", CancellationToken.None);
        using var admin = api.Client(ApiRole.Admin);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync("api/v1/tokens")).StatusCode);
    }

    [Fact]
    public async Task Metrics_need_a_viewer_token_off_loopback_unless_public()
    {
        await using var api = await ApiServer.StartAsync();
        using var anonymous = api.Client(null);
        // Loopback listener: public, as the quickstart and a local Prometheus use it.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("metrics")).StatusCode);
        var route = Assert.Single(api.Server.Routes, r => r.Pattern == "/metrics");
        Assert.Null(route.Role);
    }

    private static async Task<HttpRequestMessage> RequestAsync(ApiServer api, HttpEndpoints.RouteInfo route, ApiRole? caller)
    {
        // A fresh throwaway per call where the call consumes what it names.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var path = route.Pattern.Replace("{kind}", route.Method == "DELETE" ? "endpoints" : "certificates", StringComparison.Ordinal);
        string? body = null;
        if (route.Pattern == "/api/v1/tokens/{name}")
        {
            var name = "gone-" + suffix;
            await api.Host.ApiTokens.CreateAsync(name, ApiRole.Viewer, CancellationToken.None);
            path = path.Replace("{name}", name, StringComparison.Ordinal);
        }
        else if (route.Method == "DELETE" && route.Pattern == "/api/v1/resources/{kind}/{name}")
        {
            var name = "ep-" + suffix;
            await api.Host.Store.ApplyAsync([Rotor.Storage.SpecSerializer.ToStored(Rotor.Core.Resources.ManifestParser.Parse(
                ApiServer.Endpoint.Replace("edge-tls", name, StringComparison.Ordinal), "x.yaml").Resources[0], api.Rotor.Time.GetUtcNow())],
                api.Rotor.Time.GetUtcNow(), CancellationToken.None);
            path = path.Replace("{name}", name, StringComparison.Ordinal);
        }
        else if (route.Pattern == "/api/v1/endpoints/{name}")
        {
            path = path.Replace("{name}", "edge-tls", StringComparison.Ordinal);
        }
        path = path.Replace("{name}", "sip-edge", StringComparison.Ordinal);
        if (route.Pattern == "/api/v1/tokens" && route.Method == "POST") body = $$"""{"name":"new-{{suffix}}","role":"viewer"}""";
        if (route.Pattern.StartsWith("/api/v1/resources", StringComparison.Ordinal) && route.Method is "POST" or "PUT")
        {
            body = Support.Manifests.Certificate("sip-edge");
        }
        var request = new HttpRequestMessage(new HttpMethod(route.Method), path.TrimStart('/'));
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, body.StartsWith('{') ? "application/json" : "application/yaml");
        _ = caller;
        return request;
    }
}
