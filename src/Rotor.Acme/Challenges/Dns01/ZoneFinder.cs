using System.Net;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>Where a DNS-01 record is written: the name (after CNAME delegation) and its zone.</summary>
internal sealed record Dns01Target(string RecordName, string Zone);

/// <summary>
/// Finds where a TXT record must go: follows CNAMEs from <c>_acme-challenge.&lt;name&gt;</c>
/// (delegating the challenge to another zone is common practice, and CAs follow them too),
/// then walks up from the final name asking for SOA until a zone answers.
/// </summary>
internal sealed class ZoneFinder(IDnsLookup lookup)
{
    /// <summary>More hops than any sane delegation; stops loops that the seen-set would miss across case tricks.</summary>
    public const int MaxCnameHops = 8;

    public async Task<Dns01Target> FindAsync(IReadOnlyList<IPEndPoint> resolvers, string recordName, bool followCnames, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var name = DnsNames.Normalize(recordName);
        if (followCnames)
        {
            name = await FollowCnamesAsync(resolvers, name, progress, cancellationToken);
        }
        var zone = await FindZoneAsync(resolvers, name, cancellationToken);
        return new Dns01Target(name, zone);
    }

    public async Task<string> FollowCnamesAsync(IReadOnlyList<IPEndPoint> resolvers, string name, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var current = DnsNames.Normalize(name);
        var seen = new HashSet<string>(StringComparer.Ordinal) { current };
        for (var hop = 0; hop < MaxCnameHops; hop++)
        {
            var answer = await lookup.QueryAsync(resolvers, current, DnsType.Cname, recursive: true, cancellationToken);
            if (answer.ResponseCode is not (DnsCodes.NoError or DnsCodes.NxDomain or DnsCodes.Refused))
            {
                // A failing resolver may hide a delegation; writing the record at the wrong place would fail late and obscurely.
                throw Dns01Causes.Fail(Dns01Causes.Dns,
                    $"the resolver answered {DnsCodes.Name(answer.ResponseCode)} for CNAME {DnsNames.Display(current)}", transient: true);
            }
            var cname = answer.Answers.FirstOrDefault(r => r.Type == DnsType.Cname && r.Owner == current);
            if (cname is null) return current;
            if (!seen.Add(cname.Data))
            {
                throw Dns01Causes.Fail(Dns01Causes.Dns, $"CNAME loop: {DnsNames.Display(current)} points back to {DnsNames.Display(cname.Data)}", transient: false);
            }
            progress?.Report($"{DnsNames.Display(current)} is a CNAME to {DnsNames.Display(cname.Data)}; the TXT record goes there");
            current = cname.Data;
        }
        throw Dns01Causes.Fail(Dns01Causes.Dns, $"more than {MaxCnameHops} CNAMEs from {DnsNames.Display(name)}", transient: false);
    }

    /// <summary>
    /// The zone of <paramref name="name"/>: the owner of the first SOA found walking up, either
    /// in the answer (the name is a zone apex) or in the authority section of a NODATA/NXDOMAIN
    /// answer (the SOA of the enclosing zone). A REFUSED answer means "not served here": walk on.
    /// </summary>
    public async Task<string> FindZoneAsync(IReadOnlyList<IPEndPoint> resolvers, string name, CancellationToken cancellationToken)
    {
        var target = DnsNames.Normalize(name);
        for (var current = target; current is not null && current != "."; current = DnsNames.Parent(current))
        {
            var answer = await lookup.QueryAsync(resolvers, current, DnsType.Soa, recursive: true, cancellationToken);
            if (answer.ResponseCode == DnsCodes.Refused) continue;
            if (answer.ResponseCode is not (DnsCodes.NoError or DnsCodes.NxDomain))
            {
                throw Dns01Causes.Fail(Dns01Causes.Dns,
                    $"the resolver answered {DnsCodes.Name(answer.ResponseCode)} for SOA {DnsNames.Display(current)} while looking for the zone of {DnsNames.Display(target)}",
                    transient: true);
            }
            // An SOA in the answer under another owner comes from a CNAME chain: not this name's zone.
            if (answer.Answers.Any(r => r.Type == DnsType.Soa && r.Owner == current)) return current;
            var authority = answer.Authorities.FirstOrDefault(r => r.Type == DnsType.Soa && DnsNames.IsAtOrBelow(target, r.Owner));
            // The root's SOA (a nonexistent top-level domain) names no zone anyone can update.
            if (authority is not null && authority.Owner != ".") return authority.Owner;
        }
        throw Dns01Causes.Fail(Dns01Causes.Zone, $"no zone found for {DnsNames.Display(target)}", transient: false);
    }
}
