using System.Security.Cryptography;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Keys;
using Rotor.Tests.Support;

namespace Rotor.Tests.Keys;

public class FileKeyStoreTests
{
    [Theory]
    [InlineData(KeyAlgorithm.Ecdsa, 256)]
    [InlineData(KeyAlgorithm.Ecdsa, 384)]
    [InlineData(KeyAlgorithm.Rsa, 2048)]
    [InlineData(KeyAlgorithm.Rsa, 3072)]
    [InlineData(KeyAlgorithm.Rsa, 4096)]
    public async Task Generated_keys_are_encrypted_0600_and_load_back(KeyAlgorithm algorithm, int size)
    {
        using var dir = new TempDir();
        var store = new FileKeyStore(dir.Combine("keys"), RandomNumberGenerator.GetBytes(32));
        using var key = await store.GenerateAsync("k1", algorithm, size, default);
        Assert.Equal(size, key.KeySize);
        var file = dir.Combine("keys", "k1.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var bytes = await File.ReadAllBytesAsync(file);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        Assert.False(bytes.AsSpan().IndexOf(pkcs8.AsSpan(pkcs8.Length - 32)) >= 0, "key bytes must not be stored in clear");
        using var loaded = await store.LoadAsync("k1", default);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), loaded!.ExportSubjectPublicKeyInfo());
        Assert.Contains("BEGIN PRIVATE KEY", await store.ExportPkcs8PemAsync("k1", default), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_generated_while_storing_is_usable_at_once_and_durable_when_stored_completes()
    {
        using var dir = new TempDir();
        var store = new FileKeyStore(dir.Combine("keys"), RandomNumberGenerator.GetBytes(32));
        var storing = await store.GenerateWhileStoringAsync("k", KeyAlgorithm.Ecdsa, 256, default);
        using var key = storing.Key;
        // The caller signs with the key while it is written.
        var signature = ((ECDsa)key).SignData("csr"u8, HashAlgorithmName.SHA256);
        await storing.Stored;

        var file = dir.Combine("keys", "k.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Empty(Directory.GetFiles(dir.Combine("keys"), "*.tmp"));
        using var loaded = (ECDsa)(await store.LoadAsync("k", default))!;
        Assert.True(loaded.VerifyData("csr"u8, signature, HashAlgorithmName.SHA256));

        // A reference that already has a key returns it, nothing left to store.
        var again = await store.GenerateWhileStoringAsync("k", KeyAlgorithm.Ecdsa, 256, default);
        using var same = again.Key;
        Assert.True(again.Stored.IsCompletedSuccessfully);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), same.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public async Task A_key_whose_write_fails_reports_it_through_stored()
    {
        using var dir = new TempDir();
        var folder = dir.Combine("keys");
        var store = new FileKeyStore(folder, RandomNumberGenerator.GetBytes(32));
        Directory.Delete(folder); // the write has nowhere to go
        File.WriteAllText(folder, "not a folder");
        var storing = await store.GenerateWhileStoringAsync("k", KeyAlgorithm.Ecdsa, 256, default);
        using var key = storing.Key;
        await Assert.ThrowsAnyAsync<IOException>(() => storing.Stored);
    }

    [Fact]
    public async Task Generate_is_idempotent_for_one_reference()
    {
        using var dir = new TempDir();
        var store = new FileKeyStore(dir.Combine("keys"), RandomNumberGenerator.GetBytes(32));
        using var a = await store.GenerateAsync("k", KeyAlgorithm.Ecdsa, 256, default);
        using var b = await store.GenerateAsync("k", KeyAlgorithm.Ecdsa, 256, default);
        Assert.Equal(a.ExportSubjectPublicKeyInfo(), b.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public async Task A_wrong_master_key_or_a_renamed_file_does_not_open_and_says_why_without_key_bytes()
    {
        using var dir = new TempDir();
        var store = new FileKeyStore(dir.Combine("keys"), RandomNumberGenerator.GetBytes(32));
        using var _ = await store.GenerateAsync("k", KeyAlgorithm.Ecdsa, 256, default);
        var other = new FileKeyStore(dir.Combine("keys"), RandomNumberGenerator.GetBytes(32));
        var e = await Assert.ThrowsAsync<RotorException>(() => other.LoadAsync("k", default));
        Assert.Contains("master key", e.Message, StringComparison.Ordinal);
        File.Copy(dir.Combine("keys", "k.key"), dir.Combine("keys", "j.key"));
        await Assert.ThrowsAsync<RotorException>(() => store.LoadAsync("j", default));
    }
}

/// <summary>Changes a process-wide environment variable, so it never runs beside other tests.</summary>
[Collection(EnvironmentCollection.Name)]
public class MasterKeyTests
{
    [Fact]
    public async Task Master_key_file_is_created_0600_once_and_the_environment_wins()
    {
        using var dir = new TempDir();
        var saved = Environment.GetEnvironmentVariable(MasterKey.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, null);
            var first = await MasterKey.LoadOrCreateAsync(dir.Path, default);
            var second = await MasterKey.LoadOrCreateAsync(dir.Path, default);
            Assert.Equal(first, second);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.Combine(MasterKey.FileName)));
            var fromEnv = RandomNumberGenerator.GetBytes(32);
            Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, Convert.ToBase64String(fromEnv));
            Assert.Equal(fromEnv, await MasterKey.LoadOrCreateAsync(dir.Path, default));
            Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, "not-base64!");
            var e = await Assert.ThrowsAsync<RotorException>(() => MasterKey.LoadOrCreateAsync(dir.Path, default));
            Assert.DoesNotContain("not-base64!", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, saved);
        }
    }
}
