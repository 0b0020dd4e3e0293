using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rotor.Scheduling;
using Rotor.Telemetry;

namespace Rotor.Api;

/// <summary>
/// The service's HTTP surface on Kestrel: <c>/healthz</c> (the process answers),
/// <c>/readyz</c> (the store answers and the first pass finished), <c>/metrics</c> (Prometheus).
/// </summary>
public sealed class HttpEndpoints : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpEndpoints(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>host:port actually bound (the port is real even when 0 was asked).</summary>
    public string Address { get; }

    public static async Task<HttpEndpoints> StartAsync(IPEndPoint endpoint, RotorHost host, ReconcileLoop loop, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<IHostLifetime, ExternalLifetime>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint));
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", async (CancellationToken ct) =>
        {
            if (!loop.Ready) return Results.Text("first reconcile pass not finished\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            try
            {
                await host.Store.GetEarliestDueAsync(host.Time.GetUtcNow(), ct);
                return Results.Text("ok\n");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Results.Text($"store unavailable: {e.GetType().Name}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        app.MapGet("/metrics", async (CancellationToken ct) =>
            Results.Text(await MetricsWriter.RenderAsync(host.Store, ct) + await Scan.ScanMetrics.RenderAsync(host.Store, ct) + ProbeMetrics(host), MetricsWriter.ContentType));
        Dashboard.DashboardEndpoints.Map(app, host);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? endpoint.ToString();
        return new HttpEndpoints(app, bound.Replace("http://", "", StringComparison.Ordinal));
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
