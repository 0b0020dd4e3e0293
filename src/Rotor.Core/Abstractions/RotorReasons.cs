namespace Rotor.Core.Abstractions;

/// <summary>
/// The machine-readable reasons Rotor gives: <see cref="RotorException.Reason"/> on failures and
/// the reason of each recorded event. They are a contract (scripts, alert rules and the CLI's exit
/// codes match on them), so code compares against these constants, never a retyped literal.
/// Issuer protocol failures add their own (<c>Acme…</c> from the problem type, <c>Cmp…</c> from
/// the CMP failure) beside these.
/// </summary>
public static class RotorReasons
{
    // Lookups and input.
    public const string NotFound = "NotFound";
    public const string IssuerNotFound = "IssuerNotFound";
    public const string TargetNotFound = "TargetNotFound";
    public const string EndpointNotFound = "EndpointNotFound";
    public const string VersionMissing = "VersionMissing";
    public const string TargetMisconfigured = "TargetMisconfigured";
    public const string NothingToRollBack = "NothingToRollBack";
    public const string InvalidInput = "InvalidInput";
    public const string Conflict = "Conflict";
    public const string PreconditionFailed = "PreconditionFailed";

    // Rotor's ACME server: what it did for devices, recorded as events of the AcmeServer.
    public const string AcmeServerEabKeyCreated = "AcmeServerEabKeyCreated";
    public const string AcmeServerAccountCreated = "AcmeServerAccountCreated";
    public const string AcmeServerAccountDeactivated = "AcmeServerAccountDeactivated";
    public const string AcmeServerKeyChanged = "AcmeServerKeyChanged";
    public const string AcmeServerIssued = "AcmeServerIssued";
    public const string AcmeServerRevoked = "AcmeServerRevoked";
    public const string AcmeServerCertificateFailed = "AcmeServerCertificateFailed";

    // The operator API: tokens, and what a request lacked.
    public const string TokenCreated = "TokenCreated";
    public const string TokenRevoked = "TokenRevoked";
    public const string Unauthorized = "Unauthorized";
    public const string Forbidden = "Forbidden";
    public const string Deleted = "Deleted";

    // The data folder and other processes.
    public const string NotInitialized = "NotInitialized";
    public const string DataFolderRefused = "DataFolderRefused";
    public const string FolderLocked = "FolderLocked";
    public const string Busy = "Busy";
    public const string StoreUnreachable = "StoreUnreachable";

    // Issuance and validation.
    public const string ValidationFailed = "ValidationFailed";
    public const string AcmeTrustFile = "AcmeTrustFile";
    public const string NotifierUnsupported = "NotifierUnsupported";
    public const string NotifierCaBundle = "NotifierCaBundle";
    public const string InvalidScan = "InvalidScan";
    public const string CmpTrustFile = "CmpTrustFile";
    public const string CmpTlsClientCertificate = "CmpTlsClientCertificate";
    public const string CmpSigner = "CmpSigner";
    public const string CmpSuperseded = "CmpSuperseded";
    public const string CmpRevocationUnsupported = "CmpRevocationUnsupported";

    // Targets and their reload.
    public const string OwnershipFailed = "OwnershipFailed";
    public const string ReloadFailed = "ReloadFailed";
    public const string ReloadRefused = "ReloadRefused";
    public const string ReloadNotEffective = "ReloadNotEffective";
    public const string ServerUnreachable = "ServerUnreachable";
    /// <summary>An exec target's command exited non-zero, timed out or could not start.</summary>
    public const string DeployCommandFailed = "DeployCommandFailed";
    /// <summary>A webhook target's receiver answered a status other than 2xx, or could not be reached.</summary>
    public const string WebhookRejected = "WebhookRejected";

