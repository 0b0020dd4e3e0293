using System.Security.Cryptography;
using System.Text;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;

namespace Rotor.Keys;

/// <summary>
/// The sealed form of a private key, wherever it is kept (a file in keys/, or a row of a
/// PostgreSQL store): PKCS#8 sealed with AES-256-GCM under the master key, the key reference bound
/// in as associated data (so a key moved to another reference does not open).
/// Layout: magic "RKY1" | 12-byte nonce | 16-byte tag | ciphertext.
/// </summary>
internal static class KeyEnvelope
{
    private static readonly byte[] Magic = "RKY1"u8.ToArray();
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static bool IsValidRef(string keyRef) =>
        keyRef.Length > 0 && !keyRef.StartsWith('.') && keyRef.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>A new key of the given algorithm and size.</summary>
    public static AsymmetricAlgorithm Create(KeyAlgorithm algorithm, int size) => algorithm switch
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

    public static byte[] SealKey(byte[] masterKey, string keyRef, AsymmetricAlgorithm key)
    {
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            return Seal(masterKey, keyRef, pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    public static byte[] Seal(byte[] masterKey, string keyRef, byte[] plaintext)
    {
        var output = new byte[Magic.Length + NonceSize + TagSize + plaintext.Length];
        Magic.CopyTo(output, 0);
        var nonce = output.AsSpan(Magic.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(masterKey, TagSize);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(Magic.Length + NonceSize + TagSize), output.AsSpan(Magic.Length + NonceSize, TagSize),
            Encoding.UTF8.GetBytes(keyRef));
        return output;
    }

    /// <summary>The PKCS#8 bytes (the caller zeroes them); <paramref name="what"/> names the sealed key in errors ("key file for 'x'").</summary>
    public static byte[] Open(byte[] masterKey, string keyRef, byte[] data, string what)
    {
        if (data.Length < Magic.Length + NonceSize + TagSize || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new RotorException($"{what} is not a sealed Rotor key", isTransient: false);
        }
        var plaintext = new byte[data.Length - Magic.Length - NonceSize - TagSize];
        using var gcm = new AesGcm(masterKey, TagSize);
        try
        {
            gcm.Decrypt(data.AsSpan(Magic.Length, NonceSize), data.AsSpan(Magic.Length + NonceSize + TagSize),
                data.AsSpan(Magic.Length + NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(keyRef));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new RotorException($"key '{keyRef}' does not open with this master key (wrong ROTOR_MASTER_KEY or master.key, or the sealed key was altered)", isTransient: false);
        }
        return plaintext;
    }

    public static AsymmetricAlgorithm ImportPkcs8(byte[] pkcs8, string keyRef)
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

    /// <summary>The key as unencrypted PKCS#8 PEM.</summary>
    public static string ToPem(byte[] pkcs8) => PemEncoding.WriteString("PRIVATE KEY", pkcs8) + "\n";
}
