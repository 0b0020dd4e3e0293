namespace Rotor.Cmp.Messages;

/// <summary>PKIStatus (RFC 4210 section 5.2.3), values as on the wire.</summary>
public enum CmpStatus
{
    Accepted = 0,
    GrantedWithMods = 1,
    Rejection = 2,
    Waiting = 3,
    RevocationWarning = 4,
    RevocationNotification = 5,
    KeyUpdateWarning = 6,
}

public static class CmpStatusText
{
    /// <summary>The RFC's name for a status, for messages and events.</summary>
    public static string Describe(CmpStatus status) => status switch
    {
        CmpStatus.Accepted => "accepted",
        CmpStatus.GrantedWithMods => "grantedWithMods",
        CmpStatus.Rejection => "rejection",
        CmpStatus.Waiting => "waiting",
        CmpStatus.RevocationWarning => "revocationWarning",
        CmpStatus.RevocationNotification => "revocationNotification",
        CmpStatus.KeyUpdateWarning => "keyUpdateWarning",
        _ => "unknown PKIStatus " + ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Maps a wire value; anything outside 0..6 is not a PKIStatus.</summary>
    public static bool TryFromWire(int value, out CmpStatus status)
    {
        status = (CmpStatus)value;
        return value is >= 0 and <= 6;
    }
}
