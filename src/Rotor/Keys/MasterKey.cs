using System.Security.Cryptography;
using Rotor.Core.Abstractions;
using Rotor.IO;

namespace Rotor.Keys;

/// <summary>
/// The 256-bit key that encrypts private keys at rest: from <c>ROTOR_MASTER_KEY</c> (base64)
/// if set, else from <c>master.key</c> in the data folder, created 0600 on first run.
/// </summary>
public static class MasterKey
{
    public const string EnvironmentVariable = "ROTOR_MASTER_KEY";
    public const string FileName = "master.key";

    public static async Task<byte[]> LoadOrCreateAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return Decode(fromEnv.Trim(), EnvironmentVariable);
        }
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            return Decode((await File.ReadAllTextAsync(path, cancellationToken)).Trim(), path);
        }
        var key = RandomNumberGenerator.GetBytes(32);
        await AtomicFile.WriteAsync(path, Convert.ToBase64String(key) + "\n", AtomicFile.PrivateMode, cancellationToken);
        return key;
    }

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
