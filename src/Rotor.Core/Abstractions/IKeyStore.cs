using System.Security.Cryptography;
using Rotor.Core.Resources;

namespace Rotor.Core.Abstractions;

/// <summary>
/// Private keys by reference. Contract: thread-safe; writes are atomic (a crash leaves either
/// the old state or the new, never a partial key); keys are encrypted at rest; key bytes leave
/// only through <see cref="ExportPkcs8PemAsync"/>, for a target that must write them.
/// </summary>
public interface IKeyStore
{
    /// <summary>Generates and stores a key under <paramref name="keyRef"/>; if one is there already, returns it.</summary>
    Task<AsymmetricAlgorithm> GenerateAsync(string keyRef, KeyAlgorithm algorithm, int size, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="GenerateAsync"/>, but returns a new key as soon as it exists, with its write
    /// under way: <see cref="StoringKey.Stored"/> completes when the key is durable. For a caller that
    /// can use the key while it is written (send a request signed with it); it must await
    /// <see cref="StoringKey.Stored"/> before it records anything that refers to the key.
    /// </summary>
    Task<StoringKey> GenerateWhileStoringAsync(string keyRef, KeyAlgorithm algorithm, int size, CancellationToken cancellationToken);

    Task<AsymmetricAlgorithm?> LoadAsync(string keyRef, CancellationToken cancellationToken);

    Task ImportAsync(string keyRef, AsymmetricAlgorithm key, CancellationToken cancellationToken);

    /// <summary>The key as unencrypted PKCS#8 PEM, for a target that writes it where a server reads it.</summary>
    Task<string> ExportPkcs8PemAsync(string keyRef, CancellationToken cancellationToken);

    Task DeleteAsync(string keyRef, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>A key from <see cref="IKeyStore.GenerateWhileStoringAsync"/> and the write that makes it durable (completed for a key already stored).</summary>
public sealed record StoringKey(AsymmetricAlgorithm Key, Task Stored);
