namespace Rotor.Core.Resources;

/// <summary>
/// A live SIP TLS endpoint: where health gates (and monitoring) make handshakes. <see cref="Sni"/>
/// defaults to the host when that is a name; <see cref="Sip"/> adds an OPTIONS request over the
/// TLS connection, and any SIP final response counts as alive.
/// </summary>
public sealed record EndpointSpec(string Host, int Port, string? Sni, bool Sip)
{
    public const int DefaultPort = 5061;
}
