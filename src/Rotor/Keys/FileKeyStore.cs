using System.Security.Cryptography;
using System.Text;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Keys;

/// <summary>
/// Keys as files <c>keys/REF.key</c>, each in the <see cref="KeyEnvelope"/> (sealed under the master
/// key, bound to its reference, so a file renamed to another reference does not open). Files are
/// 0600 and written atomically.
/// Writes that happen at the same time share their fsyncs (group commit, see
/// FileKeyStore.GroupCommit.cs); each still returns only once its own key is durable.
/// </summary>
public sealed partial class FileKeyStore : IKeyStore
{
    private readonly string _directory;
    private readonly byte[] _masterKey;

    public FileKeyStore(string directory, byte[] masterKey)
    {
        _directory = directory;
        _masterKey = masterKey;
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public async Task<AsymmetricAlgorithm> GenerateAsync(string keyRef, KeyAlgorithm algorithm, int size, CancellationToken cancellationToken)
    {
        var storing = await GenerateWhileStoringAsync(keyRef, algorithm, size, cancellationToken);
        try
        {
            await storing.Stored;
        }
        catch
        {
            storing.Key.Dispose();
            throw;
        }
        return storing.Key;
    }

    public async Task<StoringKey> GenerateWhileStoringAsync(string keyRef, KeyAlgorithm algorithm, int size, CancellationToken cancellationToken)
    {
        var existing = await LoadAsync(keyRef, cancellationToken);
        if (existing is not null)
        {
            return new StoringKey(existing, Task.CompletedTask);
        }
        var key = KeyEnvelope.Create(algorithm, size);
        // Sealed here (the key object is then the caller's alone); the write and its fsyncs run
        // on the thread pool, so the caller goes on at once.
        var sealedBytes = SealKey(keyRef, key);
        return new StoringKey(key, Task.Run(() => WriteDurablyAsync(PathOf(keyRef), sealedBytes, cancellationToken), CancellationToken.None));
    }

    public Task ImportAsync(string keyRef, AsymmetricAlgorithm key, CancellationToken cancellationToken) =>
        WriteDurablyAsync(PathOf(keyRef), SealKey(keyRef, key), cancellationToken);

    private byte[] SealKey(string keyRef, AsymmetricAlgorithm key) => KeyEnvelope.SealKey(_masterKey, keyRef, key);

    public Task<AsymmetricAlgorithm?> LoadAsync(string keyRef, CancellationToken cancellationToken) => Completed(() =>
    {
        var pkcs8 = ReadPkcs8(keyRef);
        if (pkcs8 is null) return null;
        try
        {
            return KeyEnvelope.ImportPkcs8(pkcs8, keyRef);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    });

    public Task<string> ExportPkcs8PemAsync(string keyRef, CancellationToken cancellationToken) => Completed(() =>
    {
        var pkcs8 = ReadPkcs8(keyRef)
            ?? throw new RotorException($"key '{keyRef}' is not in the key store", isTransient: false);
        try
        {
            return KeyEnvelope.ToPem(pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    });

    /// <summary>Runs synchronous work as a completed task; a failure is returned in the task, as from an async method.</summary>
    private static Task<T> Completed<T>(Func<T> work)
    {
        try
        {
            return Task.FromResult(work());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    public Task DeleteAsync(string keyRef, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(keyRef));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(Directory.EnumerateFiles(_directory, "*.key")
            .Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList());

    private string PathOf(string keyRef)
    {
        if (!KeyEnvelope.IsValidRef(keyRef))
        {
            throw new ArgumentException($"'{keyRef}' is not a valid key reference", nameof(keyRef));
        }
        return Path.Combine(_directory, keyRef + ".key");
    }

    /// <summary>
    /// The key's PKCS#8 bytes, or null when there is no such key. A key file is a few hundred bytes:
    /// read synchronously, without the thread-pool hop an async read would cost.
    /// </summary>
    private byte[]? ReadPkcs8(string keyRef)
    {
        var path = PathOf(keyRef);
        return File.Exists(path) ? KeyEnvelope.Open(_masterKey, keyRef, File.ReadAllBytes(path), $"key file for '{keyRef}'") : null;
    }
}
