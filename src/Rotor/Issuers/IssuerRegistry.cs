using System.Collections.Concurrent;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Issuers;

/// <summary>Builds the <see cref="IIssuer"/> for a stored Issuer, once per generation of its spec.</summary>
public sealed class IssuerRegistry(IStore store, IKeyStore keys, LocalCa localCa, TimeProvider time, Microsoft.Extensions.Logging.ILoggerFactory loggers) : IDisposable
{
    private readonly ConcurrentDictionary<(string, long), IIssuer> _cache = new();

    // Building is serialised: two certificates of one issuer reconciled at once must share one
    // issuer (one ACME account, one HTTP-01 listener on its port), never build two.
    private readonly SemaphoreSlim _build = new(1, 1);

    public async Task<(IIssuer Issuer, IssuerSpec Spec)> GetAsync(string name, CancellationToken cancellationToken)
    {
        var stored = await store.GetResourceAsync(ResourceKinds.Issuer, name, cancellationToken)
            ?? throw new RotorException($"Issuer '{name}' does not exist", isTransient: false) { Reason = RotorReasons.IssuerNotFound };
        var spec = SpecSerializer.SpecOf<IssuerSpec>(stored);
        if (_cache.TryGetValue((name, stored.Generation), out var cached))
        {
            return (cached, spec);
        }
        await _build.WaitAsync(cancellationToken);
        try
        {
            if (_cache.TryGetValue((name, stored.Generation), out var built))
            {
                return (built, spec);
            }
            return (await BuildAsync(name, stored, spec, cancellationToken), spec);
        }
        finally
        {
            _build.Release();
        }
    }

    private async Task<IIssuer> BuildAsync(string name, Core.Abstractions.StoredResource stored, IssuerSpec spec, CancellationToken cancellationToken)
    {
        IIssuer issuer = spec.Kind switch
        {
            IssuerKind.Ca => await CaIssuer.OpenAsync(spec.Ca!, SpecSerializer.BaseDirectory(stored), localCa, keys, time, cancellationToken),
            IssuerKind.SelfSigned => new SelfSignedIssuer(spec.SelfSigned!.Backdate, time),
            IssuerKind.Acme => new AcmeIssuer(name, spec.Acme!, SpecSerializer.BaseDirectory(stored), keys, time, loggers),
            IssuerKind.Cmp => await CmpIssuer.CreateAsync(name, spec.Cmp!, SpecSerializer.BaseDirectory(stored), store, time, loggers, cancellationToken),
            _ => throw new RotorException($"Issuer '{name}' has an unsupported kind {spec.Kind}", isTransient: false),
        };
        _cache[(name, stored.Generation)] = issuer;
        foreach (var stale in _cache.Keys.Where(k => k.Item1 == name && k.Item2 != stored.Generation).ToList())
        {
            // An older generation of this issuer's spec: nothing will ask for it again.
            if (_cache.TryRemove(stale, out var old) && old is IDisposable d) d.Dispose();
        }
        return issuer;
    }

    /// <summary>Releases the issuers built so far (HTTP clients, HTTP-01 listeners).</summary>
    public void Dispose()
    {
        foreach (var issuer in _cache.Values.OfType<IDisposable>())
        {
            issuer.Dispose();
        }
        _cache.Clear();
        _build.Dispose();
    }
}
