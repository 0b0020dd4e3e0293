using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Rotor.Cmp.Transport;

namespace Rotor.IntegrationTests.Support;

/// <summary>
/// Wraps a real transport: records every exchange (server, request and response body types)
/// and can rewrite a response before the client sees it.
/// </summary>
public sealed class CmpRecordingTransport(ICmpTransport inner, Func<int, byte[], byte[]>? rewrite = null) : ICmpTransport
{
    private readonly List<(Uri Server, string Request, string Response)> _exchanges = [];

    public IReadOnlyList<(Uri Server, string Request, string Response)> Exchanges
    {
        get
        {
            lock (_exchanges) return _exchanges.ToList();
        }
    }

    /// <summary>The wire sequence, e.g. "ir ip certConf pkiConf".</summary>
    public string Sequence => string.Join(" ", Exchanges.SelectMany(e => new[] { e.Request, e.Response }).Where(s => s.Length > 0));

    public async Task<byte[]> SendAsync(Uri server, byte[] request, CancellationToken cancellationToken)
    {
        var index = Exchanges.Count;
        var requestType = BodyName(request);
        try
        {
            var response = await inner.SendAsync(server, request, cancellationToken);
            if (rewrite is not null) response = rewrite(index, response);
            lock (_exchanges) _exchanges.Add((server, requestType, BodyName(response)));
            return response;
        }
        catch
        {
            lock (_exchanges) _exchanges.Add((server, requestType, ""));
            throw;
        }
    }

    public static string BodyName(byte[] der)
    {
        try
        {
            return PkiMessage.GetInstance(Asn1Object.FromByteArray(der)).Body.Type switch
            {
                0 => "ir", 1 => "ip", 2 => "cr", 3 => "cp", 4 => "p10cr", 7 => "kur", 8 => "kup",
                19 => "pkiConf", 23 => "error", 24 => "certConf", 25 => "pollReq", 26 => "pollRep",
                var t => "body" + t,
            };
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or InvalidOperationException)
        {
            return "undecodable";
        }
    }
}
