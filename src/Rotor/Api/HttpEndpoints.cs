using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rotor.Api.Auth;
using Rotor.Scheduling;
using Rotor.Telemetry;

namespace Rotor.Api;

/// <summary>How <c>rotor run</c> serves HTTP.</summary>
public sealed record HttpServeOptions
{
    /// <summary>/metrics without a token. Off: a viewer token is needed, except on a loopback listener.</summary>
    public bool MetricsPublic { get; init; }

    /// <summary>The server certificate (a Certificate Rotor manages); null serves plain HTTP, which only a loopback listener may.</summary>
    public ServerCertificateSource? ServerCertificate { get; init; }
}

/// <summary>
/// The service's HTTP surface on Kestrel: <c>/healthz</c> (the process answers),
/// <c>/readyz</c> (the store answers and the first pass finished), <c>/metrics</c> (Prometheus),
/// and the operator API under <c>/api/v1</c> (bearer tokens and roles: <see cref="ApiAuthorization"/>).
/// </summary>
public sealed class HttpEndpoints : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpEndpoints(WebApplication app, string address, string scheme)
    {
        _app = app;
        Address = address;
        Scheme = scheme;
    }

    /// <summary>host:port actually bound (the port is real even when 0 was asked).</summary>
    public string Address { get; }

    /// <summary>http or https.</summary>
    public string Scheme { get; }

    public Uri BaseUri => new($"{Scheme}://{Address}/");

    /// <summary>Every route the server maps, with the role it needs (null: anyone), from the app's own route table.</summary>
    public IReadOnlyList<RouteInfo> Routes => ListRoutes(_app);

    public static Task<HttpEndpoints> StartAsync(IPEndPoint endpoint, RotorHost host, ReconcileLoop loop, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        StartAsync(endpoint, host, loop, loggers, new HttpServeOptions(), cancellationToken);

    public static async Task<HttpEndpoints> StartAsync(IPEndPoint endpoint, RotorHost host, ReconcileLoop? loop, ILoggerFactory loggers,
        HttpServeOptions options, CancellationToken cancellationToken)
    {
        if (options.ServerCertificate is null && !IPAddress.IsLoopback(endpoint.Address))
        {
            // DESIGN.md, Safety rules: anything listening beyond loopback needs TLS and a token.
            throw new InvalidOperationException($"{endpoint} is not a loopback address and no server certificate was given");
        }
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<IHostLifetime, ExternalLifetime>();
        builder.Services.AddRouting();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endpoint, listen =>
            {
                if (options.ServerCertificate is { } source)
                {
                    listen.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = _ => ValueTask.FromResult(new System.Net.Security.SslServerAuthenticationOptions
                        {
                            ServerCertificateContext = source.Current,
                            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                        }),
                    });
                }
            });
        });
        var app = builder.Build();
        app.UseRouting();
        app.UseApiAuthorization(host.ApiTokens);
        // The dashboard checks its own session cookie on each of its routes (a visitor without one is
        // sent to /login, not given a 401) and never lends it to the API: a cookie that authorised
        // /api/v1 would let another site's form act through a logged-in browser.
        Dashboard.DashboardEndpoints.Map(app, host);
        MapService(app, host, loop, options.MetricsPublic || IPAddress.IsLoopback(endpoint.Address));
        ApiEndpoints.Map(app, host);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? endpoint.ToString();
        var scheme = options.ServerCertificate is null ? "http" : "https";
        return new HttpEndpoints(app, bound.Replace("http://", "", StringComparison.Ordinal).Replace("https://", "", StringComparison.Ordinal), scheme);
    }

    private static void MapService(WebApplication app, RotorHost host, ReconcileLoop? loop, bool metricsPublic)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n")).Anonymous();
        app.MapGet("/readyz", async (CancellationToken ct) =>
        {
            if (loop is { Ready: false }) return Results.Text("first reconcile pass not finished\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            try
            {
                await host.Store.GetEarliestDueAsync(host.Time.GetUtcNow(), ct);
                return Results.Text("ok\n");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Results.Text($"store unavailable: {e.GetType().Name}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).Anonymous();
        var metrics = app.MapGet("/metrics", async (CancellationToken ct) =>
            Results.Text(await MetricsWriter.RenderAsync(host.Store, ct) + await Scan.ScanMetrics.RenderAsync(host.Store, ct) + ProbeMetrics(host), MetricsWriter.ContentType));
        if (metricsPublic) metrics.Anonymous();
        else metrics.RequireRole(ApiRole.Viewer);
    }

    /// <summary>One route of the table: method, pattern and the role it needs (null: anyone).</summary>
    public sealed record RouteInfo(string Method, string Pattern, ApiRole? Role);

    private static List<RouteInfo> ListRoutes(WebApplication app)
    {
        var routes = new List<RouteInfo>();
        foreach (var source in ((IEndpointRouteBuilder)app).DataSources)
        {
            foreach (var e in source.Endpoints.OfType<RouteEndpoint>())
            {
                var methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
                foreach (var m in methods) routes.Add(new RouteInfo(m, "/" + e.RoutePattern.RawText?.TrimStart('/'), ApiAuthorization.RequiredRole(e)));
            }
        }
        return [.. routes.Distinct().OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>Shutdown is driven by the command line's cancellation, not by a second signal handler.</summary>
    private sealed class ExternalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static string ProbeMetrics(RotorHost host)
    {
        var sb = new System.Text.StringBuilder();
        host.ProbeHistograms.Render(sb);
        return sb.ToString();
    }
}
