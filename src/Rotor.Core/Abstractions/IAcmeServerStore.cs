namespace Rotor.Core.Abstractions;

/// <summary>
/// An External Account Binding key of Rotor's ACME server: its key id, the name an operator gave
/// it, the HMAC key sealed under the master key (never in clear in the store), and the account it
/// bound, once one did (a key binds one account).
/// </summary>
public sealed record AcmeEabKeyRecord(string KeyId, string Name, byte[] SealedHmacKey, DateTimeOffset CreatedAt, string? AccountId);

/// <summary>An ACME account: its key (JWK JSON and RFC 7638 thumbprint), status (valid, deactivated) and contacts.</summary>
public sealed record AcmeAccountRecord(
    string Id, string Server, string Thumbprint, string JwkJson, string Status,
    IReadOnlyList<string> Contact, string? EabKeyId, DateTimeOffset CreatedAt);

/// <summary>An identifier of an order or authorization: type <c>dns</c> or <c>ip</c>, and its value.</summary>
public sealed record AcmeIdentifierRecord(string Type, string Value);

/// <summary>An order (RFC 8555 7.1.3) as the ACME server keeps it; <see cref="ClientAddress"/> is where newOrder came from.</summary>
public sealed record AcmeOrderRecord(
    string Id, string Server, string AccountId, string Status,
    IReadOnlyList<AcmeIdentifierRecord> Identifiers, IReadOnlyList<string> AuthorizationIds,
    DateTimeOffset Expires, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter,
    string? CertificateId, AcmeProblemRecord? Error, string ClientAddress, DateTimeOffset CreatedAt);

/// <summary>An ACME problem kept with an order or challenge: its type URN and detail.</summary>
public sealed record AcmeProblemRecord(string Type, string Detail);

/// <summary>One challenge of an authorization (http-01, dns-01) and its state.</summary>
public sealed record AcmeChallengeRecord(string Type, string Token, string Status, DateTimeOffset? Validated, AcmeProblemRecord? Error);

/// <summary>An authorization (RFC 8555 7.1.4): one identifier of an order and its challenges.</summary>
public sealed record AcmeAuthorizationRecord(
    string Id, string OrderId, string AccountId, AcmeIdentifierRecord Identifier, string Status,
    DateTimeOffset Expires, bool Wildcard, IReadOnlyList<AcmeChallengeRecord> Challenges);

/// <summary>
/// A certificate the ACME server issued, for the inventory: who asked (account, client address),
/// for what, the chain it handed out, and whether it was revoked.
/// </summary>
public sealed record AcmeIssuedCertificateRecord(
    string Id, string Server, string AccountId, string OrderId, string SerialHex, string ChainPem,
    IReadOnlyList<string> Names, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string ClientAddress,
    DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt, int? RevocationReason);

/// <summary>
/// What Rotor's ACME server keeps, so that a restart of <c>rotor run</c> keeps accounts, orders
/// and the certificates it issued. Contract: thread-safe and safe across processes sharing the
/// store; every update is a whole-record write of one row; ids are unique random strings the
/// server makes; an account's key thumbprint is unique per server.
/// </summary>
public interface IAcmeServerStore
{
    /// <summary>Stores a new EAB key; false when its name is taken.</summary>
    Task<bool> AddEabKeyAsync(AcmeEabKeyRecord key, CancellationToken cancellationToken);

    Task<AcmeEabKeyRecord?> FindEabKeyAsync(string keyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<AcmeEabKeyRecord>> ListEabKeysAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new account, binding <see cref="AcmeAccountRecord.EabKeyId"/> to it in the same
    /// transaction; false (nothing stored) when that EAB key is bound already or the key's
    /// thumbprint has an account on this server.
    /// </summary>
    Task<bool> AddAccountAsync(AcmeAccountRecord account, CancellationToken cancellationToken);

    Task<AcmeAccountRecord?> GetAccountAsync(string id, CancellationToken cancellationToken);

    Task<AcmeAccountRecord?> FindAccountByThumbprintAsync(string server, string thumbprint, CancellationToken cancellationToken);

    /// <summary>Writes status, contact and key; false when the new key's thumbprint belongs to another account.</summary>
    Task<bool> UpdateAccountAsync(AcmeAccountRecord account, CancellationToken cancellationToken);

    /// <summary>Stores an order and its authorizations in one transaction.</summary>
    Task AddOrderAsync(AcmeOrderRecord order, IReadOnlyList<AcmeAuthorizationRecord> authorizations, CancellationToken cancellationToken);

    Task<AcmeOrderRecord?> GetOrderAsync(string id, CancellationToken cancellationToken);

    Task UpdateOrderAsync(AcmeOrderRecord order, CancellationToken cancellationToken);

    /// <summary>Orders of an account made at or after <paramref name="since"/> (for its rate limit).</summary>
    Task<int> CountOrdersSinceAsync(string accountId, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>An account's orders, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> ListOrderIdsAsync(string accountId, int limit, CancellationToken cancellationToken);

    Task<AcmeAuthorizationRecord?> GetAuthorizationAsync(string id, CancellationToken cancellationToken);

    Task UpdateAuthorizationAsync(AcmeAuthorizationRecord authorization, CancellationToken cancellationToken);

    /// <summary>Records an issued certificate and the order that now points at it, in one transaction.</summary>
    Task AddIssuedCertificateAsync(AcmeIssuedCertificateRecord certificate, AcmeOrderRecord order, CancellationToken cancellationToken);

    Task<AcmeIssuedCertificateRecord?> GetIssuedCertificateAsync(string id, CancellationToken cancellationToken);

    Task<AcmeIssuedCertificateRecord?> FindIssuedCertificateBySerialAsync(string server, string serialHex, CancellationToken cancellationToken);

    /// <summary>Certificates issued by <paramref name="server"/> (every server when null), newest first.</summary>
    Task<IReadOnlyList<AcmeIssuedCertificateRecord>> ListIssuedCertificatesAsync(string? server, CancellationToken cancellationToken);

    /// <summary>Marks a certificate revoked; false when it was revoked already.</summary>
    Task<bool> MarkRevokedAsync(string id, DateTimeOffset at, int reason, CancellationToken cancellationToken);
}
