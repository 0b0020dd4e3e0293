namespace Rotor.IntegrationTests.Sip;

/// <summary>
/// The Kamailio tests run one after another, and after every other collection has finished, with
/// nothing else running: each starts its own instance, but sipp load and handshake timing on a
/// small machine should not compete with each other or with the rest of the suite. Kamailio
/// 5.6's tls.reload fault (tests/env/sip/README.md) closed the trunk connection in full parallel
/// runs (both attempts of one run on 2026-12-01) and never in the rotation tests run alone
/// (10 of 10).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SipCollection
{
    public const string Name = "Kamailio";
}
