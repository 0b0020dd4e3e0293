using System.Net;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>The record types DNS-01 needs to read.</summary>
internal enum DnsType
{
    A = 1,
    Ns = 2,
    Cname = 5,
    Soa = 6,
    Txt = 16,
    Aaaa = 28,
}

/// <summary>
/// One record of an answer, reduced to what DNS-01 uses: the owner (normalized), and as
/// <see cref="Data"/> the target of a CNAME/NS, the address of A/AAAA, the concatenated
/// strings of a TXT record, or the primary server of a SOA.
/// </summary>
internal sealed record DnsRecord(string Owner, DnsType Type, string Data);

internal sealed record DnsAnswer(int ResponseCode, IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Authorities)
{
    public static DnsAnswer Empty(int responseCode = DnsCodes.NoError) => new(responseCode, [], []);
}

/// <summary>
/// The DNS reads of the solver, behind a seam so that zone and CNAME logic can be tested with
/// a fake. The real one is <see cref="DnsClientLookup"/>.
/// </summary>
internal interface IDnsLookup
{
    /// <summary>
    /// Asks <paramref name="servers"/> (the next one when one does not answer), with or without
    /// recursion, never from a cache. Returns whatever RCODE the server gave; throws an
    /// <see cref="Transport.AcmeException"/> (<see cref="Dns01Causes.Unreachable"/>) when no server answered.
    /// </summary>
    Task<DnsAnswer> QueryAsync(IReadOnlyList<IPEndPoint> servers, string name, DnsType type, bool recursive, CancellationToken cancellationToken);
}
