using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rotor.Api.Auth;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Tests.Api;

public sealed class ApiReadTests
{
    [Fact]
    public async Task Certificates_page_through_the_next_links_without_loss_or_repeat()
    {
        await using var api = await ApiServer.StartAsync(certificates: 23);
        using var viewer = api.Client(ApiRole.Viewer);
        var names = new List<string>();
        string? next = "api/v1/certificates?limit=5";
        var pages = 0;
        while (next is not null)
        {
            var page = await viewer.GetFromJsonAsync<JsonElement>(next.TrimStart('/'));
            names.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!));
            next = page.TryGetProperty("next", out var n) ? n.GetString() : null;
            pages++;
        }
        Assert.Equal(5, pages);
        Assert.Equal(23, names.Count);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(23, names.Distinct().Count());

        var filtered = await viewer.GetFromJsonAsync<JsonElement>("api/v1/certificates?q=cert-001&status=ready");
        Assert.Equal(["cert-0010", "cert-0011", "cert-0012", "cert-0013", "cert-0014", "cert-0015", "cert-0016", "cert-0017", "cert-0018", "cert-0019"],
            filtered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        using var bad = await viewer.GetAsync("api/v1/certificates?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("limit", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_certificate_is_described_as_the_cli_does_and_actions_are_audited_with_the_token_name()
    {
        await using var api = await ApiServer.StartAsync();
        using var op = api.Client(ApiRole.Operator);
        var view = await op.GetFromJsonAsync<JsonElement>("api/v1/certificates/sip-edge");
        var cli = await api.Rotor.RunAsync("describe", "certificate", "sip-edge", "-o", "json");
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(cli.Out).RootElement.GetProperty("versions")), JsonSerializer.Serialize(view.GetProperty("versions")));
        Assert.Equal(1, view.GetProperty("versions").GetArrayLength());
        Assert.True(view.GetProperty("ready").GetBoolean());

        using var rotate = await op.PostAsync("api/v1/certificates/sip-edge/rotate", null);
        Assert.Equal(HttpStatusCode.Accepted, rotate.StatusCode);
        var status = await api.Host.Store.GetStatusAsync("sip-edge", CancellationToken.None);
        Assert.True(status!.RenewRequested);
        var events = await op.GetFromJsonAsync<JsonElement>("api/v1/events?certificate=sip-edge&reason=RotateRequested");
        Assert.Equal("manual rotation requested by token t-operator", events.GetProperty("items")[0].GetProperty("message").GetString());

        using var missing = await op.PostAsync("api/v1/certificates/nope/renew", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Events_filter_by_type_and_since_and_page_newest_first()
    {
        await using var api = await ApiServer.StartAsync();
        var at = api.Rotor.Time.GetUtcNow();
        for (var i = 0; i < 7; i++)
        {
            await api.Host.Store.AppendEventAsync(new EventRecord(0, at.AddMinutes(i + 1), ResourceKinds.Certificate, "sip-edge",
                i % 2 == 0 ? EventType.Warning : EventType.Normal, "Test", $"event {i}"), CancellationToken.None);
        }
        using var viewer = api.Client(ApiRole.Viewer);
        var first = await viewer.GetFromJsonAsync<JsonElement>("api/v1/events?type=warning&limit=3&reason=Test");
        Assert.Equal(["event 6", "event 4", "event 2"], first.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("message").GetString()));
        var second = await viewer.GetFromJsonAsync<JsonElement>(first.GetProperty("next").GetString()!.TrimStart('/'));
        Assert.Equal(["event 0"], second.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("message").GetString()));
        var since = Uri.EscapeDataString(at.AddMinutes(5).ToString("O"));
        var recent = await viewer.GetFromJsonAsync<JsonElement>($"api/v1/events?reason=Test&since={since}");
        Assert.Equal(3, recent.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Tokens_never_appear_in_logs_or_responses_after_creation()
    {
        await using var api = await ApiServer.StartAsync();
        using var admin = api.Client(ApiRole.Admin);
        using var created = await admin.PostAsJsonAsync("api/v1/tokens", new { name = "ci", role = "operator" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        Assert.StartsWith("rotor_", token, StringComparison.Ordinal);

        using var ci = new HttpClient { BaseAddress = api.Server.BaseUri };
        ci.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var bodies = new List<string>();
        foreach (var path in new[] { "api/v1/tokens", "api/v1/events?limit=500", "api/v1/certificates", "api/v1/certificates/sip-edge", "api/v1/openapi.json", "metrics" })
        {
            bodies.Add(await (await admin.GetAsync(path)).Content.ReadAsStringAsync());
            using var asCi = await ci.GetAsync(path);
            bodies.Add(await asCi.Content.ReadAsStringAsync());
            bodies.Add(asCi.Headers.ToString());
        }
        bodies.Add(await (await ci.PostAsync("api/v1/certificates/sip-edge/renew", null)).Content.ReadAsStringAsync());
        bodies.Add(await (await admin.DeleteAsync("api/v1/tokens/ci")).Content.ReadAsStringAsync());
        using var revoked = await ci.GetAsync("api/v1/certificates");
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        bodies.Add(await revoked.Content.ReadAsStringAsync());

        Assert.Contains("\"ci\"", bodies[0], StringComparison.Ordinal);
        var cliList = await api.Rotor.RunAsync("token", "list", "-o", "json");
        var everything = string.Join("\n", bodies) + api.Logs + cliList.Out + cliList.Err;
        Assert.Contains("t-admin", everything, StringComparison.Ordinal);
        foreach (var secret in api.Tokens.Values.Append(token))
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(secret["rotor_".Length..][..16], everything, StringComparison.Ordinal);
            Assert.DoesNotContain(ApiTokens.Hash(secret), everything, StringComparison.Ordinal);
        }
    }
}
