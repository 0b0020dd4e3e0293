using System.Security.Cryptography;
using Npgsql;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Keys;

namespace Rotor.Storage.Postgres;

/// <summary>
/// <see cref="IKeyStore"/> in a PostgreSQL store's <c>sealed_keys</c> table: the same envelope as
/// the keys/ files (AES-256-GCM under the master key, bound to the key reference), so the database
/// alone opens no key. Each write is one committed statement: a key is there whole or not at all.
/// </summary>
internal sealed class PostgresKeyStore(NpgsqlDataSource dataSource, byte[] masterKey, TimeProvider time) : IKeyStore
{
    public async Task<AsymmetricAlgorithm> GenerateAsync(string keyRef, KeyAlgorithm algorithm, int size, CancellationToken cancellationToken)
    {
        var storing = await GenerateWhileStoringAsync(keyRef, algorithm, size, cancellationToken);
        return storing.Key;
    }

    public async Task<StoringKey> GenerateWhileStoringAsync(string keyRef, KeyAlgorithm algorithm, int size, CancellationToken cancellationToken)
    {
        if (await LoadAsync(keyRef, cancellationToken) is { } existing) return new StoringKey(existing, Task.CompletedTask);
        var key = KeyEnvelope.Create(algorithm, size);
        try
        {
            // One round trip, awaited here: the key is durable when this returns. Two instances making
            // the same reference at once keep the first; the second gets that one, never its own.
            await using var c = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var insert = new NpgsqlCommand(
                "INSERT INTO sealed_keys(key_ref, sealed, created_at) VALUES(@k, @s, @t) ON CONFLICT(key_ref) DO NOTHING", c);
            insert.Parameters.AddWithValue("k", Checked(keyRef));
            insert.Parameters.AddWithValue("s", KeyEnvelope.SealKey(masterKey, keyRef, key));
            insert.Parameters.AddWithValue("t", time.GetUtcNow().ToUnixTimeMilliseconds());
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1) return new StoringKey(key, Task.CompletedTask);
        }
        catch
        {
            key.Dispose();
            throw;
        }
        key.Dispose();
        return new StoringKey((await LoadAsync(keyRef, cancellationToken))!, Task.CompletedTask);
    }

    public async Task ImportAsync(string keyRef, AsymmetricAlgorithm key, CancellationToken cancellationToken)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var upsert = new NpgsqlCommand("""
            INSERT INTO sealed_keys(key_ref, sealed, created_at) VALUES(@k, @s, @t)
            ON CONFLICT(key_ref) DO UPDATE SET sealed = EXCLUDED.sealed, created_at = EXCLUDED.created_at
            """, c);
        upsert.Parameters.AddWithValue("k", Checked(keyRef));
        upsert.Parameters.AddWithValue("s", KeyEnvelope.SealKey(masterKey, keyRef, key));
        upsert.Parameters.AddWithValue("t", time.GetUtcNow().ToUnixTimeMilliseconds());
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<AsymmetricAlgorithm?> LoadAsync(string keyRef, CancellationToken cancellationToken)
    {
        var pkcs8 = await ReadPkcs8Async(keyRef, cancellationToken);
        if (pkcs8 is null) return null;
        try
        {
            return KeyEnvelope.ImportPkcs8(pkcs8, keyRef);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    public async Task<string> ExportPkcs8PemAsync(string keyRef, CancellationToken cancellationToken)
    {
        var pkcs8 = await ReadPkcs8Async(keyRef, cancellationToken)
            ?? throw new RotorException($"key '{keyRef}' is not in the key store", isTransient: false);
        try
        {
            return KeyEnvelope.ToPem(pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    public async Task DeleteAsync(string keyRef, CancellationToken cancellationToken)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var delete = new NpgsqlCommand("DELETE FROM sealed_keys WHERE key_ref = @k", c);
        delete.Parameters.AddWithValue("k", Checked(keyRef));
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken);
        // COLLATE "C": the same order as the file store's ordinal sort.
        await using var list = new NpgsqlCommand("SELECT key_ref FROM sealed_keys ORDER BY key_ref COLLATE \"C\"", c);
        await using var r = await list.ExecuteReaderAsync(cancellationToken);
        var refs = new List<string>();
        while (await r.ReadAsync(cancellationToken)) refs.Add(r.GetString(0));
        return refs;
    }

    private async Task<byte[]?> ReadPkcs8Async(string keyRef, CancellationToken cancellationToken)
    {
        await using var c = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var read = new NpgsqlCommand("SELECT sealed FROM sealed_keys WHERE key_ref = @k", c);
        read.Parameters.AddWithValue("k", Checked(keyRef));
        return await read.ExecuteScalarAsync(cancellationToken) is byte[] sealedKey ? KeyEnvelope.Open(masterKey, keyRef, sealedKey, $"stored key '{keyRef}'") : null;
    }

    private static string Checked(string keyRef) =>
        KeyEnvelope.IsValidRef(keyRef) ? keyRef : throw new ArgumentException($"'{keyRef}' is not a valid key reference", nameof(keyRef));
}
