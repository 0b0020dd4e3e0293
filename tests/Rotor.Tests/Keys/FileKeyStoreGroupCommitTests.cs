using System.Security.Cryptography;
using Rotor.Core.Resources;
using Rotor.Keys;
using Rotor.Tests.Support;

namespace Rotor.Tests.Keys;

/// <summary>Keys written at the same time share their fsyncs; each must still end up whole, 0600 and readable.</summary>
public class FileKeyStoreGroupCommitTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Concurrent_writers_all_get_a_stored_key_that_loads_back()
    {
        using var dir = new TempDir();
        var store = new FileKeyStore(dir.Combine("keys"), RandomNumberGenerator.GetBytes(32));
        var refs = Enumerable.Range(0, 64).Select(i => $"cert-{i}").ToList();

        var keys = await Task.WhenAll(refs.Select(r => Task.Run(() => store.GenerateAsync(r, KeyAlgorithm.Ecdsa, 256, default))));

        Assert.Equal(refs.Order(StringComparer.Ordinal), await store.ListAsync(default));
        for (var i = 0; i < refs.Count; i++)
        {
            using var key = keys[i];
            Assert.Equal(Private, File.GetUnixFileMode(dir.Combine("keys", refs[i] + ".key")));
            using var loaded = await store.LoadAsync(refs[i], default);
            Assert.Equal(key.ExportSubjectPublicKeyInfo(), loaded!.ExportSubjectPublicKeyInfo());
        }
        Assert.Empty(Directory.EnumerateFiles(dir.Combine("keys"), "*.tmp"));
    }

    [Fact]
    public async Task An_import_replaces_a_key_whole_while_other_keys_are_written()
    {
        using var dir = new TempDir();
        var store = new FileKeyStore(dir.Combine("keys"), RandomNumberGenerator.GetBytes(32));
        using var old = await store.GenerateAsync("edge", KeyAlgorithm.Ecdsa, 256, default);
        using var replacement = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var others = Enumerable.Range(0, 16).Select(i => Task.Run(async () => (await store.GenerateAsync($"other-{i}", KeyAlgorithm.Ecdsa, 256, default)).Dispose()));
        await Task.WhenAll([store.ImportAsync("edge", replacement, default), .. others]);

        using var loaded = await store.LoadAsync("edge", default);
        Assert.Equal(replacement.ExportSubjectPublicKeyInfo(), loaded!.ExportSubjectPublicKeyInfo());
        Assert.Equal(Private, File.GetUnixFileMode(dir.Combine("keys", "edge.key")));
        Assert.Equal(17, (await store.ListAsync(default)).Count);
        Assert.Empty(Directory.EnumerateFiles(dir.Combine("keys"), "*.tmp"));
    }

    [Fact]
    public async Task A_write_that_cannot_be_stored_fails_its_writer_and_not_the_others()
    {
        using var dir = new TempDir();
        var store = new FileKeyStore(dir.Combine("keys"), RandomNumberGenerator.GetBytes(32));
        // A folder where the key file should go: the rename onto it fails, the temp file is removed.
        Directory.CreateDirectory(dir.Combine("keys", "blocked.key"));

        var blocked = store.GenerateAsync("blocked", KeyAlgorithm.Ecdsa, 256, default);
        var fine = store.GenerateAsync("fine", KeyAlgorithm.Ecdsa, 256, default);

        await Assert.ThrowsAnyAsync<IOException>(() => blocked);
        using var key = await fine;
        using var loaded = await store.LoadAsync("fine", default);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), loaded!.ExportSubjectPublicKeyInfo());
        Assert.Empty(Directory.EnumerateFiles(dir.Combine("keys"), "*.tmp"));
    }
}
