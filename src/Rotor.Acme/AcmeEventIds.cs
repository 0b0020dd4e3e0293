namespace Rotor.Acme;

/// <summary>
/// Event ids of the ACME client's log messages: 1000–1099. Fixed, so operators can filter and
/// alert on them; a new message takes the next free number, a removed one's number is not reused.
/// </summary>
public static class AcmeEventIds
{
    public const int BadNonce = 1001;
    public const int Dropped = 1002;
    public const int AlternateSkipped = 1003;
}
