using Rotor.Core.Abstractions;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore
{
    public async Task<IssuerRuntimeState?> GetIssuerRuntimeAsync(string issuer, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT state_json, updated_at FROM issuer_runtime WHERE issuer = @i", ("@i", issuer));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new IssuerRuntimeState(issuer, reader.GetString(0), FromMs(Int64(reader, 1))) : null;
    }

    // Issuer-level, not a certificate's row: no lease, one statement.
    public async Task SaveIssuerRuntimeAsync(string issuer, string stateJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, """
            INSERT INTO issuer_runtime(issuer, state_json, updated_at) VALUES(@i, @s, @t)
            ON CONFLICT(issuer) DO UPDATE SET state_json = @s, updated_at = @t
            """, ("@i", issuer), ("@s", stateJson), ("@t", Ms(now)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
