using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Keys;

/// <summary>Reads a <see cref="SecretRef"/>. The value is never logged; errors name the reference, not the value.</summary>
public static class SecretResolver
{
    public static async Task<string> ResolveAsync(SecretRef secret, string baseDirectory, CancellationToken cancellationToken)
    {
        if (secret.Env is { } env)
        {
            return Environment.GetEnvironmentVariable(env)
                ?? throw new RotorException($"secret {secret}: environment variable '{env}' is not set", isTransient: false);
        }
        var path = Path.GetFullPath(Path.Combine(baseDirectory, secret.File!));
        try
        {
            return (await File.ReadAllTextAsync(path, cancellationToken)).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RotorException($"secret {secret}: cannot read '{path}' ({e.GetType().Name})", isTransient: true);
        }
    }
}
