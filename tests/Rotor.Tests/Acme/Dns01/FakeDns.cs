using System.Collections.Concurrent;
using System.Net;
using Rotor.Acme.Challenges.Dns01;

namespace Rotor.Tests.Acme.Dns01;

/// <summary>
/// A scripted DNS for the zone and propagation logic: recursive questions read
/// <see cref="Recursive"/>; direct (non-recursive) TXT questions to an authoritative server
/// read what <see cref="Serve"/> put there, so a test decides when a record "propagates".
/// </summary>
internal sealed class FakeDns : IDnsLookup
{
    public ConcurrentDictionary<(string Name, DnsType Type), DnsAnswer> Recursive { get; } = new();

    /// <summary>TXT values each authoritative endpoint serves now.</summary>
    public ConcurrentDictionary<IPEndPoint, ConcurrentDictionary<string, ConcurrentBag<string>>> Served { get; } = new();

    public ConcurrentQueue<string> Log { get; } = new();

    public HashSet<IPEndPoint> Dead { get; } = [];

    /// <summary>Called before each direct question to an authoritative server (to make a record appear late).</summary>
    public Action<IPEndPoint>? BeforeDirectQuery { get; set; }

    public Task<DnsAnswer> QueryAsync(IReadOnlyList<IPEndPoint> servers, string name, DnsType type, bool recursive, CancellationToken cancellationToken)
    {
        name = DnsNames.Normalize(name);
        Log.Enqueue($"{(recursive ? "rec" : "auth")} {string.Join(",", servers)} {type} {name}");
        if (!recursive)
        {
            var server = servers.Single();
            BeforeDirectQuery?.Invoke(server);
            if (Dead.Contains(server)) throw Dns01Causes.Fail(Dns01Causes.Unreachable, $"DNS server {server} did not answer", true);
            if (!Served.TryGetValue(server, out var zone) || !zone.TryGetValue(name, out var values)) return Task.FromResult(DnsAnswer.Empty());
            return Task.FromResult(new DnsAnswer(0, values.Select(v => new DnsRecord(name, DnsType.Txt, v)).ToList(), []));
        }
        return Task.FromResult(Recursive.TryGetValue((name, type), out var answer) ? answer : DnsAnswer.Empty(DnsCodesForTests.Refused));
    }

    public void Serve(IPEndPoint server, string name, string value) =>
        Served.GetOrAdd(server, _ => new()).GetOrAdd(DnsNames.Normalize(name), _ => []).Add(value);

    public void Unserve(IPEndPoint server, string name, string value)
    {
        if (Served.TryGetValue(server, out var zone) && zone.TryGetValue(DnsNames.Normalize(name), out var values))
        {
            zone[DnsNames.Normalize(name)] = new ConcurrentBag<string>(values.Where(v => v != value));
        }
    }

    /// <summary>A zone apex with a SOA, one NS host and its IPv4 address.</summary>
    public void AddZone(string zone, string nsHost, string address)
    {
        zone = DnsNames.Normalize(zone);
        nsHost = DnsNames.Normalize(nsHost);
        Recursive[(zone, DnsType.Soa)] = new DnsAnswer(0, [new DnsRecord(zone, DnsType.Soa, nsHost)], []);
        Recursive[(zone, DnsType.Ns)] = new DnsAnswer(0, [new DnsRecord(zone, DnsType.Ns, nsHost)], []);
        Recursive[(nsHost, DnsType.A)] = new DnsAnswer(0, [new DnsRecord(nsHost, DnsType.A, address)], []);
    }

    /// <summary>A name inside a zone that exists (NODATA for SOA, with the zone's SOA in authority).</summary>
    public void AddName(string name, string zone)
    {
        zone = DnsNames.Normalize(zone);
        Recursive[(DnsNames.Normalize(name), DnsType.Soa)] = new DnsAnswer(0, [], [new DnsRecord(zone, DnsType.Soa, "ns." + zone)]);
    }

    public void AddCname(string name, string target) =>
        Recursive[(DnsNames.Normalize(name), DnsType.Cname)] = new DnsAnswer(0, [new DnsRecord(DnsNames.Normalize(name), DnsType.Cname, DnsNames.Normalize(target))], []);
}

internal static class DnsCodesForTests
{
    public const int Refused = 5;
    public const int NxDomain = 3;
    public const int ServFail = 2;
}

/// <summary>A provider that records calls and "publishes" to a <see cref="FakeDns"/> endpoint, optionally only after a few polls.</summary>
internal sealed class RecordingProvider(FakeDns dns, IPEndPoint publishTo) : IDns01Provider
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public bool Publish { get; set; } = true;

    public Task AddTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"add {recordName} {zone} {value}");
        if (Publish) dns.Serve(publishTo, recordName, value);
        return Task.CompletedTask;
    }

    public Task RemoveTxtAsync(string recordName, string zone, string value, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"remove {recordName} {zone} {value}");
        dns.Unserve(publishTo, recordName, value);
        return Task.CompletedTask;
    }

    public override string ToString() => "recording";
}
