using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rotor.AcmeServer;

/// <summary>
/// The CSR of a finalize request (RFC 8555 7.4), read and checked: its signature verifies with the
/// key it carries, it asks for exactly the order's identifiers (SANs, and a common name that is
/// one of them), and its key is one the policy allows. Every refusal is a badCSR problem.
/// </summary>
internal sealed record AcmeCsr(byte[] Der, AsymmetricAlgorithm PublicKey, string KeyType, IReadOnlySet<string> DnsNames, IReadOnlySet<string> IpAddresses)
{
    public static AcmeCsr Read(byte[] der)
    {
        if (der.Length is 0 or > AcmeJws.MaxBytes) throw AcmeProblemException.BadCsr($"the CSR is {der.Length} bytes long");
        CertificateRequest request;
        try
        {
            // Verifies the signature with the request's own key; the hash named is for re-signing only.
            request = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256,
                CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions, RSASignaturePadding.Pkcs1);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw AcmeProblemException.BadCsr($"the CSR does not decode or its signature does not verify with the key it carries ({e.GetType().Name})");
        }
        AsymmetricAlgorithm key;
        string keyType;
        if (request.PublicKey.GetECDsaPublicKey() is { } ec)
        {
            key = ec;
            keyType = ec.KeySize switch { 256 => "ecdsa-p256", 384 => "ecdsa-p384", var n => $"ecdsa-{n}" };
        }
        else if (request.PublicKey.GetRSAPublicKey() is { } rsa)
        {
            key = rsa;
            keyType = $"rsa-{rsa.KeySize}";
        }
        else
        {
            throw AcmeProblemException.BadCsr("the CSR's key is neither ECDSA nor RSA");
        }
        var dns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var ips = new HashSet<string>(StringComparer.Ordinal);
        foreach (var san in request.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            foreach (var name in san.EnumerateDnsNames()) dns.Add(name.TrimEnd('.'));
            foreach (var ip in san.EnumerateIPAddresses()) ips.Add(ip.ToString());
        }
        var cn = request.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == "2.5.4.3")
            .Select(r => r.GetSingleElementValue()).FirstOrDefault();
        if (!string.IsNullOrEmpty(cn))
        {
            // RFC 8555 7.4: the common name, when present, must be one of the identifiers.
            if (IPAddress.TryParse(cn, out var cnIp)) ips.Add(cnIp.ToString());
            else dns.Add(cn.TrimEnd('.'));
        }
        return new AcmeCsr(der, key, keyType, dns, ips);
    }

    /// <summary>Refuses a CSR whose names are not exactly <paramref name="dnsNames"/> and <paramref name="ipAddresses"/>.</summary>
    public void CheckNames(IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<string> ipAddresses)
    {
        var wantDns = new HashSet<string>(dnsNames, StringComparer.OrdinalIgnoreCase);
        var wantIp = new HashSet<string>(ipAddresses.Select(a => IPAddress.Parse(a).ToString()), StringComparer.Ordinal);
        var extra = DnsNames.Where(n => !wantDns.Contains(n)).Concat(IpAddresses.Where(a => !wantIp.Contains(a))).ToList();
        var missing = wantDns.Where(n => !DnsNames.Contains(n)).Concat(wantIp.Where(a => !IpAddresses.Contains(a))).ToList();
        if (extra.Count > 0 || missing.Count > 0)
        {
            throw AcmeProblemException.BadCsr("the CSR's names must be the order's identifiers" +
                (extra.Count > 0 ? $"; not in the order: {string.Join(", ", extra.Take(10))}" : "") +
                (missing.Count > 0 ? $"; missing: {string.Join(", ", missing.Take(10))}" : ""));
        }
    }
}
