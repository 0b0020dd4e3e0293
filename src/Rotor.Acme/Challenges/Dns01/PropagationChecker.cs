using System.Net;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>
/// Waits until a TXT value is served by every authoritative server of its zone, asking each
/// one directly (no recursion, no cache) so that no resolver's negative cache delays the CA.
/// Polls quickly first (the usual case is "already there") and backs off, never sleeping a
/// fixed time.
/// </summary>
internal sealed class PropagationChecker(IDnsLookup lookup, TimeProvider time, Dns01SolverOptions options)
{
    /// <summary>How often a still-waiting check says so through the progress reporter.</summary>
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The servers to check: <see cref="Dns01SolverOptions.CheckNameservers"/> when given, else
    /// the zone's NS hosts resolved to A/AAAA, each on <see cref="Dns01SolverOptions.AuthoritativePort"/>.
    /// </summary>
    public async Task<IReadOnlyList<NamedServer>> FindServersAsync(IReadOnlyList<IPEndPoint> resolvers, string zone, CancellationToken cancellationToken)
    {
        if (options.CheckNameservers.Count > 0)
        {
            var explicitServers = new List<NamedServer>();
            foreach (var text in options.CheckNameservers)
            {
                var address = DnsServerAddress.Parse(text, options.AuthoritativePort);
                explicitServers.AddRange((await address.ResolveAsync(cancellationToken)).Select(e => new NamedServer(address.Host, e)));
            }
            return explicitServers;
        }
        var ns = await lookup.QueryAsync(resolvers, zone, DnsType.Ns, recursive: true, cancellationToken);
        var hosts = ns.Answers.Where(r => r.Type == DnsType.Ns && r.Owner == zone).Select(r => r.Data).Distinct().ToList();
        if (hosts.Count == 0)
        {
            throw Dns01Causes.Fail(Dns01Causes.Zone,
                $"zone {DnsNames.Display(zone)} has no NS records ({DnsCodes.Name(ns.ResponseCode)}): cannot check propagation", transient: true);
        }
        var servers = new List<NamedServer>();
        foreach (var host in hosts)
        {
            foreach (var type in new[] { DnsType.A, DnsType.Aaaa })
            {
                var addresses = await lookup.QueryAsync(resolvers, host, type, recursive: true, cancellationToken);
                servers.AddRange(addresses.Answers
                    .Where(r => r.Type == type && IPAddress.TryParse(r.Data, out _))
                    .Select(r => new NamedServer(DnsNames.Display(host), new IPEndPoint(IPAddress.Parse(r.Data), options.AuthoritativePort))));
            }
        }
        if (servers.Count == 0)
        {
            throw Dns01Causes.Fail(Dns01Causes.Zone,
                $"the name servers of zone {DnsNames.Display(zone)} ({string.Join(", ", hosts.Select(DnsNames.Display))}) have no addresses", transient: true);
        }
        return servers;
    }

    public async Task WaitUntilVisibleAsync(IReadOnlyList<NamedServer> servers, string recordName, string value, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var pending = servers.ToList();
        var lastSeen = new Dictionary<NamedServer, string>();
        var delay = options.PollInitialInterval;
        var nextReport = ReportEvery;
        var display = DnsNames.Display(recordName);
        while (true)
        {
            // All pending servers at once: one slow server must not delay seeing the others.
            var results = await Task.WhenAll(pending.Select(s => CheckAsync(s, recordName, value, cancellationToken)));
            var elapsed = time.GetElapsedTime(started);
            for (var i = 0; i < pending.Count; i++)
            {
                if (results[i] is null) progress?.Report($"TXT {display} visible on {pending[i]} after {DnsNames.Seconds(elapsed)}");
                else lastSeen[pending[i]] = results[i]!;
            }
            pending = pending.Where((_, i) => results[i] is not null).ToList();
            if (pending.Count == 0) return;

            if (elapsed >= options.PropagationTimeout)
            {
                throw Dns01Causes.Fail(Dns01Causes.Timeout,
                    $"TXT {display} not visible on {string.Join(", ", pending)} after {DnsNames.Seconds(options.PropagationTimeout)} (last answer: {Describe(pending, lastSeen)})",
                    transient: true);
            }
            if (elapsed >= nextReport)
            {
                progress?.Report($"TXT {display} not yet visible on {string.Join(", ", pending)} after {DnsNames.Seconds(elapsed)} (last answer: {Describe(pending, lastSeen)})");
                nextReport += ReportEvery;
            }
            var remaining = options.PropagationTimeout - elapsed;
            await Task.Delay(delay < remaining ? delay : remaining, time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.PollMaxInterval.Ticks));
        }
    }

    private static string Describe(List<NamedServer> pending, Dictionary<NamedServer, string> lastSeen) => pending.Count == 1
        ? lastSeen.GetValueOrDefault(pending[0], "none")
        : string.Join("; ", pending.Select(s => $"{s.Label}: {lastSeen.GetValueOrDefault(s, "none")}"));

    /// <summary>Null when the value is served; otherwise what the server said, for the messages.</summary>
    private async Task<string?> CheckAsync(NamedServer server, string recordName, string value, CancellationToken cancellationToken)
    {
        DnsAnswer answer;
        try
        {
            answer = await lookup.QueryAsync([server.EndPoint], recordName, DnsType.Txt, recursive: false, cancellationToken);
        }
        catch (Transport.AcmeException e) when (e.ProblemType == Dns01Causes.Unreachable)
        {
            return "no answer";
        }
        if (answer.ResponseCode != DnsCodes.NoError) return DnsCodes.Name(answer.ResponseCode);
        var values = answer.Answers.Where(r => r.Type == DnsType.Txt && r.Owner == recordName).Select(r => r.Data).ToList();
        if (values.Contains(value, StringComparer.Ordinal)) return null;
        return values.Count == 0 ? "no TXT record" : $"{values.Count} other TXT value(s)";
    }
}
