namespace Rotor.Cmp;

/// <summary>
/// Event ids of the CMP client's log messages: 2000–2099. Fixed, so operators can filter and
/// alert on them; a new message takes the next free number, a removed one's number is not reused.
/// </summary>
public static class CmpEventIds
{
    public const int TransactionStarted = 2001;
    public const int Sending = 2002;
    public const int Received = 2003;
    public const int Polling = 2004;
    public const int ServerFailed = 2005;
    public const int Refused = 2006;
    public const int CertificateRejected = 2007;
    public const int ImplicitConfirm = 2008;
    public const int Enrolled = 2009;
    public const int TransactionFailed = 2010;
    public const int AbandonFailed = 2011;
    public const int Abandoned = 2012;
}
