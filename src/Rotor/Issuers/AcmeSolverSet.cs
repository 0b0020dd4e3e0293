using System.Net;
using Rotor.Acme.Challenges;
using Rotor.Acme.Orders;
using Rotor.Core.Resources;

namespace Rotor.Issuers;

/// <summary>
/// The solvers of one ACME issuer and the choice among them for a name, as cert-manager
/// chooses: a selector's exact dnsNames first, then the longest matching dnsZone, then the
/// solver without a selector.
/// </summary>
internal sealed partial class AcmeSolverSet : IDisposable
{
    private readonly List<(AcmeSolverSpec Spec, IChallengeSolver Solver)> _solvers = [];

    private AcmeSolverSet()
    {
    }

    /// <summary>Builds every solver; secrets (TSIG keys, webhook tokens) are read here, once.</summary>
    public static async Task<AcmeSolverSet> CreateAsync(IReadOnlyList<AcmeSolverSpec> specs, string baseDirectory, TimeProvider time, CancellationToken cancellationToken)
    {
        var set = new AcmeSolverSet();
        foreach (var spec in specs)
        {
            set._solvers.Add((spec, await CreateAsync(spec, baseDirectory, time, cancellationToken)));
        }
        return set;
    }

    private static async Task<IChallengeSolver> CreateAsync(AcmeSolverSpec spec, string baseDirectory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (spec.Http01 is { } http)
        {
            return http.Listen is { } listen
                ? new Http01Responder(IPEndPoint.Parse(listen))
                : new Http01WebrootSolver(Path.GetFullPath(Path.Combine(baseDirectory, http.Webroot!)));
        }
        return await CreateDns01Async(spec.Dns01!, baseDirectory, time, cancellationToken);
    }

    public IChallengeSolver? For(AcmeIdentifier identifier)
    {
        var name = identifier.Value.TrimEnd('.').ToLowerInvariant();
        var byName = _solvers.FirstOrDefault(s => s.Spec.Selector?.DnsNames.Any(n => string.Equals(n.TrimEnd('.'), name, StringComparison.OrdinalIgnoreCase)) == true);
        if (byName.Solver is not null) return byName.Solver;
        var byZone = _solvers
            .Select(s => (s.Solver, Zone: s.Spec.Selector?.DnsZones
                .Select(z => z.TrimEnd('.').ToLowerInvariant())
                .Where(z => name == z || name.EndsWith("." + z, StringComparison.Ordinal))
                .MaxBy(z => z.Length)))
            .Where(x => x.Zone is not null)
            .OrderByDescending(x => x.Zone!.Length)
            .FirstOrDefault();
        if (byZone.Solver is not null) return byZone.Solver;
        return _solvers.FirstOrDefault(s => s.Spec.Selector is null).Solver;
    }

    public void Dispose()
    {
        foreach (var (_, solver) in _solvers)
        {
            if (solver is IAsyncDisposable d) d.DisposeAsync().AsTask().GetAwaiter().GetResult();
            else if (solver is IDisposable s) s.Dispose();
        }
    }

}
