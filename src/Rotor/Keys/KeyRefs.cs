using System.Security.Cryptography;

namespace Rotor.Keys;

/// <summary>Names of keys in the key store: generated per version, or imported by a user.</summary>
public static class KeyRefs
{
    private const string ImportedMarker = "-imported-";

    public static string Generated(string certificate) => $"{certificate}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    /// <summary>A key a user brought (<c>rotor key import</c>): never deleted because one issuance failed.</summary>
    public static string Imported(string certificate) => $"{certificate}{ImportedMarker}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    public static bool IsImported(string keyRef) => keyRef.Contains(ImportedMarker, StringComparison.Ordinal);

    private const string OnDevicePrefix = "device:";

    /// <summary>
    /// The reference a version records when its key stays on a device (<c>device:TARGET</c>): not a
    /// key store name (':' is not allowed in one), so the key store is never asked for it.
    /// </summary>
    public static string OnDevice(string target) => OnDevicePrefix + target;

    public static bool IsOnDevice(string keyRef) => keyRef.StartsWith(OnDevicePrefix, StringComparison.Ordinal);
}
