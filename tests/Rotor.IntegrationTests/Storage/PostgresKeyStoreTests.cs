using System.Security.Cryptography;
using Npgsql;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.IntegrationTests.Support;
using Rotor.Storage.Postgres;

namespace Rotor.IntegrationTests.Storage;

/// <summary>Private keys in a PostgreSQL store: sealed under the master key as in keys/ files, shared by every instance that has that key.</summary>
[Collection(PostgresLabCollection.Name)]
public sealed class PostgresKeyStoreTests(PostgresLab lab) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly byte[] _master = RandomNumberGenerator.GetBytes(32);
    private PostgresDatabase? _database;
    private readonly List<PostgresStore> _stores = [];

    public async Task InitializeAsync()
    {
        if (lab.Require()) _database = await lab.CreateDatabaseAsync();
    }

    private async Task<PostgresStore> OpenAsync()
    {
        var store = await PostgresStore.OpenAsync(_database!.Location, Now, default);
        _stores.Add(store);
        return store;
    }

    private async Task<byte[]> SealedAsync(string keyRef)
    {
        await using var c = new NpgsqlConnection(_database!.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT sealed FROM sealed_keys WHERE key_ref = @k", c);
        cmd.Parameters.AddWithValue("k", keyRef);
        return (byte[])(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_key_made_by_one_instance_is_used_by_another_and_the_database_holds_it_sealed()
    {
        if (_database is null) return;
        var one = (await OpenAsync()).KeysSealedWith(_master, TimeProvider.System);
        var two = (await OpenAsync()).KeysSealedWith(_master, TimeProvider.System);
        using var made = (ECDsa)await one.GenerateAsync("sip-edge-1", KeyAlgorithm.Ecdsa, 256, default);
        using var loaded = (ECDsa)(await two.LoadAsync("sip-edge-1", default))!;
        Assert.Equal(made.ExportSubjectPublicKeyInfo(), loaded.ExportSubjectPublicKeyInfo());
        // Asking again for the same reference returns the stored key, never a new one.
        using var again = (ECDsa)await two.GenerateAsync("sip-edge-1", KeyAlgorithm.Ecdsa, 256, default);
        Assert.Equal(made.ExportSubjectPublicKeyInfo(), again.ExportSubjectPublicKeyInfo());

        var sealedKey = await SealedAsync("sip-edge-1");
        Assert.Equal("RKY1"u8.ToArray(), sealedKey[..4]);
        var pkcs8 = made.ExportPkcs8PrivateKey();
        Assert.False(sealedKey.AsSpan().IndexOf(pkcs8.AsSpan(pkcs8.Length - 32)) >= 0, "the private key is in the database in the clear");
        var pem = await two.ExportPkcs8PemAsync("sip-edge-1", default);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);

        Assert.Equal(["sip-edge-1"], await two.ListAsync(default));
        await two.DeleteAsync("sip-edge-1", default);
        Assert.Null(await one.LoadAsync("sip-edge-1", default));
        Assert.Empty(await one.ListAsync(default));
    }

    [Fact]
    public async Task A_key_opens_only_with_its_master_key_and_under_its_own_reference()
    {
        if (_database is null) return;
        var keys = (await OpenAsync()).KeysSealedWith(_master, TimeProvider.System);
        using var rsa = RSA.Create(2048);
        await keys.ImportAsync("imported", rsa, default);
        using var loaded = (RSA)(await keys.LoadAsync("imported", default))!;
        Assert.Equal(rsa.ExportRSAPublicKey(), loaded.ExportRSAPublicKey());

        var stranger = (await OpenAsync()).KeysSealedWith(RandomNumberGenerator.GetBytes(32), TimeProvider.System);
        var wrongMaster = await Assert.ThrowsAsync<RotorException>(() => stranger.LoadAsync("imported", default));
        Assert.Contains("does not open with this master key", wrongMaster.Message, StringComparison.Ordinal);

        // A sealed key moved to another reference does not open there.
        await _database.ExecuteAsync("INSERT INTO sealed_keys(key_ref, sealed, created_at) SELECT 'moved', sealed, 0 FROM sealed_keys WHERE key_ref = 'imported'");
        await Assert.ThrowsAsync<RotorException>(() => keys.LoadAsync("moved", default));
        await Assert.ThrowsAsync<ArgumentException>(() => keys.LoadAsync("../etc", default));
    }

    [Fact]
    public async Task Instances_making_the_same_key_at_once_all_get_the_one_stored()
    {
        if (_database is null) return;
        var stores = new[] { await OpenAsync(), await OpenAsync(), await OpenAsync() };
        var made = await Task.WhenAll(stores.Select(s => Task.Run(() => s.KeysSealedWith(_master, TimeProvider.System).GenerateAsync("same", KeyAlgorithm.Ecdsa, 256, default))));
        var stored = (ECDsa)(await stores[0].KeysSealedWith(_master, TimeProvider.System).LoadAsync("same", default))!;
        Assert.All(made, k => Assert.Equal(stored.ExportSubjectPublicKeyInfo(), ((ECDsa)k).ExportSubjectPublicKeyInfo()));
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}
