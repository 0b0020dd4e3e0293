using Rotor.IntegrationTests.Support;

namespace Rotor.IntegrationTests.Acme.Proxy;

/// <summary>What every proxy test starts with: a fresh fast-mode Pebble, a time limit, a folder, the proxy.</summary>
internal sealed class ProxyScenario : IAsyncDisposable
{
    private readonly CancellationTokenSource _timeout;

    private ProxyScenario(CancellationTokenSource timeout, TempDir dir, AcmeProxy proxy)
    {
        _timeout = timeout;
        Dir = dir;
        Proxy = proxy;
    }

    public CancellationToken Token => _timeout.Token;
    public TempDir Dir { get; }
    public AcmeProxy Proxy { get; }

    /// <summary>Null when the lab is unavailable on a developer's machine (under CI that fails the test).</summary>
    public static async Task<ProxyScenario?> StartAsync(AcmeLab lab, TimeSpan limit)
    {
        lab.StartPebble("fast");
        if (!lab.Require()) return null;
        var timeout = new CancellationTokenSource(limit);
        var dir = new TempDir();
        var proxy = await AcmeProxy.StartAsync(lab.Directory, lab.TlsCa, dir.Path, timeout.Token);
        return new ProxyScenario(timeout, dir, proxy);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        Dir.Dispose();
        _timeout.Dispose();
    }
}
