namespace Rotor.Cmp;

/// <summary>
/// The CMP servers of one issuer (1 to 10 URLs), tried round-robin. A transaction takes
/// <see cref="Current"/> when it starts and keeps that server to its end; a failure of the
/// server (no connection, no answer within the message timeout, a broken HTTP exchange, HTTP 5xx)
/// only moves the next new transaction to the next server. The position is in memory; a caller
/// that keeps it across processes reads <see cref="LastMove"/> and puts it back with
/// <see cref="Resume"/>. Thread-safe.
/// </summary>
public sealed class CmpServerGroup
{
    public const int MaxServers = 10;

    private readonly Uri[] _servers;

    // Guards _current and _lastMove together, so that several transactions failing on the same
    // server advance the group only once and the last move always names the current server.
    private readonly Lock _lock = new();
    private int _current;
    private CmpServerMove? _lastMove;

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
    public Uri Current
    {
        get
        {
            lock (_lock) return _servers[_current];
        }
    }

    /// <summary>The index of <see cref="Current"/> in <see cref="Servers"/>.</summary>
    public int CurrentIndex
    {
        get
        {
            lock (_lock) return _current;
        }
    }

    /// <summary>The last time the group moved on from a failed server, or null if it never did (in this process, or since <see cref="Resume"/>).</summary>
    public CmpServerMove? LastMove
    {
        get
        {
            lock (_lock) return _lastMove;
        }
    }

    /// <summary>
    /// Records that <paramref name="server"/> failed (<paramref name="reason"/>, one of
    /// <see cref="CmpReasons"/>): if it is still the current one, new transactions move to the
    /// next server. Returns the server they use now.
    /// </summary>
    public Uri ReportFailure(Uri server, string reason)
    {
        lock (_lock)
        {
            if (_servers[_current] == server)
            {
                var next = (_current + 1) % _servers.Length;
                _lastMove = new CmpServerMove(server, _servers[next], reason, (_lastMove?.Sequence ?? 0) + 1);
                _current = next;
            }
            return _servers[_current];
        }
    }

    /// <summary>As <see cref="ReportFailure(Uri, string)"/> with the reason <see cref="CmpReasons.Failed"/>.</summary>
    public Uri ReportFailure(Uri server) => ReportFailure(server, CmpReasons.Failed);

    /// <summary>
    /// Puts the group back where an earlier process left it: new transactions use
    /// <paramref name="server"/>. A server not in the group (the list changed) is ignored and
    /// false returned.
    /// </summary>
    public bool Resume(Uri server)
    {
        var index = Array.IndexOf(_servers, server);
        if (index < 0) return false;
        lock (_lock) _current = index;
        return true;
    }
}

/// <summary>
/// The group moved from <paramref name="From"/> to <paramref name="To"/> because of
/// <paramref name="Reason"/> (a <see cref="CmpReasons"/> code). <paramref name="Sequence"/>
/// counts the moves of one group object, so a caller sees whether it moved again.
/// </summary>
public sealed record CmpServerMove(Uri From, Uri To, string Reason, long Sequence);
