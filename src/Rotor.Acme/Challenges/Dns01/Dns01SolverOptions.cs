namespace Rotor.Acme.Challenges.Dns01;

/// <summary>How <see cref="Dns01Solver"/> finds zones and checks propagation.</summary>
public sealed class Dns01SolverOptions
{
    /// <summary>
    /// Resolvers asked (recursion desired) for CNAME, SOA, NS and the name servers' addresses:
    /// <c>host</c>, <c>host:port</c> or <c>[ipv6]:port</c> (port 53 when left out), tried in
    /// order. Empty (default): the system's resolvers from <c>/etc/resolv.conf</c>. An
    /// authoritative-only server works too: names it does not serve answer REFUSED, which the
    /// zone search skips.
    /// </summary>
    public IReadOnlyList<string> Resolvers { get; init; } = [];

    /// <summary>
    /// The port on which the zone's name servers (found through NS records, which carry no
    /// port) are asked during the propagation check. Default 53; a test server on a high port
    /// (e.g. a BIND on 127.0.0.1:15353 named by <c>NS ns1.example.test.</c>) needs its port here.
    /// </summary>
    public int AuthoritativePort { get; init; } = 53;

    /// <summary>
    /// The servers to check for propagation instead of the zone's NS records (<c>host:port</c>
    /// list, port <see cref="AuthoritativePort"/> when left out). Each must serve the record
    /// before <see cref="Dns01Solver.PresentAsync"/> returns. For hidden primaries, split
    /// horizons, or test servers. Empty (default): the NS records of the zone.
    /// </summary>
    public IReadOnlyList<string> CheckNameservers { get; init; } = [];

    /// <summary>How long the record may take to appear on every authoritative server. Default 120 s.</summary>
    public TimeSpan PropagationTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The first wait between two propagation checks; it doubles up to <see cref="PollMaxInterval"/>. Default 100 ms.</summary>
    public TimeSpan PollInitialInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two propagation checks. Default 2 s.</summary>
    public TimeSpan PollMaxInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one DNS query may take before it counts as unanswered (it is retried once). Default 2 s.</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Follow a CNAME at <c>_acme-challenge.&lt;name&gt;</c> and write the TXT record at its
    /// target, in the target's zone (challenge delegation). Default true.
    /// </summary>
    public bool FollowCnames { get; init; } = true;

    internal void Validate()
    {
        if (AuthoritativePort is <= 0 or > 65535) throw Bad($"AuthoritativePort {AuthoritativePort} is not a port number");
        if (PropagationTimeout <= TimeSpan.Zero) throw Bad("PropagationTimeout must be positive");
        if (PollInitialInterval <= TimeSpan.Zero || PollMaxInterval < PollInitialInterval) throw Bad("PollInitialInterval must be positive and at most PollMaxInterval");
        if (QueryTimeout <= TimeSpan.Zero) throw Bad("QueryTimeout must be positive");
        foreach (var s in Resolvers) DnsServerAddress.Parse(s, 53);
        foreach (var s in CheckNameservers) DnsServerAddress.Parse(s, AuthoritativePort);
    }

    private static Transport.AcmeException Bad(string message) => Dns01Causes.Fail(Dns01Causes.Config, "dns-01 solver: " + message, transient: false);
}