    // AudioCodes targets (Mediant REST API v1).
    /// <summary>The device refused the credentials (401) or the user's privilege level (403).</summary>
    public const string AudioCodesAuthFailed = "AudioCodesAuthFailed";
    /// <summary>The device refused what was sent (400: not PEM, wrong size, ...).</summary>
    public const string AudioCodesRejected = "AudioCodesRejected";
    /// <summary>409 ("redundant board is synchronizing") on every attempt of this pass.</summary>
    public const string AudioCodesBusy = "AudioCodesBusy";
    /// <summary>A 5xx answer, a timeout or no connection.</summary>
    public const string AudioCodesUnavailable = "AudioCodesUnavailable";
    /// <summary>The device answered 200 but serves another certificate than the one uploaded.</summary>
    public const string AudioCodesNotEffective = "AudioCodesNotEffective";
    // Genesys Cloud trust targets (BYOC Premises certificate authorities).
    /// <summary>A leaf (a certificate with its key) was bound to a genesysCloud target, which takes CA certificates only.</summary>
    public const string GenesysTrustOnly = "GenesysTrustOnly";
    /// <summary>The login host refused the client credentials, or the API refused the token twice (401) or the client's role (403).</summary>
    public const string GenesysAuthFailed = "GenesysAuthFailed";
    /// <summary>The API refused what was sent (400: a certificate it does not accept, a bad body).</summary>
    public const string GenesysRejected = "GenesysRejected";
    /// <summary>429 beyond the time Rotor waits for Retry-After (180 s per request).</summary>
    public const string GenesysRateLimited = "GenesysRateLimited";
    /// <summary>A 5xx answer after the backoff (3, 9, 27 s), a timeout or no connection.</summary>
    public const string GenesysUnavailable = "GenesysUnavailable";
    /// <summary>A BYOC trunk Rotor watches is not connected or not in service.</summary>
    public const string GenesysTrunkDown = "GenesysTrunkDown";
    // Oracle SBC targets (REST API v1.2 of releases 8.4 and 9.3).
    /// <summary>The SBC refused the credentials (401 on the token request, or again after a fresh token) or the user's privileges (403).</summary>
    public const string OracleSbcAuthFailed = "OracleSbcAuthFailed";
    /// <summary>The SBC refused what was sent (400: not PEM, not the record's key, ...), or a save, verify or activate ended in failure.</summary>
    public const string OracleSbcRejected = "OracleSbcRejected";
    /// <summary>Another user held the configuration lock (423) on every attempt of this pass.</summary>
    public const string OracleSbcLocked = "OracleSbcLocked";
    /// <summary>A 5xx answer, a timeout, no connection, or a save/verify/activate that did not finish in time.</summary>
    public const string OracleSbcUnavailable = "OracleSbcUnavailable";
    /// <summary>Everything was accepted, but the record in service does not hold the version's certificate.</summary>
    public const string OracleSbcNotEffective = "OracleSbcNotEffective";
    /// <summary>A rollback the SBC cannot do: with one certificate-record the previous key is gone (the SBC made a new one for the request).</summary>
    public const string OracleSbcCannotRollBack = "OracleSbcCannotRollBack";
    /// <summary>A certificate whose key stays on a device breaks a key-on-device rule (bindings, rotationPolicy, issuer).</summary>
    public const string KeyOnDeviceMisconfigured = "KeyOnDeviceMisconfigured";
    /// <summary>The device's certificate signing request does not parse, is not signed by its key, or is signed with SHA-1.</summary>
    public const string KeyOnDeviceBadRequest = "KeyOnDeviceBadRequest";

    // Events of a certificate's life (also failure reasons where marked).
    public const string Applied = "Applied";
    public const string Issued = "Issued";
    public const string KeyImported = "KeyImported";
    public const string KeyUpdateWaiting = "KeyUpdateWaiting";
    public const string Deployed = "Deployed";
    public const string Promoted = "Promoted";
    public const string Active = "Active";
    public const string GatePassed = "GatePassed";
    public const string GateInconclusive = "GateInconclusive";
    public const string GateFailed = "GateFailed";
    public const string EndpointUnreachable = "EndpointUnreachable";
    public const string RollbackRequested = "RollbackRequested";
    public const string RenewRequested = "RenewRequested";
    public const string RotateRequested = "RotateRequested";
    /// <summary>An event, and the failure of a reconcile whose version was rolled back.</summary>
    public const string RolledBack = "RolledBack";
    public const string Retired = "Retired";
    public const string VersionRetired = "VersionRetired";
    public const string RevokeFailed = "RevokeFailed";

    /// <summary>
    /// The reason of an issuer protocol's failure: the protocol's name and its own failure code in
    /// PascalCase (an ACME problem type <c>rateLimited</c> gives <c>AcmeRateLimited</c>; a CMP
    /// failure <c>message-timeout</c> gives <c>CmpMessageTimeout</c>), <c>AcmeError</c>/<c>CmpError</c> without one.
    /// </summary>
    public static string FromProtocol(string protocol, string? code)
    {
        if (string.IsNullOrEmpty(code)) return protocol + "Error";
        return protocol + string.Concat(code.Split('-', '_').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
