using System.Collections.Concurrent;
using System.Net;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>
/// DNS-01 through any <see cref="IDns01Provider"/>: finds where the TXT record goes (CNAME
/// delegation followed, zone by SOA), has the provider write it, and returns from
/// <see cref="PresentAsync"/> only once every authoritative server of the zone serves it.
/// Thread-safe; a name and its wildcard (two values under one name) can be present at once.
/// </summary>
public sealed class Dns01Solver : IChallengeSolver
{
    private readonly IDns01Provider _provider;
    private readonly Dns01SolverOptions _options;
    private readonly ZoneFinder _zones;
    private readonly PropagationChecker _propagation;

    /// <summary>
    /// What each present got to, for cleanup: null while nothing may have been written yet
    /// (cleanup then has nothing to remove), the target once the provider may have written.
    /// </summary>
    private readonly ConcurrentDictionary<(string Identifier, string Value), Dns01Target?> _presented = new();

    public Dns01Solver(IDns01Provider provider, Dns01SolverOptions? options = null, TimeProvider? timeProvider = null)
        : this(provider, options ?? new Dns01SolverOptions(), timeProvider ?? TimeProvider.System, null)
    {
    }

    internal Dns01Solver(IDns01Provider provider, Dns01SolverOptions options, TimeProvider timeProvider, IDnsLookup? lookup)
    {
        ArgumentNullException.ThrowIfNull(provider);
        options.Validate();
        _provider = provider;
        _options = options;
        lookup ??= new DnsClientLookup(options.QueryTimeout);
        _zones = new ZoneFinder(lookup);
        _propagation = new PropagationChecker(lookup, timeProvider, options);
    }

    public string ChallengeType => "dns-01";

    public async Task PresentAsync(ChallengeRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = (request.Identifier, request.Dns01Value);
        _presented[key] = null;
        var resolvers = await ResolversAsync(cancellationToken);
        var target = await _zones.FindAsync(resolvers, DnsNames.RecordNameOf(request), _options.FollowCnames, progress, cancellationToken);
        // Found before writing, so that a zone without reachable servers fails with nothing to undo.
        var servers = await _propagation.FindServersAsync(resolvers, target.Zone, cancellationToken);

        // Recorded before the write: a write that times out may still have landed.
        _presented[key] = target;
        if (_provider is IDns01RawProvider { IsRaw: true } raw)
        {
            await raw.PresentRawAsync(DnsNames.DomainOf(request), request.Token, request.KeyAuthorization, cancellationToken);
        }
        else
        {
            await _provider.AddTxtAsync(target.RecordName, target.Zone, request.Dns01Value, cancellationToken);
        }
        progress?.Report($"dns-01 {request.Identifier}: TXT {DnsNames.Display(target.RecordName)} written in zone {DnsNames.Display(target.Zone)} by {_provider}; " +
            $"waiting for {servers.Count} authoritative server(s)");
        await _propagation.WaitUntilVisibleAsync(servers, target.RecordName, request.Dns01Value, progress, cancellationToken);
    }

    public async Task CleanupAsync(ChallengeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Dns01Target? target;
        if (_presented.TryRemove((request.Identifier, request.Dns01Value), out var known))
        {
            if (known is null) return; // present stopped before anything was written
            target = known;
        }
        else
        {
            // Not presented by this instance (or cleaned already): find the place again; removing an absent value is harmless.
            target = await _zones.FindAsync(await ResolversAsync(cancellationToken), DnsNames.RecordNameOf(request), _options.FollowCnames, null, cancellationToken);
        }
        if (_provider is IDns01RawProvider { IsRaw: true } raw)
        {
            await raw.CleanupRawAsync(DnsNames.DomainOf(request), request.Token, request.KeyAuthorization, cancellationToken);
        }
        else
        {
            await _provider.RemoveTxtAsync(target.RecordName, target.Zone, request.Dns01Value, cancellationToken);
        }
    }

    private async Task<IReadOnlyList<IPEndPoint>> ResolversAsync(CancellationToken cancellationToken)
    {
        if (_options.Resolvers.Count == 0)
        {
            var system = DnsClient.NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false);
            if (system.Count == 0)
            {
                throw Dns01Causes.Fail(Dns01Causes.Config, "dns-01: the system has no DNS resolvers (/etc/resolv.conf); set Resolvers", transient: false);
            }
            return system.Select(s => new IPEndPoint(IPAddress.Parse(s.Address), s.Port)).ToList();
        }
        var resolved = new List<IPEndPoint>();
        foreach (var text in _options.Resolvers)
        {
            resolved.AddRange(await DnsServerAddress.Parse(text, 53).ResolveAsync(cancellationToken));
        }
        return resolved;
    }

    public override string ToString() => $"dns-01 via {_provider}";
}
