using Microsoft.Extensions.Logging;
using Rotor.Cli;
using Rotor.Core.Abstractions;
using Rotor.Core.Rotation;
using Rotor.Scheduling;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// Rotor in this process on real time: the CLI for apply/rotate/rollback, and the reconcile loop
/// of <c>rotor run</c> in the background, so rotations proceed while a test watches Kamailio.
/// </summary>
public sealed class RotationRig : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggerFactory _loggers;
    private Task? _loop;

    /// <param name="logs">Where the reconcile loop's log lines go (a test that greps them for secrets); none drops them.</param>
    public RotationRig(ILoggerProvider? logs = null)
    {
        _loggers = LoggerFactory.Create(b =>
        {
            if (logs is not null) b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        });
        Directory.CreateDirectory(Data);
    }

    public TempDir Dir { get; } = new();
    public string Data => Dir.Combine("data");
    public RotorHost Host { get; private set; } = null!;

    public async Task<string> CliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RotorCli.InvokeAsync([.. args, "--data", Data], output, error, TimeProvider.System);
        Assert.True(code == 0, $"rotor {string.Join(' ', args)} exited {code}: {error}{output}");
        return output.ToString();
    }

    public async Task ApplyAsync(string manifest)
    {
        var path = Dir.Combine("rotor.yaml");
        await File.WriteAllTextAsync(path, manifest);
        await CliAsync("apply", "-f", path);
    }

    public async Task StartAsync()
    {
        Host = await RotorHost.OpenAsync(Data, TimeProvider.System, _loggers, new ReconcilerOptions(), default);
        var loop = new ReconcileLoop(Host.Reconciler, Host.Store, TimeProvider.System, _loggers.CreateLogger<ReconcileLoop>(), Host.WakeFile);
        _loop = Task.Run(() => loop.RunAsync(_stop.Token));
    }

    public async Task<CertificateVersion?> ActiveAsync(string name) =>
        (await Host.Store.ListVersionsAsync(name, default)).LastOrDefault(v => v.State == VersionState.Active);

    /// <summary>Waits until a version newer than <paramref name="after"/> is active.</summary>
    public async Task<CertificateVersion> WaitForActiveAsync(string name, long after, TimeSpan timeout)
    {
        CertificateVersion? active = null;
        await Wait.UntilAsync(() => (active = ActiveAsync(name).GetAwaiter().GetResult()) is { } a && a.Id > after, timeout,
            () => $"a version of {name} newer than {after} to be active; events:\n" + EventsText(name));
        return active!;
    }

    public string EventsText(string name) => string.Join("\n",
        Host.Store.ListEventsAsync(null, name, 40, default).GetAwaiter().GetResult().Select(e => $"{e.At:HH:mm:ss.fff} {e.Type} {e.Reason}: {e.Message}"));

    public async Task<IReadOnlyList<EventRecord>> EventsAsync(string name) => await Host.Store.ListEventsAsync(null, name, 1000, default);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }
        if (Host is not null) await Host.DisposeAsync();
        _loggers.Dispose();
        Dir.Dispose();
    }
}
