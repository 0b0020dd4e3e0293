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
            return Environment.GetEnvironmentVariable(env)
                ?? throw new RotorException($"secret {secret}: environment variable '{env}' is not set", isTransient: false);
        }
        var path = Path.GetFullPath(Path.Combine(baseDirectory, secret.File!));
        // A secret is a token, a password or a TSIG key: 64 KiB is far beyond any, and /dev/zero ends at once.
        var (text, error) = await IO.BoundedFile.ReadTextAsync(path, MaxFileBytes, cancellationToken);
        return text?.TrimEnd('\r', '\n') ?? throw new RotorException($"secret {secret}: {error}", isTransient: true);
    }
}
