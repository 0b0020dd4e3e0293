using Rotor.Acme.Transport;

namespace Rotor.Acme.Challenges.Dns01;

/// <summary>
/// The short causes that DNS-01 failures carry in <see cref="AcmeException.ProblemType"/>, so
/// a caller can tell a wrong key from a slow server without parsing the message.
/// </summary>
public static class Dns01Causes
{
    /// <summary>TSIG rejected (BADSIG, BADKEY, BADTIME, ...) or an unsigned answer.</summary>
    public const string Tsig = "tsig";

    /// <summary>No zone found, or the server is not authoritative for it (NOTAUTH, NOTZONE).</summary>
    public const string Zone = "zone";

    /// <summary>The server refused the update (REFUSED): policy or permissions.</summary>
    public const string Refused = "refused";

    /// <summary>A DNS server did not answer at all (closed port, no route, timeout).</summary>
    public const string Unreachable = "unreachable";

    /// <summary>The record did not become visible on every authoritative server in time.</summary>
    public const string Timeout = "timeout";

    /// <summary>Any other DNS answer that stops the challenge (SERVFAIL, CNAME loop, ...).</summary>
    public const string Dns = "dns";

    /// <summary>The exec script failed, timed out or could not be started.</summary>
    public const string Exec = "exec";

    /// <summary>The HTTP hook answered an error or could not be reached.</summary>
    public const string Webhook = "webhook";

    /// <summary>The provider's own settings are wrong (bad algorithm, bad secret encoding, ...).</summary>
    public const string Config = "config";

    internal static AcmeException Fail(string cause, string message, bool transient, Exception? inner = null) =>
        new(message, cause, null, transient, inner: inner);
}
