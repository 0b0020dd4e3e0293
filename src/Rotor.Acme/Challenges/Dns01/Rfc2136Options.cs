namespace Rotor.Acme.Challenges.Dns01;

/// <summary>
/// Where and how <see cref="Rfc2136Provider"/> sends its updates. The TSIG secret is kept out
/// of <see cref="ToString"/>; the provider keeps it only as key bytes.
/// </summary>
public sealed class Rfc2136Options
{
    /// <summary>The primary server that accepts updates: <c>host</c>, <c>host:port</c>, <c>[ipv6]:port</c> (port 53 when left out).</summary>
    public required string Server { get; init; }

    /// <summary>The TSIG key name as the server knows it (BIND: <c>key "NAME" { ... }</c>).</summary>
    public required string KeyName { get; init; }

    /// <summary>
    /// <c>hmac-sha256</c> (default), <c>hmac-sha512</c>, <c>hmac-sha384</c>, <c>hmac-sha224</c> or
    /// <c>hmac-sha1</c>; case and a trailing dot (lego's spelling) do not matter.
    /// </summary>
    public string Algorithm { get; init; } = "hmac-sha256";

    /// <summary>The TSIG secret, base64 as in BIND's key file and <c>tsig-keygen</c> output.</summary>
    public required string Secret { get; init; }

    /// <summary>TTL of the TXT records written, in seconds. Default 60.</summary>
    public int Ttl { get; init; } = 60;

    /// <summary>How long the server may take to answer one update. Default 5 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock difference the server may accept (TSIG fudge). Default 300 s, as RFC 8945 recommends.</summary>
    public TimeSpan Fudge { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Never shows the secret.</summary>
    public override string ToString() => $"rfc2136 {Server} key {KeyName} ({Algorithm})";
}
