using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Rotor.Api.Auth;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Tests.Support;

namespace Rotor.Tests.Api;

public sealed class ApiResourceTests
{
    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    [Fact]
    public async Task Two_applies_with_the_same_etag_one_wins_the_other_gets_412_and_nothing_is_lost()
    {
        await using var api = await ApiServer.StartAsync();
        using var admin = api.Client(ApiRole.Admin);
        using var get = await admin.GetAsync("api/v1/resources/certificates/sip-edge");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var etag = get.Headers.ETag!.ToString();

        var editA = Manifests.Certificate("sip-edge", dnsNames: "[sip.example.test, a.example.test]");
        var editB = Manifests.Certificate("sip-edge", dnsNames: "[sip.example.test, b.example.test]");
        async Task<HttpResponseMessage> PutAsync(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, "api/v1/resources/certificates/sip-edge") { Content = Yaml(body) };
            request.Headers.TryAddWithoutValidation("If-Match", etag);
            return await admin.SendAsync(request);
        }
        var answers = await Task.WhenAll(PutAsync(editA), PutAsync(editB));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], answers.Select(a => a.StatusCode).Order());
        var loser = answers.Single(a => a.StatusCode == HttpStatusCode.PreconditionFailed);
        var problem = await loser.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("application/problem+json", loser.Content.Headers.ContentType?.MediaType);
        Assert.Equal("If-Match", problem.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal("etag-current", problem.GetProperty("errors")[0].GetProperty("rule").GetString());

        // The winner's edit is stored whole; the loser re-reads the new version and applies on top of it.
        var winnerName = answers[0].StatusCode == HttpStatusCode.OK ? "a.example.test" : "b.example.test";
        var loserName = winnerName == "a.example.test" ? "b.example.test" : "a.example.test";
        using var after = await admin.GetAsync("api/v1/resources/certificates/sip-edge");
        Assert.Contains(winnerName, await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(loser.Headers.ETag!.ToString(), after.Headers.ETag!.ToString());
        etag = after.Headers.ETag!.ToString();
        using var retry = await PutAsync(Manifests.Certificate("sip-edge", dnsNames: $"[sip.example.test, {winnerName}, {loserName}]"));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var stored = await api.Host.Store.GetResourceAsync(ResourceKinds.Certificate, "sip-edge", CancellationToken.None);
        Assert.Contains(winnerName, stored!.SpecJson, StringComparison.Ordinal);
        Assert.Contains(loserName, stored.SpecJson, StringComparison.Ordinal);
        Assert.Equal(3, stored.Generation);
        foreach (var a in answers) a.Dispose();
    }

    [Fact]
    public async Task A_bad_manifest_is_a_problem_naming_field_and_rule_and_a_dry_run_stores_nothing()
    {
        await using var api = await ApiServer.StartAsync();
        using var admin = api.Client(ApiRole.Admin);
        using var bad = await admin.PostAsync("api/v1/resources", Yaml(Manifests.Certificate("broken").Replace("issuerRef: {name: local}", "issuerRef: {name: nowhere}", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        var error = problem.GetProperty("errors")[0];
        Assert.Equal("spec.issuerRef.name", error.GetProperty("field").GetString());
        Assert.Equal("issuer-exists", error.GetProperty("rule").GetString());
        Assert.Equal(RotorReasons.ValidationFailed, problem.GetProperty("reason").GetString());

        using var dry = await admin.PostAsync("api/v1/resources?dryRun=true", Yaml(Manifests.Certificate("new-one")));
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        Assert.Null(await api.Host.Store.GetResourceAsync(ResourceKinds.Certificate, "new-one", CancellationToken.None));

        using var real = await admin.PostAsync("api/v1/resources", Yaml(Manifests.Certificate("new-one")));
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        var applied = Assert.Single(await api.Host.Store.ListEventsAsync(ResourceKinds.Certificate, "new-one", 5, CancellationToken.None));
        Assert.EndsWith("by token t-admin", applied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_honours_if_match_and_refuses_a_resource_still_referred_to()
    {
        await using var api = await ApiServer.StartAsync();
        using var admin = api.Client(ApiRole.Admin);
        using var referred = await admin.DeleteAsync("api/v1/resources/issuers/local");
        Assert.Equal(HttpStatusCode.Conflict, referred.StatusCode);
        Assert.Contains("sip-edge", await referred.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var stale = new HttpRequestMessage(HttpMethod.Delete, "api/v1/resources/endpoints/edge-tls");
        stale.Headers.TryAddWithoutValidation("If-Match", "\"7-" + new string('0', 64) + "\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await admin.SendAsync(stale)).StatusCode);
        Assert.NotNull(await api.Host.Store.GetResourceAsync(ResourceKinds.Endpoint, "edge-tls", CancellationToken.None));

        var etag = (await admin.GetAsync("api/v1/resources/endpoints/edge-tls")).Headers.ETag!.ToString();
        using var current = new HttpRequestMessage(HttpMethod.Delete, "api/v1/resources/endpoints/edge-tls");
        current.Headers.TryAddWithoutValidation("If-Match", etag);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(current)).StatusCode);
        Assert.Null(await api.Host.Store.GetResourceAsync(ResourceKinds.Endpoint, "edge-tls", CancellationToken.None));
        var deleted = Assert.Single(await api.Host.Store.ListEventsAsync(ResourceKinds.Endpoint, "edge-tls", 5, CancellationToken.None), e => e.Reason == RotorReasons.Deleted);
        Assert.Contains("by token t-admin", deleted.Message, StringComparison.Ordinal);
    }
}
