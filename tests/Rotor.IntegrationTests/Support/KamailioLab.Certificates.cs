using System.Security.Cryptography.X509Certificates;

namespace Rotor.IntegrationTests.Support;

public sealed partial class KamailioLab
{
    /// <summary>
    /// Issues a NEW key pair and certificate from this fixture's test CA (tests/env/sip/gen-cert.sh)
    /// into <c>issued/NAME-cert.pem</c> and <c>issued/NAME-key.pem</c>; nothing live changes.
    /// </summary>
    /// <param name="intermediate">Issue from an intermediate CA; the file holds leaf, then intermediate.</param>
    /// <param name="keyType">"ec" (P-256) or "rsa" (2048).</param>
    public async Task<LabCertificate> IssueAsync(string name, bool intermediate = false, string keyType = "ec", CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(Directory, "issued");
        System.IO.Directory.CreateDirectory(folder);
        var cert = Path.Combine(folder, name + "-cert.pem");
        var key = Path.Combine(folder, name + "-key.pem");
        List<string> args = ["--ca-dir", Path.Combine(Directory, "ca"), "--key-type", keyType];
        if (intermediate) args.Add("--intermediate");
        args.AddRange([cert, key]);
        var (code, output) = await EnvScript.RunAsync(Scripts, "gen-cert.sh", [.. args], null, TimeSpan.FromSeconds(60), cancellationToken);
        if (code != 0) throw new InvalidOperationException("gen-cert.sh failed: " + output);
        var sha256 = output.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Last(w => w.StartsWith("sha256=", StringComparison.Ordinal))["sha256=".Length..];
        return new LabCertificate(cert, key, sha256);
    }

    /// <summary>
    /// Replaces the live files the way Rotor must: each written to a temporary file in the same
    /// folder and renamed over the live one, key first. Kamailio notices nothing until a reload.
    /// </summary>
    public async Task InstallAsync(string certificatePem, string privateKeyPem, CancellationToken cancellationToken = default)
    {
        await ReplaceAsync(PrivateKeyPath, privateKeyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
        await ReplaceAsync(CertificatePath, certificatePem,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, cancellationToken);
    }

    /// <summary>Installs an issued pair (see <see cref="InstallAsync(string, string, CancellationToken)"/>).</summary>
    public async Task InstallAsync(LabCertificate pair, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pair);
        await InstallAsync(await File.ReadAllTextAsync(pair.CertificatePath, cancellationToken),
            await File.ReadAllTextAsync(pair.PrivateKeyPath, cancellationToken), cancellationToken);
    }

    /// <summary>SHA-256 (lower-case hex) of the leaf in the live certificate file: what Kamailio should present after a good reload.</summary>
    public string LiveSha256()
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(CertificatePath);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(chain[0].RawData));
    }

    /// <summary>This fixture's test root, for a probe's trust.</summary>
    public IReadOnlyList<X509Certificate2> TrustAnchors()
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(CaCertificatePath);
        return [.. roots];
    }

    private static async Task ReplaceAsync(string path, string content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8]);
        await using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(content), cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>A pair issued by <see cref="KamailioLab.IssueAsync"/>: chain file, key file, and the leaf's SHA-256 (lower-case hex).</summary>
public sealed record LabCertificate(string CertificatePath, string PrivateKeyPath, string Sha256);
