using System.Text.Json;
using Microsoft.Data.Sqlite;
using Rotor.Core.Abstractions;

namespace Rotor.Storage.Sqlite;

/// <summary>
/// The ACME server's rows. Orders, authorizations and issued certificates are kept as one JSON
/// body each (the server reads and writes them whole) beside the columns it looks them up by.
/// </summary>
public sealed partial class SqliteStore : IAcmeServerStore
{
    private const int SqliteConstraint = 19;

    public async Task<bool> AddEabKeyAsync(AcmeEabKeyRecord key, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            INSERT INTO acme_eab_keys(key_id, name, hmac_sealed, created_at, account_id) VALUES($k, $n, $h, $t, NULL)
            ON CONFLICT DO NOTHING
            """, ("$k", key.KeyId), ("$n", key.Name), ("$h", key.SealedHmacKey), ("$t", Ms(key.CreatedAt)));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<AcmeEabKeyRecord?> FindEabKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT key_id, name, hmac_sealed, created_at, account_id FROM acme_eab_keys WHERE key_id = $k", ("$k", keyId));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? ReadEabKey(r) : null;
    }

    public async Task<IReadOnlyList<AcmeEabKeyRecord>> ListEabKeysAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT key_id, name, hmac_sealed, created_at, account_id FROM acme_eab_keys ORDER BY name");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<AcmeEabKeyRecord>();
        while (await r.ReadAsync(cancellationToken)) list.Add(ReadEabKey(r));
        return list;
    }

    private static AcmeEabKeyRecord ReadEabKey(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), (byte[])r.GetValue(2), FromMs(r.GetInt64(3)), r.IsDBNull(4) ? null : r.GetString(4));

    public async Task<bool> AddAccountAsync(AcmeAccountRecord account, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken);
        if (account.EabKeyId is not null)
        {
            using var bind = Command(c, tx, "UPDATE acme_eab_keys SET account_id = $a WHERE key_id = $k AND account_id IS NULL",
                ("$a", account.Id), ("$k", account.EabKeyId));
            if (await bind.ExecuteNonQueryAsync(cancellationToken) == 0) return false;
        }
        using var insert = Command(c, tx, """
            INSERT INTO acme_accounts(id, server, thumbprint, jwk, status, contact, eab_key_id, created_at)
            VALUES($i, $s, $p, $j, $st, $c, $e, $t) ON CONFLICT DO NOTHING
            """, ("$i", account.Id), ("$s", account.Server), ("$p", account.Thumbprint), ("$j", account.JwkJson), ("$st", account.Status),
            ("$c", JsonSerializer.Serialize(account.Contact, RotorJsonContext.Default.IReadOnlyListString)), ("$e", account.EabKeyId), ("$t", Ms(account.CreatedAt)));
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0) return false;
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    public Task<AcmeAccountRecord?> GetAccountAsync(string id, CancellationToken cancellationToken) =>
        ReadAccountAsync("id = $a", [("$a", id)], cancellationToken);

    public Task<AcmeAccountRecord?> FindAccountByThumbprintAsync(string server, string thumbprint, CancellationToken cancellationToken) =>
        ReadAccountAsync("server = $s AND thumbprint = $p", [("$s", server), ("$p", thumbprint)], cancellationToken);

    private async Task<AcmeAccountRecord?> ReadAccountAsync(string where, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"SELECT id, server, thumbprint, jwk, status, contact, eab_key_id, created_at FROM acme_accounts WHERE {where}", parameters);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken)) return null;
        return new AcmeAccountRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
            JsonSerializer.Deserialize(r.GetString(5), RotorJsonContext.Default.IReadOnlyListString) ?? [],
            r.IsDBNull(6) ? null : r.GetString(6), FromMs(r.GetInt64(7)));
    }

    public async Task<bool> UpdateAccountAsync(AcmeAccountRecord account, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "UPDATE acme_accounts SET thumbprint = $p, jwk = $j, status = $st, contact = $c WHERE id = $i",
            ("$i", account.Id), ("$p", account.Thumbprint), ("$j", account.JwkJson), ("$st", account.Status),
            ("$c", JsonSerializer.Serialize(account.Contact, RotorJsonContext.Default.IReadOnlyListString)));
        try
        {
            return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteConstraint)
        {
            return false; // the new key is another account's
        }
    }

    public async Task AddOrderAsync(AcmeOrderRecord order, IReadOnlyList<AcmeAuthorizationRecord> authorizations, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken);
        using (var insert = Command(c, tx, "INSERT INTO acme_orders(id, account_id, created_at, body) VALUES($i, $a, $t, $b)",
            ("$i", order.Id), ("$a", order.AccountId), ("$t", Ms(order.CreatedAt)), ("$b", JsonSerializer.Serialize(order, RotorJsonContext.Default.AcmeOrderRecord))))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var a in authorizations)
        {
            using var authz = Command(c, tx, "INSERT INTO acme_authorizations(id, order_id, body) VALUES($i, $o, $b)",
                ("$i", a.Id), ("$o", a.OrderId), ("$b", JsonSerializer.Serialize(a, RotorJsonContext.Default.AcmeAuthorizationRecord)));
            await authz.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<AcmeOrderRecord?> GetOrderAsync(string id, CancellationToken cancellationToken) =>
        await ReadBodyAsync("SELECT body FROM acme_orders WHERE id = $i", id, cancellationToken) is { } body
            ? JsonSerializer.Deserialize(body, RotorJsonContext.Default.AcmeOrderRecord)
            : null;

    public async Task UpdateOrderAsync(AcmeOrderRecord order, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "UPDATE acme_orders SET body = $b WHERE id = $i",
            ("$i", order.Id), ("$b", JsonSerializer.Serialize(order, RotorJsonContext.Default.AcmeOrderRecord)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> CountOrdersSinceAsync(string accountId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT COUNT(*) FROM acme_orders WHERE account_id = $a AND created_at >= $t", ("$a", accountId), ("$t", Ms(since)));
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<string>> ListOrderIdsAsync(string accountId, int limit, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT id FROM acme_orders WHERE account_id = $a ORDER BY created_at DESC LIMIT $l", ("$a", accountId), ("$l", limit));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<string>();
        while (await r.ReadAsync(cancellationToken)) list.Add(r.GetString(0));
        return list;
    }

    public async Task<AcmeAuthorizationRecord?> GetAuthorizationAsync(string id, CancellationToken cancellationToken) =>
        await ReadBodyAsync("SELECT body FROM acme_authorizations WHERE id = $i", id, cancellationToken) is { } body
            ? JsonSerializer.Deserialize(body, RotorJsonContext.Default.AcmeAuthorizationRecord)
            : null;

    public async Task UpdateAuthorizationAsync(AcmeAuthorizationRecord authorization, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "UPDATE acme_authorizations SET body = $b WHERE id = $i",
            ("$i", authorization.Id), ("$b", JsonSerializer.Serialize(authorization, RotorJsonContext.Default.AcmeAuthorizationRecord)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task AddIssuedCertificateAsync(AcmeIssuedCertificateRecord certificate, AcmeOrderRecord order, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken);
        using (var insert = Command(c, tx, "INSERT INTO acme_certificates(id, server, serial, issued_at, body) VALUES($i, $s, $n, $t, $b)",
            ("$i", certificate.Id), ("$s", certificate.Server), ("$n", certificate.SerialHex), ("$t", Ms(certificate.IssuedAt)),
            ("$b", JsonSerializer.Serialize(certificate, RotorJsonContext.Default.AcmeIssuedCertificateRecord))))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        using (var update = Command(c, tx, "UPDATE acme_orders SET body = $b WHERE id = $i",
            ("$i", order.Id), ("$b", JsonSerializer.Serialize(order, RotorJsonContext.Default.AcmeOrderRecord))))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
    }

    public Task<AcmeIssuedCertificateRecord?> GetIssuedCertificateAsync(string id, CancellationToken cancellationToken) =>
        ReadCertificateAsync("id = $i", [("$i", id)], cancellationToken);

    public Task<AcmeIssuedCertificateRecord?> FindIssuedCertificateBySerialAsync(string server, string serialHex, CancellationToken cancellationToken) =>
        ReadCertificateAsync("server = $s AND serial = $n", [("$s", server), ("$n", serialHex)], cancellationToken);

    private async Task<AcmeIssuedCertificateRecord?> ReadCertificateAsync(string where, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, $"SELECT body, revoked_at, revocation_reason FROM acme_certificates WHERE {where}", parameters);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? ReadCertificate(r) : null;
    }

    public async Task<IReadOnlyList<AcmeIssuedCertificateRecord>> ListIssuedCertificatesAsync(string? server, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT body, revoked_at, revocation_reason FROM acme_certificates WHERE $s IS NULL OR server = $s ORDER BY issued_at DESC", ("$s", server));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<AcmeIssuedCertificateRecord>();
        while (await r.ReadAsync(cancellationToken)) list.Add(ReadCertificate(r));
        return list;
    }

    /// <summary>The body as issued, with the revocation columns (written later) laid over it.</summary>
    private static AcmeIssuedCertificateRecord ReadCertificate(SqliteDataReader r) =>
        JsonSerializer.Deserialize(r.GetString(0), RotorJsonContext.Default.AcmeIssuedCertificateRecord)! with
        {
            RevokedAt = FromMs(r.GetValue(1)),
            RevocationReason = r.IsDBNull(2) ? null : r.GetInt32(2),
        };

    public async Task<bool> MarkRevokedAsync(string id, DateTimeOffset at, int reason, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "UPDATE acme_certificates SET revoked_at = $t, revocation_reason = $r WHERE id = $i AND revoked_at IS NULL",
            ("$i", id), ("$t", Ms(at)), ("$r", reason));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private async Task<string?> ReadBodyAsync(string sql, string id, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, sql, ("$i", id));
        return await cmd.ExecuteScalarAsync(cancellationToken) as string;
    }
}
