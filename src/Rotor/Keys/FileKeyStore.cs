using System.Security.Cryptography;
using System.Text;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Keys;

/// <summary>
/// Keys as files <c>keys/REF.key</c>: PKCS#8 sealed with AES-256-GCM under the master key,
/// the key reference bound in as associated data (so a file renamed to another reference does
/// not open). Files are 0600 and written atomically.
/// Layout of a file: magic "RKY1" | 12-byte nonce | 16-byte tag | ciphertext.
/// Writes that happen at the same time share their fsyncs (group commit, see
/// FileKeyStore.GroupCommit.cs); each still returns only once its own key is durable.
/// </summary>
public sealed partial class FileKeyStore : IKeyStore
{
    private static readonly byte[] Magic = "RKY1"u8.ToArray();
    private const int NonceSize = 12;
    private const int TagSize = 16;
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
        AsymmetricAlgorithm key = algorithm switch
        {
            KeyAlgorithm.Ecdsa => ECDsa.Create(size switch
            {
                256 => ECCurve.NamedCurves.nistP256,
                384 => ECCurve.NamedCurves.nistP384,
                521 => ECCurve.NamedCurves.nistP521,
                _ => throw new RotorException($"ECDSA size {size} is not supported (256 or 384)", isTransient: false),
            }),
            KeyAlgorithm.Rsa => RSA.Create(size),
            _ => throw new RotorException($"key algorithm {algorithm} is not supported", isTransient: false),
        };
        // Sealed here (the key object is then the caller's alone); the write and its fsyncs run
        // on the thread pool, so the caller goes on at once.
        var sealedBytes = SealKey(keyRef, key);
        return new StoringKey(key, Task.Run(() => WriteDurablyAsync(PathOf(keyRef), sealedBytes, cancellationToken), CancellationToken.None));
    }

    public Task ImportAsync(string keyRef, AsymmetricAlgorithm key, CancellationToken cancellationToken) =>
        WriteDurablyAsync(PathOf(keyRef), SealKey(keyRef, key), cancellationToken);

    private byte[] SealKey(string keyRef, AsymmetricAlgorithm key)
    {
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            return Seal(keyRef, pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    public Task<AsymmetricAlgorithm?> LoadAsync(string keyRef, CancellationToken cancellationToken) => Completed(() =>
    {
        var pkcs8 = ReadPkcs8(keyRef);
        if (pkcs8 is null) return null;
        try
        {
            return ImportPkcs8(pkcs8, keyRef);
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
            return PemEncoding.WriteString("PRIVATE KEY", pkcs8) + "\n";
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
        if (keyRef.Length == 0 || keyRef.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || keyRef.StartsWith('.'))
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
        return File.Exists(path) ? Open(keyRef, File.ReadAllBytes(path)) : null;
    }

    private byte[] Seal(string keyRef, byte[] plaintext)
    {
        var output = new byte[Magic.Length + NonceSize + TagSize + plaintext.Length];
        Magic.CopyTo(output, 0);
        var nonce = output.AsSpan(Magic.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(_masterKey, TagSize);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(Magic.Length + NonceSize + TagSize), output.AsSpan(Magic.Length + NonceSize, TagSize),
            Encoding.UTF8.GetBytes(keyRef));
        return output;
    }

    private byte[] Open(string keyRef, byte[] data)
    {
        if (data.Length < Magic.Length + NonceSize + TagSize || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new RotorException($"key file for '{keyRef}' is not a Rotor key file", isTransient: false);
        }
        var plaintext = new byte[data.Length - Magic.Length - NonceSize - TagSize];
        using var gcm = new AesGcm(_masterKey, TagSize);
        try
        {
            gcm.Decrypt(data.AsSpan(Magic.Length, NonceSize), data.AsSpan(Magic.Length + NonceSize + TagSize),
                data.AsSpan(Magic.Length + NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(keyRef));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new RotorException($"key '{keyRef}' does not open with this master key (wrong ROTOR_MASTER_KEY or master.key, or the file was altered)", isTransient: false);
        }
        return plaintext;
    }

    private static AsymmetricAlgorithm ImportPkcs8(byte[] pkcs8, string keyRef)
    {
        // PKCS#8 names its algorithm; trying the two Rotor writes is simpler than decoding it.
        foreach (var create in new Func<AsymmetricAlgorithm>[] { ECDsa.Create, () => RSA.Create() })
        {
            var key = create();
            try
            {
                key.ImportPkcs8PrivateKey(pkcs8, out _);
                return key;
            }
            catch (CryptographicException)
            {
                key.Dispose();
            }
        }
        throw new RotorException($"key '{keyRef}' has an unsupported algorithm (ECDSA or RSA expected)", isTransient: false);
    }
}
