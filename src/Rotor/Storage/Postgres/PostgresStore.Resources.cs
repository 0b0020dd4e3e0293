using Npgsql;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Storage.Postgres;

public sealed partial class PostgresStore
{
    public async Task<IReadOnlyList<(StoredResource Resource, ApplyOutcome Outcome)>> ApplyAsync(
        IReadOnlyList<StoredResource> resources, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var results = new List<(StoredResource, ApplyOutcome)>(resources.Count);
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        foreach (var r in resources)
        {
            // Each resource's lock, as ApplyIfAsync takes it: a concurrent conditional write of the same one waits.
            await LockResourceAsync(c, tx, r.Kind, r.Name, cancellationToken);
            results.Add((await ApplyOneAsync(c, tx, r, new WriteCondition.None(), now, cancellationToken))!.Value);
        }
        await tx.CommitAsync(cancellationToken);
        return results;
    }

    /// <summary>Stores one resource in <paramref name="tx"/> if <paramref name="condition"/> holds; null when it does not.</summary>
    private static async Task<(StoredResource, ApplyOutcome)?> ApplyOneAsync(NpgsqlConnection c, NpgsqlTransaction tx, StoredResource r,
        WriteCondition condition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var find = Command(c, tx, "SELECT generation, spec_hash FROM resources WHERE kind = @k AND name = @n", ("@k", r.Kind), ("@n", r.Name));
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        long? generation = null;
        string? hash = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            generation = Int64(reader, 0);
            hash = reader.GetString(1);
        }
        await reader.DisposeAsync();
        if (!Holds(condition, generation, hash)) return null;

        ApplyOutcome outcome;
        long newGeneration;
        if (generation is null)
        {
            newGeneration = 1;
            outcome = ApplyOutcome.Created;
            using var insert = Command(c, tx, """
                INSERT INTO resources(kind, name, generation, spec_json, spec_hash, source_file, created_at, updated_at)
                VALUES(@k, @n, 1, @s, @h, @f, @t, @t)
                """, ("@k", r.Kind), ("@n", r.Name), ("@s", r.SpecJson), ("@h", r.SpecHash), ("@f", r.SourceFile), ("@t", Ms(now)));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        else if (hash != r.SpecHash)
        {
            newGeneration = generation.Value + 1;
            outcome = ApplyOutcome.Configured;
            using var update = Command(c, tx, """
                UPDATE resources SET generation = @g, spec_json = @s, spec_hash = @h, source_file = @f, updated_at = @t
                WHERE kind = @k AND name = @n
                """, ("@k", r.Kind), ("@n", r.Name), ("@g", newGeneration), ("@s", r.SpecJson), ("@h", r.SpecHash), ("@f", r.SourceFile), ("@t", Ms(now)));
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        else
        {
            return (r with { Generation = generation.Value }, ApplyOutcome.Unchanged);
        }

        if (r.Kind == ResourceKinds.Certificate)
        {
            // A new or changed certificate is looked at now; the reconciler decides whether
            // the change needs a new version. Earlier failures no longer apply to the new spec.
            using var due = Command(c, tx, """
                INSERT INTO certificate_status(name, next_due_at) VALUES(@n, @t)
                ON CONFLICT(name) DO UPDATE SET next_due_at = @t, failures = 0, last_failure = NULL
                """, ("@n", r.Name), ("@t", Ms(now)));
            await due.ExecuteNonQueryAsync(cancellationToken);
        }
        return (r with { Generation = newGeneration, UpdatedAt = now }, outcome);
    }

    private static bool Holds(WriteCondition condition, long? generation, string? hash) => condition switch
    {
        WriteCondition.Absent => generation is null,
        WriteCondition.Present => generation is not null,
        WriteCondition.Version v => generation == v.Generation && hash == v.SpecHash,
        _ => true,
    };

    public async Task<StoredResource?> GetResourceAsync(string kind, string name, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT kind, name, generation, spec_json, spec_hash, source_file, updated_at FROM resources WHERE kind = @k AND name = @n",
            ("@k", kind), ("@n", name));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadResource(reader) : null;
    }

    public async Task<IReadOnlyList<StoredResource>> ListResourcesAsync(string kind, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        using var cmd = Command(c, null, "SELECT kind, name, generation, spec_json, spec_hash, source_file, updated_at FROM resources WHERE kind = @k ORDER BY name", ("@k", kind));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredResource>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadResource(reader));
        }
        return list;
    }

    public async Task<bool> DeleteResourceAsync(string kind, string name, CancellationToken cancellationToken)
    {
        await using var c = await OpenConnectionAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        using var cmd = Command(c, tx, "DELETE FROM resources WHERE kind = @k AND name = @n", ("@k", kind), ("@n", name));
        var n = await cmd.ExecuteNonQueryAsync(cancellationToken);
        if (kind == ResourceKinds.Certificate)
        {
            using var status = Command(c, tx, "DELETE FROM certificate_status WHERE name = @n", ("@n", name));
            await status.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return n > 0;
    }

    private static StoredResource ReadResource(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), Int64(r, 2), r.GetString(3), r.GetString(4), r.GetString(5),
        FromMs(Int64(r, 6)));
}
