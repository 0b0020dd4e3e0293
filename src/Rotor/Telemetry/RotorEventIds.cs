namespace Rotor.Telemetry;

/// <summary>
/// Event ids of Rotor's log messages, one table for the application (the ACME and CMP client
/// libraries keep theirs in <see cref="Acme.AcmeEventIds"/> (1000–1099) and
/// <see cref="Cmp.CmpEventIds"/> (2000–2099)). Fixed, so operators can filter and alert on them; a
/// new message takes the next free number of its area, a removed one's number is not reused.
/// A test checks every [LoggerMessage] id is declared in one of the three tables, once.
/// </summary>
public static class RotorEventIds
{
    // 1100–1199: the ACME issuer.
    public const int AccountReady = 1101;
    public const int AccountRecreated = 1102;
    public const int Progress = 1103;

    // 2100–2199: the CMP issuer.
    public const int CmpSuperseding = 2101;
    public const int CmpPositionSaved = 2102;
    public const int CmpPositionResumed = 2103;
    public const int CmpPositionStale = 2104;
    public const int CmpPositionNotSaved = 2105;

    // 3000–3999: targets.
    public const int Deployed = 3001;
    public const int KamailioReloadAttemptFailed = 3010;
    public const int LeftoverRemoved = 3020;
    public const int ExecCommandFinished = 3301;
    public const int ExecCommandFailed = 3302;
    public const int WebhookTargetDelivered = 3311;
    public const int WebhookTargetAttemptFailed = 3312;

    // 3100–3119: AudioCodes targets.
    public const int AudioCodesConflictRetry = 3100;
    public const int AudioCodesRestored = 3101;
    public const int AudioCodesNothingToRestore = 3102;
    public const int AudioCodesRestoreFailed = 3103;
    public const int AudioCodesCsrRequested = 3104;

    // 3120–3139: Genesys Cloud trust targets.
    public const int GenesysRetry = 3120;
    public const int GenesysCaAdded = 3121;
    public const int GenesysCaRemoved = 3122;
    public const int GenesysTokenRefused = 3123;
    public const int GenesysTrunkStatus = 3124;
    // 3140–3159: Oracle SBC targets.
    public const int OracleSbcLockRetry = 3140;
    public const int OracleSbcUnlockFailed = 3141;
    public const int OracleSbcCsrRequested = 3142;
    public const int OracleSbcActivated = 3143;
    public const int OracleSbcRolledBack = 3144;
    public const int OracleSbcCannotRollBack = 3145;
    public const int OracleSbcTokenRenewed = 3146;

    // 3500–3599: Rotor's ACME server.
    public const int AcmeServerListening = 3501;
    public const int AcmeServerCertificateIssued = 3502;
    public const int AcmeServerCertificateFailed = 3503;
    public const int AcmeServerAccountCreated = 3504;
    public const int AcmeServerOrderRefused = 3505;
    public const int AcmeServerChallengeValidated = 3506;
    public const int AcmeServerChallengeFailed = 3507;
    public const int AcmeServerIssued = 3508;
    public const int AcmeServerRevoked = 3509;
    public const int AcmeServerKeyChanged = 3510;
    public const int AcmeServerIssueFailed = 3511;
    public const int AcmeServerStartFailed = 3512;
    public const int AcmeServerRequestFailed = 3513;

    // 4000–4999: probes.
    public const int ProbeSucceeded = 4001;
    public const int ProbeFailed = 4002;
    public const int ProbeNotKept = 4003;
    public const int ScanFinished = 4101;
    public const int ScanFailed = 4102;
    public const int ScanSrvFailed = 4103;

    // 5000–5999: reconcile, rotation, leases.
    public const int Reconciling = 5001;
    public const int ReconcileFailed = 5002;
    public const int PassDone = 5003;
    public const int Sleeping = 5004;
    public const int Activated = 5005;
    public const int ReconcileBug = 5006;
    public const int AdviceUnavailable = 5007;
    public const int KeyUpdateDeferred = 5008;
    public const int RotationWaiting = 5020;
    public const int RotationEvent = 5021;
    public const int LeaseTakenOver = 5030;
    public const int LeaseLost = 5031;
    public const int LeaseBusy = 5032;
    public const int LeasesOfDeadOwnerEnded = 5033;

    // 6000–6999: issuance and keys.
    public const int Issued = 6001;
    public const int ValidationFailed = 6002;
    public const int StrayKeyDeleted = 6003;
    public const int UnknownKeyKept = 6004;

    // 7000–7999: the service host.
    public const int Listening = 7001;
    public const int ShuttingDown = 7002;
    public const int PassCrashed = 7003;

    // 8000–8999: alerts and their delivery.
    public const int AlertDelivered = 8001;
    public const int AlertDeliveryFailed = 8002;
    public const int AlertLoopFailed = 8003;
}
