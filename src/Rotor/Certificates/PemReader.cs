using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.Core.Validation;

namespace Rotor.Certificates;

/// <summary>How much one input may hold. Every file is read through these caps, so no input can make Rotor read without end.</summary>
internal sealed record PemLimits(int MaxBytes, int MaxCertificates)
{
    public const int OneMiB = 1 << 20;

    /// <summary>A certificate with its chain (a chain past 10 fails chain-length anyway).</summary>
    public static readonly PemLimits Chain = new(OneMiB, 100);

    /// <summary>A bundle of roots: an operating system's bundle holds about 150 in some 220 KB.</summary>
    public static readonly PemLimits TrustBundle = new(OneMiB, 1000);

    /// <summary>A private key file (with its chain, at most): <see cref="Rotor.Core.Validation.PrivateKeyPem.MaxChars"/>.</summary>
    public static readonly PemLimits KeyFile = new(Rotor.Core.Validation.PrivateKeyPem.MaxChars, 0);

    public string Size => MaxBytes % OneMiB == 0 ? $"{MaxBytes / OneMiB} MiB" : $"{MaxBytes} bytes";
}

/// <summary>
/// The certificates of one PEM input. <see cref="Error"/> means the input is not usable PEM at
/// all (not PEM, a broken boundary, a body that is not base64, too many blocks); a block that is
/// good PEM but not a DER certificate is listed in <see cref="Undecodable"/> instead, as
/// malformed certificate content.
/// </summary>
internal sealed record PemCertificates(
    IReadOnlyList<X509Certificate2> Certificates,
    IReadOnlyList<string> Undecodable,
    int Blocks,
    bool FirstDecodes,
    string? Error)
{
    public static PemCertificates Failed(string error) => new([], [], 0, false, error);
}

/// <summary>Reads certificate PEM in linear time and bounded memory (see <see cref="PemBlocks"/>).</summary>
internal static class PemReader
{
    public const string CertificateLabel = "CERTIFICATE";

    /// <summary>The certificates of <paramref name="text"/>, at most <paramref name="maxCertificates"/> blocks.</summary>
    public static PemCertificates ReadCertificates(string text, int maxCertificates)
    {
        var scan = PemBlocks.Scan(text, maxCertificates);
        if (!scan.Ok) return PemCertificates.Failed(scan.LimitReached ? $"too long: it holds {scan.Error}" : $"not a readable PEM file: {scan.Error}");
        var certificates = new List<X509Certificate2>();
        var undecodable = new List<string>();
        var blocks = 0;
        var firstDecodes = false;
        foreach (var block in scan.Blocks.Where(b => b.Label == CertificateLabel))
        {
            blocks++;
            var where = $"certificate {blocks} (line {block.Line})";
            if (block.TryDecode() is not { } der)
            {
                return PemCertificates.Failed($"not a readable PEM file: the body of {where} is not base64");
            }
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(der));
                firstDecodes |= blocks == 1;
            }
            catch (CryptographicException e)
            {
                undecodable.Add($"{where} is not a DER X.509 certificate ({e.Message})");
            }
        }
        return new PemCertificates(certificates, undecodable, blocks, firstDecodes, null);
    }

    /// <summary>Reads <paramref name="path"/> through <paramref name="limits"/>; a file without any certificate block is an error.</summary>
    public static async Task<PemCertificates> ReadCertificateFileAsync(string path, PemLimits limits, CancellationToken cancellationToken)
    {
        var (text, error) = await ReadTextAsync(path, limits, cancellationToken);
        if (text is null) return PemCertificates.Failed(error!);
        var read = ReadCertificates(text, limits.MaxCertificates);
        if (read.Error is null && read.Blocks == 0)
        {
            return PemCertificates.Failed($"{path} is not readable PEM: no '-----BEGIN CERTIFICATE-----' block{Hint(text)}");
        }
        return read.Error is null ? read : PemCertificates.Failed($"{path} is {read.Error}");
    }

    /// <summary>
    /// The text of <paramref name="path"/>, or an error when it cannot be read or holds more than
    /// <see cref="PemLimits.MaxBytes"/> (reading stops one byte past the cap, so /dev/zero ends at once).
    /// </summary>
    public static Task<(string? Text, string? Error)> ReadTextAsync(string path, PemLimits limits, CancellationToken cancellationToken) =>
        IO.BoundedFile.ReadTextAsync(path, limits.MaxBytes, cancellationToken);

    /// <summary>
    /// <see cref="ReadTextAsync"/> for callers that report read problems as <see cref="IOException"/>
    /// (trust files of issuers and probes): the same caps, the same message.
    /// </summary>
    public static async Task<string> ReadBoundedTextAsync(string path, PemLimits limits, CancellationToken cancellationToken)
    {
        var (text, error) = await ReadTextAsync(path, limits, cancellationToken);
        return text ?? throw new IOException(error);
    }

    /// <summary>A hint for the usual mistakes: an empty file, a DER file or other binary data.</summary>
    private static string Hint(string text)
    {
        if (text.Length == 0) return " (the file is empty)";
        var head = text.AsSpan(0, Math.Min(text.Length, 512));
        var binary = head.IndexOfAnyInRange('\0', '\b') >= 0 || head.IndexOfAnyInRange('\u000e', '\u001f') >= 0 || head.Contains('\uFFFD');
        return binary ? " (it holds binary data; if that is DER, which Rotor does not read, convert it with 'openssl x509 -inform der')" : "";
    }
}
