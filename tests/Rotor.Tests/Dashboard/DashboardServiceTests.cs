using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Rotor.Api;
using Rotor.Api.Auth;
using Rotor.Tests.Support;

namespace Rotor.Tests.Dashboard;

/// <summary>The dashboard as `rotor run` serves it: API tokens log in, and the session is the dashboard's alone.</summary>
public sealed class DashboardServiceTests
{
    [Fact]
    public async Task Api_tokens_log_in_by_role_and_the_session_cookie_does_not_open_the_API()
    {
        using var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", manifest)).Code);
        await using var host = await rotor.OpenHostAsync();
        var operatorToken = await host.ApiTokens.CreateAsync("alice", ApiRole.Operator, default);
        var viewerToken = await host.ApiTokens.CreateAsync("bob", ApiRole.Viewer, default);
        using var loggers = LoggerFactory.Create(_ => { });
        await using var server = await HttpEndpoints.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), host, null, loggers, new HttpServeOptions(), default);
        HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = server.BaseUri };

        using var anonymous = Client();
        Assert.Equal(HttpStatusCode.SeeOther, (await anonymous.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/login")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await DashboardServer.PostLoginAsync(anonymous, "rotor_not-a-token")).StatusCode);

        using var alice = Client();
        Assert.Equal(HttpStatusCode.SeeOther, (await DashboardServer.PostLoginAsync(alice, operatorToken)).StatusCode);
        var page = await alice.GetStringAsync("/certificates/sip-edge");
        Assert.Contains("<strong id=\"who\">alice</strong> (operator)", page, StringComparison.Ordinal);
        Assert.Contains("id=\"action-rotate\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain(operatorToken, page, StringComparison.Ordinal);
        // The cookie is not a credential for the API (else another site's form could act through it).
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.GetAsync("/api/v1/tokens")).StatusCode);

        using var bob = Client();
        Assert.Equal(HttpStatusCode.SeeOther, (await DashboardServer.PostLoginAsync(bob, viewerToken)).StatusCode);
        var viewerPage = await bob.GetStringAsync("/certificates/sip-edge");
        Assert.Contains("(viewer)", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"action-rotate\"", viewerPage, StringComparison.Ordinal);

        // A bearer token does not open the dashboard either: it has its own login.
        using var bearer = Client();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
        Assert.Equal(HttpStatusCode.SeeOther, (await bearer.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_revoked_token_ends_its_dashboard_sessions_at_their_next_request()
    {
        using var rotor = new TestRotor();
        var manifest = rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        Assert.Equal(0, (await rotor.RunAsync("apply", "-f", manifest)).Code);
        await using var host = await rotor.OpenHostAsync();
        var token = await host.ApiTokens.CreateAsync("carol", ApiRole.Operator, default);
        var other = await host.ApiTokens.CreateAsync("dave", ApiRole.Viewer, default);
        using var loggers = LoggerFactory.Create(_ => { });
        await using var server = await HttpEndpoints.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), host, null, loggers, new HttpServeOptions(), default);
        HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = server.BaseUri };

        using var carol = Client();
        using var dave = Client();
        Assert.Equal(HttpStatusCode.SeeOther, (await DashboardServer.PostLoginAsync(carol, token)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await DashboardServer.PostLoginAsync(dave, other)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await carol.GetAsync("/")).StatusCode);

        // Revoked through the store, as `rotor token revoke` in another process does.
        Assert.True(await host.ApiTokens.RevokeAsync("carol", default));
        var after = await carol.GetAsync("/certificates/sip-edge");
        Assert.Equal(HttpStatusCode.SeeOther, after.StatusCode);
        Assert.StartsWith("/login", after.Headers.Location!.OriginalString, StringComparison.Ordinal);
        // A new token under the same name does not bring the old session back.
        await host.ApiTokens.CreateAsync("carol", ApiRole.Operator, default);
        Assert.Equal(HttpStatusCode.SeeOther, (await carol.GetAsync("/")).StatusCode);
        // Other sessions are untouched.
        Assert.Equal(HttpStatusCode.OK, (await dave.GetAsync("/")).StatusCode);
    }
}
