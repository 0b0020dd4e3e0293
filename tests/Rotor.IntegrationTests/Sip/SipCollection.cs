namespace Rotor.IntegrationTests.Sip;

/// <summary>
/// The Kamailio tests run one after another: each starts its own instance, but sipp load and
/// handshake timing on a small machine should not compete with each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SipCollection
{
    public const string Name = "Kamailio";
}
