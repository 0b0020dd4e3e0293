using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Rotor.Core.Validation;

/// <summary>
/// Reads a private key PEM the way a SIP server would (no pass-phrase), in bounded time, and says
/// why not when it cannot. Messages name labels, lines and formats only, never key bytes.
/// </summary>
public static class PrivateKeyPem
{
    /// <summary>More text than this (1 MiB) is not a key file: a 16384-bit RSA key in PEM is under 13 KB.</summary>
    public const int MaxChars = 1 << 20;

    /// <summary>A key file may also hold its certificate chain; more blocks than this is not a key file.</summary>
    public const int MaxBlocks = 16;

    private static readonly string[] KeyLabels = ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"];

    /// <summary>
    /// The ECDSA or RSA key of <paramref name="pem"/>, or null and the reason. A key that needs a
    /// pass-phrase gives <paramref name="encrypted"/> = true.
    /// </summary>
    public static AsymmetricAlgorithm? TryRead(string pem, out string problem, out bool encrypted)
    {
        ArgumentNullException.ThrowIfNull(pem);
        encrypted = false;
        if (pem.Length > MaxChars)
        {
            problem = "the key file is larger than 1 MiB; it is not a PEM private key";
            return null;
        }
        // Both PKCS#8 "ENCRYPTED PRIVATE KEY" and the legacy "Proc-Type: 4,ENCRYPTED" header.
        if (pem.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            encrypted = true;
            problem = "the key is encrypted with a pass-phrase; a SIP server reloading unattended cannot read it";
            return null;
        }
        var scan = PemBlocks.Scan(pem, MaxBlocks);
        if (!scan.Ok)
        {
            problem = $"the key is not a readable PEM private key: {scan.Error}";
            return null;
        }
        var keys = scan.Blocks.Where(b => KeyLabels.Contains(b.Label)).ToList();
        if (keys.Count != 1)
        {
            var found = scan.Blocks.Count == 0 ? "no PEM block" : "blocks " + string.Join(", ", scan.Blocks.Select(b => b.Label).Distinct());
            problem = keys.Count == 0
                ? $"the key is not a readable PEM private key (PKCS#8, PKCS#1 or SEC1): no private key block ({found})"
                : $"the key file holds {keys.Count} private keys (lines {string.Join(", ", keys.Select(k => k.Line))}); a server loads one";
            return null;
        }
        var block = keys[0];
        var der = block.TryDecode();
        var key = der is null ? null : Import(block.Label, der);
        problem = key is null
            ? $"the key is not a readable PEM private key (PKCS#8, PKCS#1 or SEC1): the {block.Label} block at line {block.Line} does not decode as an ECDSA or RSA key"
            : "";
        return key;
    }

    private static AsymmetricAlgorithm? Import(string label, byte[] der) => label switch
    {
        "EC PRIVATE KEY" => TryImport(ECDsa.Create(), der, (k, d) => { ((ECDsa)k).ImportECPrivateKey(d, out var read); return read; }),
        "RSA PRIVATE KEY" => TryImport(RSA.Create(), der, (k, d) => { ((RSA)k).ImportRSAPrivateKey(d, out var read); return read; }),
        _ => TryImport(ECDsa.Create(), der, Pkcs8) ?? TryImport(RSA.Create(), der, Pkcs8),
    };

    private static int Pkcs8(AsymmetricAlgorithm key, byte[] der)
    {
        key.ImportPkcs8PrivateKey(der, out var read);
        return read;
    }

    /// <summary>The key when <paramref name="import"/> read all of <paramref name="der"/> (no trailing bytes) and the result holds a private part; otherwise null.</summary>
    private static AsymmetricAlgorithm? TryImport(AsymmetricAlgorithm key, byte[] der, Func<AsymmetricAlgorithm, byte[], int> import)
    {
        try
        {
            if (import(key, der) == der.Length)
            {
                _ = key.ExportPkcs8PrivateKey(); // throws when only a public part was read
                return key;
            }
        }
        // Unknown curves come as PlatformNotSupportedException; bad DER as Cryptographic- or AsnContentException.
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException or PlatformNotSupportedException or NotSupportedException)
        {
        }
        key.Dispose();
        return null;
    }
}
