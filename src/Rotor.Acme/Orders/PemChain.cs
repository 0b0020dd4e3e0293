using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.Acme.Transport;

namespace Rotor.Acme.Orders;

/// <summary>
/// Reads an application/pem-certificate-chain body (RFC 8555 9.1): CERTIFICATE blocks, leaf
/// first, at most <see cref="AcmeLimits.MaxChainCertificates"/>. Blocks are found with the
/// framework's PEM reader one by one, so the count is checked before each certificate is loaded.
/// </summary>
internal static class PemChain
{
    public static X509Certificate2Collection Read(byte[] body, string what)
    {
        // PEM is ASCII; any other byte becomes '?', which no PEM block contains.
        var text = Encoding.ASCII.GetString(body).AsSpan();
        // The framework's PEM search looks for an END line after every BEGIN it meets, so a body of
        // many unterminated BEGIN lines would cost time quadratic in their number (30 s for 4 MiB).
        // Counted first in one pass: a chain has a few blocks, never more than the cap allows.
        if (CountBegins(text) > 2 * AcmeLimits.MaxChainCertificates)
        {
            throw AcmeException.Malformed($"{what} holds more than {2 * AcmeLimits.MaxChainCertificates} PEM blocks (a chain has at most {AcmeLimits.MaxChainCertificates} certificates)");
        }
        var chain = new X509Certificate2Collection();
        try
        {
            while (PemEncoding.TryFind(text, out var fields))
            {
                if (text[fields.Label].SequenceEqual("CERTIFICATE"))
                {
                    if (chain.Count == AcmeLimits.MaxChainCertificates)
                    {
                        throw AcmeException.Malformed($"{what} holds more than {AcmeLimits.MaxChainCertificates} certificates");
                    }
                    chain.Add(Load(text[fields.Base64Data], chain.Count, what));
                }
                text = text[fields.Location.End..];
            }
        }
        catch
        {
            Dispose(chain);
            throw;
        }
        return chain.Count > 0 ? chain : throw AcmeException.Malformed($"{what} holds no PEM certificate");
    }

    private static int CountBegins(ReadOnlySpan<char> text)
    {
        var count = 0;
        for (var at = text.IndexOf("-----BEGIN ", StringComparison.Ordinal); at >= 0; at = text.IndexOf("-----BEGIN ", StringComparison.Ordinal))
        {
            count++;
            text = text[(at + 11)..];
        }
        return count;
    }

    private static X509Certificate2 Load(ReadOnlySpan<char> base64, int index, string what)
    {
        var der = new byte[base64.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64Chars(base64, der, out var length))
        {
            throw AcmeException.Malformed($"{what}: certificate {index} is not base64");
        }
        try
        {
            return X509CertificateLoader.LoadCertificate(der.AsSpan(0, length));
        }
        catch (CryptographicException e)
        {
            throw AcmeException.Malformed($"{what}: certificate {index} is not an X.509 certificate ({e.Message})", e);
        }
    }

    public static void Dispose(X509Certificate2Collection chain)
    {
        foreach (var certificate in chain) certificate.Dispose();
    }
}
