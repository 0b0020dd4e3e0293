using Rotor.Core.Abstractions;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore
{
    public async Task<string?> GetMetaAsync(string key, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT value FROM meta WHERE key = @k", ("@k", key));
        return await cmd.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task SetMetaAsync(string key, string value, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "INSERT INTO meta(key, value) VALUES(@k, @v) ON CONFLICT(key) DO UPDATE SET value = @v", ("@k", key), ("@v", value));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            SELECT NOT (EXISTS (SELECT 1 FROM resources) OR EXISTS (SELECT 1 FROM certificate_versions) OR EXISTS (SELECT 1 FROM certificate_status))
            """);
        return (bool)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task RecordKeyIntentAsync(string keyRef, string certificate, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await BeginFencedAsync(c, certificate, cancellationToken);
        using var cmd = Command(c, tx, "INSERT INTO key_intents(key_ref, certificate, created_at) VALUES(@k, @c, @t) ON CONFLICT(key_ref) DO NOTHING",
            ("@k", keyRef), ("@c", certificate), ("@t", Ms(now)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> ListKeyIntentsAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT key_ref, certificate FROM key_intents");
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            map[reader.GetString(0)] = reader.GetString(1);
        }
        return map;
    }

    public async Task ForgetKeyIntentAsync(string keyRef, string certificate, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await BeginFencedAsync(c, certificate, cancellationToken);
        using var cmd = Command(c, tx, "DELETE FROM key_intents WHERE key_ref = @k", ("@k", keyRef));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }
}
