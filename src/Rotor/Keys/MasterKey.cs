using System.Security.Cryptography;
using Rotor.Core.Abstractions;
using Rotor.IO;

namespace Rotor.Keys;

/// <summary>
/// The 256-bit key that encrypts private keys at rest: from <c>ROTOR_MASTER_KEY</c> (base64)
/// if set, else from <c>master.key</c> in the data folder. Made only when a data folder is
/// initialised (<c>rotor init</c>, or the first apply into a new folder): a master key made
/// anywhere else would not open a single key already sealed, so a missing one is an error.
/// </summary>
public static class MasterKey
{
    public const string EnvironmentVariable = "ROTOR_MASTER_KEY";
    public const string FileName = "master.key";

    /// <summary>The master key, or null when neither the variable nor the file gives one.</summary>
    public static async Task<byte[]?> LoadAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return Decode(fromEnv.Trim(), EnvironmentVariable);
        }
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path)) return null;
        var text = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
        if (text.Length == 0)
        {
            throw new RotorException($"{path} is empty: restore it from a backup, or set {EnvironmentVariable}", isTransient: false)
            { Reason = RotorReasons.DataFolderRefused };
        }
        return Decode(text, path);
    }

    /// <summary>The master key of a folder being initialised: the one given, else a new one written 0600.</summary>
    public static async Task<byte[]> LoadOrCreateAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        if (await LoadAsync(dataDirectory, cancellationToken) is { } existing) return existing;
        var key = RandomNumberGenerator.GetBytes(32);
        await AtomicFile.WriteAsync(Path.Combine(dataDirectory, FileName), System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n"),
            AtomicFile.PrivateMode, cancellationToken);
        return key;
    }

    /// <summary>
    /// A check value of the master key, kept in the store: tells a store sealed under another
    /// master key (another data folder's rotor.db, or a changed ROTOR_MASTER_KEY) from this one,
    /// without the store holding anything that helps to find the key.
    /// </summary>
    public static string CheckValue(byte[] key) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, "rotor master key check v1"u8))[..32];

    private static byte[] Decode(string text, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new RotorException($"the master key from {source} is not base64 (expected 32 random bytes, base64-encoded)", isTransient: false);
        }
        if (key.Length != 32)
        {
            throw new RotorException($"the master key from {source} must be 32 bytes (got {key.Length})", isTransient: false);
        }
        return key;
    }
}
