using System.Security.Cryptography;
using System.Text;
using Rotor.Core.Abstractions;

namespace Rotor.Keys;

/// <summary>
/// Seals small secrets Rotor must keep to verify with later (the HMAC keys of the ACME server's
/// External Account Binding) under the master key, AES-256-GCM with the secret's label bound in as
/// associated data, so the store never holds them in clear and a sealed value moved to another
/// label does not open. Layout: "RSS1" | 12-byte nonce | 16-byte tag | ciphertext.
/// </summary>
public sealed class SecretSealer(byte[] masterKey)
{
    private static readonly byte[] Magic = "RSS1"u8.ToArray();
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public byte[] Seal(string label, ReadOnlySpan<byte> secret)
    {
        var output = new byte[Magic.Length + NonceSize + TagSize + secret.Length];
        Magic.CopyTo(output, 0);
        var nonce = output.AsSpan(Magic.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(masterKey, TagSize);
        gcm.Encrypt(nonce, secret, output.AsSpan(Magic.Length + NonceSize + TagSize), output.AsSpan(Magic.Length + NonceSize, TagSize), Encoding.UTF8.GetBytes(label));
        return output;
    }

    public byte[] Open(string label, byte[] sealedSecret)
    {
        if (sealedSecret.Length < Magic.Length + NonceSize + TagSize || !sealedSecret.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new RotorException($"the sealed secret '{label}' is not in Rotor's format", isTransient: false);
        }
        var plaintext = new byte[sealedSecret.Length - Magic.Length - NonceSize - TagSize];
        using var gcm = new AesGcm(masterKey, TagSize);
        try
        {
            gcm.Decrypt(sealedSecret.AsSpan(Magic.Length, NonceSize), sealedSecret.AsSpan(Magic.Length + NonceSize + TagSize),
                sealedSecret.AsSpan(Magic.Length + NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(label));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new RotorException($"the sealed secret '{label}' does not open with this master key", isTransient: false);
        }
        return plaintext;
    }
}
