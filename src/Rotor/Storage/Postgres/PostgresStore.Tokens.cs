using Npgsql;
using Rotor.Core.Abstractions;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore : IApiTokenStore
{
    public async Task<bool> AddApiTokenAsync(ApiTokenRecord token, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        // A revoked token's row gives way to a new token of its name; a live one never does.
        using var cmd = Command(c, null, """
            INSERT INTO api_tokens(name, role, sha256, created_at, last_used_at, revoked_at) VALUES(@n, @r, @h, @t, NULL, NULL)
            ON CONFLICT(name) DO UPDATE SET role = @r, sha256 = @h, created_at = @t, last_used_at = NULL, revoked_at = NULL
            WHERE api_tokens.revoked_at IS NOT NULL
            """, ("@n", token.Name), ("@r", token.Role), ("@h", token.Sha256), ("@t", Ms(token.CreatedAt)));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<ApiTokenRecord?> FindApiTokenAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT name, role, sha256, created_at, last_used_at, revoked_at FROM api_tokens WHERE sha256 = @h", ("@h", sha256));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? ReadToken(r) : null;
    }

    public async Task<IReadOnlyList<ApiTokenRecord>> ListApiTokensAsync(CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT name, role, sha256, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY name");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<ApiTokenRecord>();
        while (await r.ReadAsync(cancellationToken)) list.Add(ReadToken(r));
        return list;
    }

    public async Task<bool> RevokeApiTokenAsync(string name, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "UPDATE api_tokens SET revoked_at = @t WHERE name = @n AND revoked_at IS NULL", ("@n", name), ("@t", Ms(at)));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task TouchApiTokenAsync(string name, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "UPDATE api_tokens SET last_used_at = @t WHERE name = @n", ("@n", name), ("@t", Ms(at)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ApiTokenRecord ReadToken(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), FromMs(Int64(r, 3)), FromMs(r.GetValue(4)), FromMs(r.GetValue(5)));
}
