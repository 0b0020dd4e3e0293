using Microsoft.Extensions.Logging;
using Rotor.Telemetry;

namespace Rotor.AcmeServer;

/// <summary>
/// Log messages of Rotor's ACME server (event ids 3500–3599). Arguments are names, ids,
/// addresses and problem details; never a key, an HMAC key or a token.
/// </summary>
internal static partial class AcmeServerLog
{
    [LoggerMessage(RotorEventIds.AcmeServerListening, LogLevel.Information, "ACME server {Server} listening, directory at {Directory}")]
    public static partial void Listening(ILogger logger, string server, string directory);

    [LoggerMessage(RotorEventIds.AcmeServerCertificateIssued, LogLevel.Information, "ACME server {Server}: its HTTPS certificate was issued, valid until {NotAfter:o}")]
    public static partial void ServerCertificateIssued(ILogger logger, string server, DateTimeOffset notAfter);

    [LoggerMessage(RotorEventIds.AcmeServerCertificateFailed, LogLevel.Warning, "ACME server {Server}: renewing its HTTPS certificate failed, the current one stays in use: {Message}")]
    public static partial void ServerCertificateFailed(ILogger logger, string server, string message);

    [LoggerMessage(RotorEventIds.AcmeServerAccountCreated, LogLevel.Information, "ACME server {Server}: account {Account} created from {Client} (EAB key {EabKeyId})")]
    public static partial void AccountCreated(ILogger logger, string server, string account, string client, string eabKeyId);

    [LoggerMessage(RotorEventIds.AcmeServerOrderRefused, LogLevel.Information, "ACME server {Server}: refused a request of account {Account} from {Client}: {Type}: {Detail}")]
    public static partial void Refused(ILogger logger, string server, string account, string client, string type, string detail);

    [LoggerMessage(RotorEventIds.AcmeServerChallengeValidated, LogLevel.Information, "ACME server {Server}: {Type} for {Identifier} validated (authorization {Authorization})")]
    public static partial void ChallengeValidated(ILogger logger, string server, string type, string identifier, string authorization);

    [LoggerMessage(RotorEventIds.AcmeServerChallengeFailed, LogLevel.Information, "ACME server {Server}: {Type} for {Identifier} failed: {Detail}")]
    public static partial void ChallengeFailed(ILogger logger, string server, string type, string identifier, string detail);

    [LoggerMessage(RotorEventIds.AcmeServerIssued, LogLevel.Information, "ACME server {Server}: issued serial {Serial} for {Names} to account {Account} at {Client}, valid until {NotAfter:o}")]
    public static partial void Issued(ILogger logger, string server, string serial, string names, string account, string client, DateTimeOffset notAfter);

    [LoggerMessage(RotorEventIds.AcmeServerRevoked, LogLevel.Information, "ACME server {Server}: revoked serial {Serial} (reason {Reason})")]
    public static partial void Revoked(ILogger logger, string server, string serial, int reason);

    [LoggerMessage(RotorEventIds.AcmeServerKeyChanged, LogLevel.Information, "ACME server {Server}: account {Account} rolled over to a new key")]
    public static partial void KeyChanged(ILogger logger, string server, string account);

    [LoggerMessage(RotorEventIds.AcmeServerIssueFailed, LogLevel.Warning, "ACME server {Server}: the issuer failed for order {Order}: {Message}")]
    public static partial void IssueFailed(ILogger logger, string server, string order, string message);

    [LoggerMessage(RotorEventIds.AcmeServerStartFailed, LogLevel.Error, "ACME server {Server} did not start: {Message}")]
    public static partial void StartFailed(ILogger logger, string server, string message);

    [LoggerMessage(RotorEventIds.AcmeServerRequestFailed, LogLevel.Error, "ACME server {Server}: a request to {Path} failed unexpectedly; this is a bug in Rotor")]
    public static partial void RequestFailed(ILogger logger, string server, string path, Exception exception);
}
