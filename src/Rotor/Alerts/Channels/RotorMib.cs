namespace Rotor.Alerts.Channels;

/// <summary>
/// The OIDs of deploy/snmp/ROTOR-MIB.txt. They sit under 1.3.6.1.4.1.32473, the private
/// enterprise number IANA reserves for documentation (RFC 5612): a placeholder a site may re-map
/// to its own enterprise arc, never a number that belongs to Rotor. A unit test reads the MIB file
/// and checks every OID here against it.
/// </summary>
public static class RotorMib
{
    /// <summary>rotorMIB MODULE-IDENTITY ::= { enterprises 32473 61 }.</summary>
    public const string Module = "1.3.6.1.4.1.32473.61";

    public const string Notifications = Module + ".0";
    public const string AlertFiring = Notifications + ".1";
    public const string AlertResolved = Notifications + ".2";

    public const string Objects = Module + ".1";
    public const string AlertKey = Objects + ".1";
    public const string AlertRule = Objects + ".2";
    public const string AlertSeverity = Objects + ".3";
    public const string AlertSummary = Objects + ".4";
    public const string AlertCertificate = Objects + ".5";
    public const string AlertEndpoint = Objects + ".6";
    public const string AlertIssuer = Objects + ".7";
    public const string AlertTarget = Objects + ".8";
    public const string AlertFiringSince = Objects + ".9";

    /// <summary>Standard objects every SNMPv2 notification starts with (RFC 3416 section 4.2.6).</summary>
    public const string SysUpTime0 = "1.3.6.1.2.1.1.3.0";
    public const string SnmpTrapOid0 = "1.3.6.1.6.3.1.1.4.1.0";

    /// <summary>Every Rotor object, by its MIB descriptor, in the order of the notifications' OBJECTS clause.</summary>
    public static readonly IReadOnlyList<(string Descriptor, string Oid)> NotificationObjects =
    [
        ("rotorAlertKey", AlertKey), ("rotorAlertRule", AlertRule), ("rotorAlertSeverity", AlertSeverity),
        ("rotorAlertSummary", AlertSummary), ("rotorAlertCertificate", AlertCertificate), ("rotorAlertEndpoint", AlertEndpoint),
        ("rotorAlertIssuer", AlertIssuer), ("rotorAlertTarget", AlertTarget), ("rotorAlertFiringSince", AlertFiringSince),
    ];

    /// <summary>Every OID the MIB defines, by descriptor.</summary>
    public static IEnumerable<(string Descriptor, string Oid)> All =>
    [
        ("rotorMIB", Module), ("rotorNotifications", Notifications), ("rotorAlertFiring", AlertFiring),
        ("rotorAlertResolved", AlertResolved), ("rotorObjects", Objects), .. NotificationObjects,
    ];
}
