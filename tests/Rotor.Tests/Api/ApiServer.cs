using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Rotor.Api;
using Rotor.Api.Auth;
using Rotor.Telemetry;
using Rotor.Tests.Support;

namespace Rotor.Tests.Api;

/// <summary>
/// The operator API on 127.0.0.1 (a free port) over a temp data folder with fake time: a local CA,
/// a file target, an endpoint and certificates issued by one reconcile pass; a token per role.
/// Every log line (Debug and up) is kept in <see cref="Logs"/>.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    private ApiServer(TestRotor rotor, RotorHost host, HttpEndpoints server, StringWriter logs, ILoggerFactory loggers)
    {
        Rotor = rotor;
        Host = host;
        Server = server;
        _logs = logs;
        _loggers = loggers;
    }

    private readonly StringWriter _logs;
    private readonly ILoggerFactory _loggers;

    public TestRotor Rotor { get; }
    public RotorHost Host { get; }
    public HttpEndpoints Server { get; }
    public Dictionary<ApiRole, string> Tokens { get; } = [];

    public string Logs
    {
        get
        {
            lock (_logs) return _logs.ToString();
        }
    }

    public const string Endpoint = """
        apiVersion: rotor/v1
        kind: Endpoint
        metadata: {name: edge-tls}
        spec: {host: 127.0.0.1, port: 5061, sni: sip.example.test}
        """;

    public static async Task<ApiServer> StartAsync(int certificates = 1, HttpServeOptions? options = null)
    {
        var rotor = new TestRotor();
        var docs = new List<string> { Manifests.Issuer, Manifests.Target(), Endpoint };
        for (var i = 0; i < certificates; i++) docs.Add(Manifests.Certificate(i == 0 ? "sip-edge" : $"cert-{i:D4}"));
        rotor.WriteManifest(Manifests.All([.. docs]));
        var (code, _, err) = await rotor.RunAsync("reconcile", "-f", rotor.Dir.Combine("rotor.yaml"));
        Assert.True(code == 0, err);
        var logs = new StringWriter();
        var loggers = new LoggerFactory([new TextWriterLoggerProvider(TextWriter.Synchronized(logs), rotor.Time, LogLevel.Debug, json: false)],
            new LoggerFilterOptions { MinLevel = LogLevel.Debug });
        var host = await RotorHost.OpenAsync(rotor.Data, rotor.Time, loggers, rotor.Options, CancellationToken.None);
        var server = await HttpEndpoints.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), host, null, loggers, options ?? new HttpServeOptions(), CancellationToken.None);
        var api = new ApiServer(rotor, host, server, logs, loggers);
        foreach (var role in Enum.GetValues<ApiRole>())
        {
            api.Tokens[role] = await host.ApiTokens.CreateAsync("t-" + role.ToString().ToLowerInvariant(), role, CancellationToken.None);
        }
        return api;
    }

    /// <summary>A client with the role's token, or none (anonymous) when <paramref name="role"/> is null.</summary>
    public HttpClient Client(ApiRole? role)
    {
        var http = new HttpClient { BaseAddress = Server.BaseUri, Timeout = TimeSpan.FromSeconds(90) };
        if (role is { } r) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[r]);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Host.DisposeAsync();
        _loggers.Dispose();
        Rotor.Dispose();
    }
}
