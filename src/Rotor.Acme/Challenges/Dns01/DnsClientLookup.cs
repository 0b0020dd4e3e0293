using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary><see cref="IDnsLookup"/> with DnsClient.NET: no cache, RCODEs returned rather than thrown.</summary>
internal sealed class DnsClientLookup(TimeSpan queryTimeout) : IDnsLookup
{
    public async Task<DnsAnswer> QueryAsync(IReadOnlyList<IPEndPoint> servers, string name, DnsType type, bool recursive, CancellationToken cancellationToken)
    {
        var options = new LookupClientOptions(servers.Select(s => new NameServer(s)).ToArray())
        {
            UseCache = false,
            Recursion = recursive,
            Timeout = queryTimeout,
            // One retry: a single lost UDP datagram should not fail a whole challenge.
            Retries = 1,
            ThrowDnsErrors = false,
            ContinueOnDnsError = true,
            // A NODATA answer is an answer (its authority section names the zone).
            ContinueOnEmptyResponse = false,
            UseTcpFallback = true,
            UseRandomNameServer = false,
            AutoResolveNameServers = false,
        };
        var client = new LookupClient(options);
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(name, (QueryType)(int)type, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException e)
        {
            // Timeouts, refused connections and unparsable answers all mean "no usable answer".
            var detail = e.Code == DnsResponseCode.ConnectionTimeout ? $"no answer within {DnsNames.Seconds(queryTimeout)}" : e.Message;
            throw Dns01Causes.Fail(Dns01Causes.Unreachable,
                $"DNS server {string.Join(", ", servers.Select(DnsServerAddress.Format))} did not answer ({type.ToString().ToUpperInvariant()} {DnsNames.Display(name)}: {detail})",
                transient: true, e);
        }
        return new DnsAnswer((int)response.Header.ResponseCode, Convert(response.Answers), Convert(response.Authorities));
    }

    private static List<DnsRecord> Convert(IReadOnlyList<DnsResourceRecord> records)
    {
        var result = new List<DnsRecord>(records.Count);
        foreach (var record in records)
        {
            var owner = DnsNames.Normalize(record.DomainName.Value);
            DnsRecord? converted = record switch
            {
                ARecord a => new DnsRecord(owner, DnsType.A, a.Address.ToString()),
                AaaaRecord a => new DnsRecord(owner, DnsType.Aaaa, a.Address.ToString()),
                CNameRecord c => new DnsRecord(owner, DnsType.Cname, DnsNames.Normalize(c.CanonicalName.Value)),
                NsRecord n => new DnsRecord(owner, DnsType.Ns, DnsNames.Normalize(n.NSDName.Value)),
                SoaRecord s => new DnsRecord(owner, DnsType.Soa, DnsNames.Normalize(s.MName.Value)),
                // A long TXT value comes as several strings; CAs read them concatenated.
                TxtRecord t => new DnsRecord(owner, DnsType.Txt, string.Concat(t.Text)),
                _ => null,
            };
            if (converted is not null) result.Add(converted);
        }
        return result;
    }
}
