using System.Collections.Concurrent;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;

namespace Rotor.Issuers;

/// <summary>Builds the <see cref="IIssuer"/> for a stored Issuer, once per generation of its spec.</summary>
public sealed class IssuerRegistry(IStore store, IKeyStore keys, LocalCa localCa, TimeProvider time, Microsoft.Extensions.Logging.ILoggerFactory loggers) : IDisposable
{
    private readonly ConcurrentDictionary<(string, long), IIssuer> _cache = new();

    public async Task<(IIssuer Issuer, IssuerSpec Spec)> GetAsync(string name, CancellationToken cancellationToken)
    {
        var stored = await store.GetResourceAsync(ResourceKinds.Issuer, name, cancellationToken)
            ?? throw new RotorException($"Issuer '{name}' does not exist", isTransient: false) { Reason = "IssuerNotFound" };
        var spec = SpecSerializer.SpecOf<IssuerSpec>(stored);
        if (_cache.TryGetValue((name, stored.Generation), out var cached))
        {
            return (cached, spec);
        }
        IIssuer issuer = spec.Kind switch
        {
            IssuerKind.Ca => await CaIssuer.OpenAsync(spec.Ca!, SpecSerializer.BaseDirectory(stored), localCa, keys, time, cancellationToken),
            IssuerKind.SelfSigned => new SelfSignedIssuer(spec.SelfSigned!.Backdate, time),
            IssuerKind.Acme => new AcmeIssuer(name, spec.Acme!, SpecSerializer.BaseDirectory(stored), keys, time, loggers),
            _ => throw new RotorException($"Issuer '{name}' has an unsupported kind {spec.Kind}", isTransient: false),
        };
        _cache[(name, stored.Generation)] = issuer;
        foreach (var stale in _cache.Keys.Where(k => k.Item1 == name && k.Item2 != stored.Generation).ToList())
        {
            // An older generation of this issuer's spec: nothing will ask for it again.
            if (_cache.TryRemove(stale, out var old) && old is IDisposable d) d.Dispose();
        }
        return (issuer, spec);
    }

    /// <summary>Releases the issuers built so far (HTTP clients, HTTP-01 listeners).</summary>
    public void Dispose()
    {
        foreach (var issuer in _cache.Values.OfType<IDisposable>())
        {
            issuer.Dispose();
        }
        _cache.Clear();
    }
}
