using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Keys;

/// <summary>Reads a <see cref="SecretRef"/>. The value is never logged; errors name the reference, not the value.</summary>
public static class SecretResolver
{
    public const int MaxFileBytes = 64 * 1024;

    public static async Task<string> ResolveAsync(SecretRef secret, string baseDirectory, CancellationToken cancellationToken)
    {
        if (secret.Env is { } env)
        {
            var value = Environment.GetEnvironmentVariable(env)
                ?? throw new RotorException($"secret {secret}: environment variable '{env}' is not set", isTransient: false);
            return value.Length > 0 ? value : throw new RotorException($"secret {secret}: environment variable '{env}' is empty", isTransient: false);
        }
        var path = Path.GetFullPath(Path.Combine(baseDirectory, secret.File!));
        // A secret is a token, a password or a TSIG key: 64 KiB is far beyond any, and /dev/zero ends at once.
        var (text, error) = await IO.BoundedFile.ReadTextAsync(path, MaxFileBytes, cancellationToken);
        var read = text?.TrimEnd('\r', '\n') ?? throw new RotorException($"secret {secret}: {error}", isTransient: true);
        // No key, password or token is empty: an emptied file is a mistake to report, never a key to sign with.
        return read.Length > 0 ? read : throw new RotorException($"secret {secret}: the file is empty", isTransient: true);
    }
}
