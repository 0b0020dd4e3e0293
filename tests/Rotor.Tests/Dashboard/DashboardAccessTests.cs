using Rotor.Tests.Support;
using System.Net;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Dashboard;

namespace Rotor.Tests.Dashboard;

/// <summary>Who may see and do what on the dashboard: login, session cookie, form tokens, origins, roles.</summary>
public sealed class DashboardAccessTests(DashboardFixture f) : IClassFixture<DashboardFixture>
{
    private static readonly string[] Anonymous = ["/login", "/static/dashboard.css"];

    [Fact]
    public async Task Every_dashboard_route_sends_a_visitor_without_a_session_to_the_login_page()
    {
        using var client = f.Server.NewClient();
        var checkedRoutes = 0;
        foreach (var route in f.Server.Routes)
        {
            var path = "/" + route.RoutePattern.RawText!.TrimStart('/').Replace("{name}", "sip-edge", StringComparison.Ordinal);
            var methods = route.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method == "POST") request.Content = new FormUrlEncodedContent(new Dictionary<string, string>());
                using var response = await client.SendAsync(request);
                if (Anonymous.Contains(path))
                {
                    Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Forbidden, $"{method} {path}: {response.StatusCode}");
                    continue;
                }
                Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"{method} {path} without a session answered {response.StatusCode}");
                Assert.StartsWith("/login", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
                checkedRoutes++;
            }
        }
        // The inventory, a certificate, three confirmations and three actions, events, endpoints, alerts, logout.
        Assert.True(checkedRoutes >= 12, $"only {checkedRoutes} routes checked");
        // The list the API's route table defers to is the dashboard's real one.
        Assert.Equal(DashboardEndpoints.Routes.Order(), f.Server.Routes.SelectMany(r =>
            (r.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} /{r.RoutePattern.RawText!.TrimStart('/')}")).Order());
        // Nothing was done by the anonymous posts (no test of this class rotates).
        Assert.DoesNotContain(await f.Host.Store.ListEventsAsync(ResourceKinds.Certificate, "sip-edge", 100, default), e => e.Reason == RotorReasons.RotateRequested);
    }

    [Fact]
    public async Task A_login_page_then_the_inventory_after_logging_in_and_the_next_page_is_kept()
    {
        using var client = f.Server.NewClient();
        var login = await client.GetAsync("/certificates/sip-edge");
        Assert.Equal("/login?next=%2Fcertificates%2Fsip-edge", login.Headers.Location!.OriginalString);
        var response = await DashboardServer.PostLoginAsync(client, DashboardFixture.Viewer, "/certificates/sip-edge");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/certificates/sip-edge", response.Headers.Location!.OriginalString);
        var page = await client.GetStringAsync("/certificates/sip-edge");
        Assert.Contains("id=\"certificate-name\">sip-edge<", page, StringComparison.Ordinal);
        Assert.Contains("<strong id=\"who\">view</strong>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_gets_no_session()
    {
        using var client = f.Server.NewClient();
        var response = await DashboardServer.PostLoginAsync(client, "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var c) ? c : [], v => v.StartsWith(DashboardSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.SeeOther, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_login_post_without_its_form_token_or_from_another_site_is_refused()
    {
        using var client = f.Server.NewClient();
        await client.GetStringAsync("/login");
        var bare = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = DashboardFixture.Operator }));
        Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);

        using var other = f.Server.NewClient();
        var page = await other.GetStringAsync("/login");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["form"] = System.Text.RegularExpressions.Regex.Match(page, "name=\"form\" value=\"([^\"]+)\"").Groups[1].Value,
                ["token"] = DashboardFixture.Operator,
            }),
        };
        request.Headers.Add("Origin", "https://attacker.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await other.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await other.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_SameSite_Strict_and_holds_a_random_id_not_the_token()
    {
        using var client = f.Server.NewClient();
        var response = await DashboardServer.PostLoginAsync(client, DashboardFixture.Operator);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), v => v.StartsWith(DashboardSessions.CookieName + "=", StringComparison.Ordinal));
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries);
        Assert.Contains("httponly", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("path=/", attributes, StringComparer.OrdinalIgnoreCase);
        // Plain HTTP on loopback here: a Secure cookie would never come back; over HTTPS it is Secure (next test).
        Assert.DoesNotContain("secure", attributes, StringComparer.OrdinalIgnoreCase);
        var id = attributes[0][(DashboardSessions.CookieName.Length + 1)..];
        Assert.DoesNotContain(DashboardFixture.Operator, cookie, StringComparison.Ordinal);
        Assert.True(id.Length >= 43, "32 random bytes");
        Assert.Equal("ops", f.Server.Sessions.Find(id)!.Principal.TokenName);
    }

    [Fact]
    public void Over_HTTPS_the_session_cookie_is_Secure()
    {
        var https = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        https.Request.Scheme = "https";
        var options = DashboardEndpoints.CookieOptions(https, null);
        Assert.True(options.Secure);
        Assert.True(options.HttpOnly);
        Assert.Equal(Microsoft.AspNetCore.Http.SameSiteMode.Strict, options.SameSite);
        Assert.False(DashboardEndpoints.CookieOptions(new Microsoft.AspNetCore.Http.DefaultHttpContext(), null).Secure);
    }

    [Fact]
    public async Task Logging_out_ends_the_session_on_the_server()
    {
        using var client = await f.Server.LoginAsync(DashboardFixture.Viewer);
        var page = await client.GetStringAsync("/");
        var logout = await client.PostAsync("/logout", Form(DashboardServer.CsrfOf(page)));
        Assert.Equal(HttpStatusCode.SeeOther, logout.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task An_action_post_without_the_form_token_with_a_wrong_one_or_from_another_site_is_refused_and_nothing_happens()
    {
        using var client = await f.Server.LoginAsync(DashboardFixture.Operator);
        var confirm = await client.GetStringAsync("/certificates/sip-edge/rotate");
        var csrf = DashboardServer.CsrfOf(confirm);
        Assert.NotEmpty(csrf);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/certificates/sip-edge/rotate", Form(null))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/certificates/sip-edge/rotate", Form("x" + csrf))).StatusCode);
        foreach (var (header, value) in new[] { ("Origin", "https://attacker.example"), ("Origin", "null"), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-site") })
        {
            using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/certificates/sip-edge/rotate") { Content = Form(csrf) };
            crossSite.Headers.Add(header, value);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(crossSite)).StatusCode);
        }
        // Another session's form token is no good either.
        using var other = await f.Server.LoginAsync(DashboardFixture.Operator);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsync("/certificates/sip-edge/rotate", Form(csrf))).StatusCode);

        // No test of this class rotates: any rotation request would be one of these posts.
        Assert.DoesNotContain(await f.Host.Store.ListEventsAsync(ResourceKinds.Certificate, "sip-edge", 100, default), e => e.Reason == RotorReasons.RotateRequested);
    }

    [Fact]
    public async Task A_viewer_sees_no_actions_and_its_posts_are_refused()
    {
        using var client = await f.Server.LoginAsync(DashboardFixture.Viewer);
        var page = await client.GetStringAsync("/certificates/sip-edge");
        Assert.DoesNotContain("id=\"action-rotate\"", page, StringComparison.Ordinal);
        var post = await client.PostAsync("/certificates/sip-edge/renew", Form(DashboardServer.CsrfOf(page)));
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.DoesNotContain(await f.Host.Store.ListEventsAsync(ResourceKinds.Certificate, "sip-edge", 100, default), e => e.Message.Contains("token view", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_operator_renews_after_confirming_and_the_audit_log_names_the_token()
    {
        using var client = await f.Server.LoginAsync(DashboardFixture.Operator);
        var confirm = await client.GetStringAsync("/certificates/sip-edge/renew");
        Assert.Contains("id=\"confirm\"", confirm, StringComparison.Ordinal);
        var post = await client.PostAsync("/certificates/sip-edge/renew", Form(DashboardServer.CsrfOf(confirm)));
        Assert.Equal(HttpStatusCode.SeeOther, post.StatusCode);
        Assert.Equal("/certificates/sip-edge?done=renew", post.Headers.Location!.OriginalString);
        var e = Assert.Single(await f.Host.Store.ListEventsAsync(ResourceKinds.Certificate, "sip-edge", 100, default), e => e.Reason == RotorReasons.RenewRequested);
        Assert.Equal("manual renewal requested by token ops (dashboard)", e.Message);
        Assert.True((await f.Host.Store.GetStatusAsync("sip-edge", default))!.RenewRequested);
    }

    [Fact]
    public async Task A_rollback_with_nothing_to_roll_back_says_so_and_still_records_who_asked()
    {
        using var client = await f.Server.LoginAsync(DashboardFixture.Operator);
        var confirm = await client.GetStringAsync("/certificates/sip-edge/rollback");
        var post = await client.PostAsync("/certificates/sip-edge/rollback", Form(DashboardServer.CsrfOf(confirm)));
        Assert.Equal(HttpStatusCode.Conflict, post.StatusCode);
        Assert.Contains("no earlier version", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(await f.Host.Store.ListEventsAsync(ResourceKinds.Certificate, "sip-edge", 100, default),
            e => e.Reason == RotorReasons.RollbackRequested && e.Message == "rollback requested by token ops (dashboard)");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/certificates/sip-edge")]
    [InlineData("/events")]
    [InlineData("/login")]
    public async Task Pages_carry_the_security_headers(string path)
    {
        using var client = await f.Server.LoginAsync(DashboardFixture.Viewer);
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        Assert.DoesNotContain("<script", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/x", "/x")]
    [InlineData("/certificates/a?b=c", "/certificates/a?b=c")]
    [InlineData("//attacker.example/", "/")]
    [InlineData("/\\attacker.example", "/")]
    [InlineData("https://attacker.example/", "/")]
    [InlineData("", "/")]
    [InlineData(null, "/")]
    public void After_the_login_only_a_path_on_this_site_is_followed(string? next, string expected) =>
        Assert.Equal(expected, LoginPage.SafeNext(next));

    internal static FormUrlEncodedContent Form(string? csrf) =>
        new(csrf is null ? new Dictionary<string, string> { ["other"] = "x" } : new Dictionary<string, string> { ["csrf"] = csrf });
}
