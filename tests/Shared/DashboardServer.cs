using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Rotor.Dashboard;

namespace Rotor.Tests.Support;

/// <summary>
/// The dashboard of a <see cref="RotorHost"/> on Kestrel at 127.0.0.1 (a free port), with tokens
/// the test chooses (name → principal), and HTTP clients that keep cookies and do not follow redirects.
/// </summary>
public sealed partial class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, DashboardSessions sessions, string baseUrl)
    {
        _app = app;
        Sessions = sessions;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public DashboardSessions Sessions { get; }

    /// <summary>The app's endpoints, for tests that check every route.</summary>
    public IEnumerable<Microsoft.AspNetCore.Routing.RouteEndpoint> Routes =>
        ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>();

    public static async Task<DashboardServer> StartAsync(RotorHost host, IReadOnlyDictionary<string, DashboardPrincipal> tokens)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var sessions = DashboardEndpoints.Map(app, host, new DashboardOptions
        {
            Authenticate = (token, _) => Task.FromResult(tokens.TryGetValue(token, out var p) ? p : null),
        });
        await app.StartAsync();
        return new DashboardServer(app, sessions, app.Urls.First());
    }

    public HttpClient NewClient() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
    {
        BaseAddress = new Uri(BaseUrl),
    };

    /// <summary>A client logged in with <paramref name="token"/> through the login form.</summary>
    public async Task<HttpClient> LoginAsync(string token)
    {
        var client = NewClient();
        var response = await PostLoginAsync(client, token);
        if (response.StatusCode != HttpStatusCode.SeeOther) throw new InvalidOperationException($"login with a test token answered {response.StatusCode}");
        return client;
    }

    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string token, string next = "/")
    {
        var page = await client.GetStringAsync("/login");
        var form = FormToken().Match(page).Groups[1].Value;
        return await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["form"] = form, ["token"] = token, ["next"] = next }));
    }

    /// <summary>The form token (csrf field) on a page of a logged-in session.</summary>
    public static string CsrfOf(string page) => Csrf().Match(page).Groups[1].Value;

    [GeneratedRegex("name=\"form\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex Csrf();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
