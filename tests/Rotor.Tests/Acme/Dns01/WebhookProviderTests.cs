using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Rotor.Acme.Challenges.Dns01;
using Rotor.Acme.Transport;

namespace Rotor.Tests.Acme.Dns01;

public sealed class WebhookProviderTests : IAsyncDisposable
{
    private readonly MiniHttpServer _server = new();
    private readonly CancellationTokenSource _bound = new(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _bound.Dispose();
    }

    private Uri Endpoint => new(_server.BaseUri, "api/");

    private static Dictionary<string, string> Json(MiniHttpServer.Request r) => JsonSerializer.Deserialize<Dictionary<string, string>>(r.Body)!;

    [Fact]
    public async Task Present_and_cleanup_post_fqdn_and_value_with_basic_auth()
    {
        var provider = new WebhookProvider(new WebhookProviderOptions { Endpoint = Endpoint, Username = "lego", Password = "pa55" });
        await provider.AddTxtAsync("_acme-challenge.a.example.test", "example.test.", "the-value", _bound.Token);
        await provider.RemoveTxtAsync("_acme-challenge.a.example.test.", "example.test.", "the-value", _bound.Token);

        var requests = _server.Requests.ToArray();
        Assert.Equal(["POST /api/present", "POST /api/cleanup"], requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.All(requests, r => Assert.Equal(new Dictionary<string, string> { ["fqdn"] = "_acme-challenge.a.example.test.", ["value"] = "the-value" }, Json(r)));
        Assert.All(requests, r => Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("lego:pa55")), r.Headers["Authorization"]));
        Assert.StartsWith("application/json", requests[0].Headers["Content-Type"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_mode_posts_domain_token_and_key_authorization_with_a_bearer_token()
    {
        var provider = new WebhookProvider(new WebhookProviderOptions { Endpoint = new Uri(_server.BaseUri, "hook"), Mode = Dns01HookMode.Raw, BearerToken = "b34r3r" });
        await provider.PresentRawAsync("example.test", "tok", "tok.thumb", _bound.Token);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/hook/present", request.Path);
        Assert.Equal(new Dictionary<string, string> { ["domain"] = "example.test", ["token"] = "tok", ["keyAuth"] = "tok.thumb" }, Json(request));
        Assert.Equal("Bearer b34r3r", request.Headers["Authorization"]);
    }

    [Fact]
    public async Task Server_errors_are_reported_with_status_and_body_without_echoed_secrets()
    {
        _server.Respond = r => (503, "backend down; you sent " + r.Headers["Authorization"] + " and pa55word");
        var provider = new WebhookProvider(new WebhookProviderOptions { Endpoint = Endpoint, Username = "u", Password = "pa55word" });
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", _bound.Token));
        Assert.StartsWith($"webhook POST {_server.BaseUri}api/present (_acme-challenge.a.example.test.) answered 503", e.Message, StringComparison.Ordinal);
        Assert.Contains("backend down", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pa55word", e.Message, StringComparison.Ordinal);
        Assert.True(e.IsTransient);
        Assert.Equal(Dns01Causes.Webhook, e.ProblemType);
    }

    [Fact]
    public async Task Client_errors_are_final()
    {
        _server.Respond = _ => (403, "forbidden");
        var provider = new WebhookProvider(new WebhookProviderOptions { Endpoint = Endpoint });
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", _bound.Token));
        Assert.False(e.IsTransient);
        Assert.EndsWith("answered 403 X: forbidden", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out()
    {
        _server.Respond = _ => null;
        var time = new FakeTimeProvider();
        var provider = new WebhookProvider(new WebhookProviderOptions { Endpoint = Endpoint, Timeout = TimeSpan.FromSeconds(30) }, timeProvider: time);
        var run = provider.AddTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", _bound.Token);
        await _server.Arrived.WaitAsync(_bound.Token);
        time.Advance(TimeSpan.FromSeconds(31));
        var e = await Assert.ThrowsAsync<AcmeException>(() => run.WaitAsync(_bound.Token));
        Assert.EndsWith("did not answer within 30s", e.Message, StringComparison.Ordinal);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task A_closed_port_is_a_transient_error()
    {
        var provider = new WebhookProvider(new WebhookProviderOptions { Endpoint = new Uri("http://127.0.0.1:1/") });
        var e = await Assert.ThrowsAsync<AcmeException>(() => provider.AddTxtAsync("_acme-challenge.a.example.test.", "example.test.", "v", _bound.Token));
        Assert.StartsWith("webhook POST http://127.0.0.1:1/present (_acme-challenge.a.example.test.) failed:", e.Message, StringComparison.Ordinal);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public void Credentials_stay_out_of_ToString()
    {
        var withUserInfo = new WebhookProvider(new WebhookProviderOptions { Endpoint = new Uri("https://user:urlpass@hooks.example/api"), Password = "pa55", BearerToken = null, Username = "u" });
        var bearer = new WebhookProvider(new WebhookProviderOptions { Endpoint = new Uri("https://hooks.example/api"), BearerToken = "b34r3r" });
        Assert.Equal("webhook https://hooks.example/api", withUserInfo.ToString());
        Assert.DoesNotContain("b34r3r", bearer.ToString(), StringComparison.Ordinal);
        Assert.Throws<AcmeException>(() => new WebhookProvider(new WebhookProviderOptions { Endpoint = new Uri("https://h/"), BearerToken = "b", Password = "p" }));
    }
}
