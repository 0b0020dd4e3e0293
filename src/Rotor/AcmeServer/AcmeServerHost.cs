using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.AcmeServer;

/// <summary>
/// One AcmeServer served by <c>rotor run</c>: its own Kestrel listener on its <c>listen</c> address,
/// HTTPS only (TLS 1.2/1.3) with the certificate <see cref="AcmeServerTls"/> keeps current.
/// </summary>
public sealed class AcmeServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AcmeServerEndpoints _endpoints;

    private AcmeServerHost(string name, WebApplication app, AcmeServerEndpoints endpoints, string address)
    {
        Name = name;
        _app = app;
        _endpoints = endpoints;
        Address = address;
    }

    public string Name { get; }

    /// <summary>host:port actually bound.</summary>
    public string Address { get; }

    public Uri Directory => new($"https://{Address}/directory");

    /// <summary>Issues the server's certificate, then listens; a failure to issue or to bind is an exception with the reason.</summary>
    public static async Task<AcmeServerHost> StartAsync(string name, AcmeServerSpec spec, RotorHost host, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Rotor.AcmeServer");
        var tls = new AcmeServerTls(name, spec, host.Issuers, host.Time, logger);
        await tls.IssueAsync(cancellationToken);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<IHostLifetime, ExternalLifetime>();
        builder.Services.AddRouting();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = AcmeJws.MaxBytes + 1;
            k.Listen(spec.ListenEndpoint(), listen => listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = tls.Current,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }),
            }));
        });
        var app = builder.Build();
        app.UseRouting();
        var endpoints = new AcmeServerEndpoints(name, spec, host, logger);
        endpoints.Map(app);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? spec.Listen;
        var server = new AcmeServerHost(name, app, endpoints, bound.Replace("https://", "", StringComparison.Ordinal));
        AcmeServerLog.Listening(logger, name, server.Directory.ToString());
        return server;
    }

    /// <summary>Starts every stored AcmeServer; one that cannot start is logged and left out, the others serve.</summary>
    public static async Task<AcmeServerHosts> StartAllAsync(RotorHost host, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var started = new List<AcmeServerHost>();
        var logger = loggers.CreateLogger("Rotor.AcmeServer");
        foreach (var resource in await host.Store.ListResourcesAsync(ResourceKinds.AcmeServer, cancellationToken))
        {
            try
            {
                started.Add(await StartAsync(resource.Name, SpecSerializer.SpecOf<AcmeServerSpec>(resource), host, loggers, cancellationToken));
            }
            catch (Exception e) when (e is Core.Abstractions.RotorException or IOException or InvalidOperationException)
            {
                AcmeServerLog.StartFailed(logger, resource.Name, e.Message);
            }
        }
        return new AcmeServerHosts(started);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _endpoints.Dispose();
    }

    /// <summary>Shutdown is driven by <c>rotor run</c>'s cancellation, not by a second signal handler.</summary>
    private sealed class ExternalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The ACME servers one <c>rotor run</c> serves; disposing stops them all.</summary>
public sealed class AcmeServerHosts(IReadOnlyList<AcmeServerHost> servers) : IAsyncDisposable
{
    public IReadOnlyList<AcmeServerHost> Servers => servers;

    public async ValueTask DisposeAsync()
    {
        foreach (var server in servers) await server.DisposeAsync();
    }
}
