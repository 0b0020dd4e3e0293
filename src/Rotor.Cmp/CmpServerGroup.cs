namespace Rotor.Cmp;

/// <summary>
/// The CMP servers of one issuer (1 to 10 URLs), tried round-robin. A transaction takes
/// <see cref="Current"/> when it starts and keeps that server to its end; a connection failure
/// only moves the next new transaction to the next server. Thread-safe.
/// </summary>
public sealed class CmpServerGroup
{
    public const int MaxServers = 10;

    private readonly Uri[] _servers;

    // Index into _servers of the server new transactions use; moved with compare-and-swap so
    // that several transactions failing on the same server advance it only once.
    private int _current;

    public CmpServerGroup(IEnumerable<Uri> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        _servers = servers.ToArray();
        if (_servers.Length is 0 or > MaxServers)
        {
            throw new ArgumentException($"a CMP server group needs 1 to {MaxServers} URLs (got {_servers.Length})", nameof(servers));
        }
        foreach (var s in _servers)
        {
            if (s is null || !s.IsAbsoluteUri || (s.Scheme != Uri.UriSchemeHttp && s.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"CMP server URL '{s}' must be an absolute http or https URL", nameof(servers));
            }
        }
    }

    public CmpServerGroup(params Uri[] servers) : this((IEnumerable<Uri>)servers)
    {
    }

    public IReadOnlyList<Uri> Servers => _servers;

    public int Count => _servers.Length;

    /// <summary>The server the next new transaction uses.</summary>
    public Uri Current => _servers[Volatile.Read(ref _current)];

    /// <summary>
    /// Records that <paramref name="server"/> could not be reached: if it is still the current
    /// one, new transactions move to the next server. Returns the server they use now.
    /// </summary>
    public Uri ReportFailure(Uri server)
    {
        var index = Volatile.Read(ref _current);
        if (_servers[index] == server)
        {
            Interlocked.CompareExchange(ref _current, (index + 1) % _servers.Length, index);
        }
        return Current;
    }
}
