using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rotor.Certificates;
using Rotor.Core.Abstractions;

namespace Rotor.Targets;

/// <summary>
/// The configuration elements the target reads and writes: certificate-records (their imported
/// certificate) and, with two records, the tls-profile whose end-entity-certificate names the
/// one in service.
/// </summary>
public sealed partial class OracleSbcTarget
{
    /// <summary>
    /// The record the SBC presents: the running configuration's (<c>running=true</c>; by default the
    /// SBC answers from the edited one, which a failed attempt may have changed) TLS profile's
    /// end-entity-certificate with two records, else the one record.
    /// </summary>
    private async Task<string> InServiceRecordAsync(CancellationToken cancellationToken)
    {
        if (!spec.TwoRecords) return spec.CertificateRecord;
        var path = $"{Rest}/configuration/configElements?elementType=tls-profile&name={Uri.EscapeDataString(spec.TlsProfile!)}&running=true";
        var answer = await CallAsync(HttpMethod.Get, path, () => null, cancellationToken);
        var record = OracleXml.Attribute(answer.Body, "end-entity-certificate");
        if (record is null || (record != spec.CertificateRecord && record != spec.SpareCertificateRecord))
        {
            throw Failure(RotorReasons.TargetMisconfigured, transient: false,
                $"tls-profile {spec.TlsProfile} uses certificate-record '{record ?? "(none)"}', neither certificateRecord {spec.CertificateRecord} nor spareCertificateRecord {spec.SpareCertificateRecord}");
        }
        return record;
    }

    private async Task<string?> ImportedFingerprintAsync(string record, CancellationToken cancellationToken) =>
        await ImportedAsync(record, cancellationToken) is { } certificate ? CertificatePem.Sha256Fingerprint(certificate) : null;

    /// <summary>
    /// <c>GET certificates?recordName=&amp;format=pem</c>: the certificate imported into the record;
    /// null when the record holds none (404: the page's "certificate specified with recordName key
    /// attribute is not found", op-rest-version-configuration-certificates-get.html). The PEM is read
    /// wherever it is in the answer: the page names <c>CertificateRecordDetails</c> and
    /// <c>certificateRecord</c>, not the element that holds the PEM.
    /// </summary>
    private async Task<X509Certificate2?> ImportedAsync(string record, CancellationToken cancellationToken)
    {
        var path = $"{Rest}/configuration/certificates?recordName={Uri.EscapeDataString(record)}&format=pem";
        var answer = await SendAsync(HttpMethod.Get, path, () => null, cancellationToken);
        if (answer.Status == 404) return null;
        if (!answer.Ok) throw AnswerFailure(HttpMethod.Get, path, answer);
        var text = answer.Text;
        var begin = text.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        if (begin < 0) return null;
        try
        {
            var chain = CertificatePem.ReadPemChain(text[begin..]);
            return chain.Count == 0 ? null : chain[0];
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            throw Failure(RotorReasons.OracleSbcRejected, transient: true, $"GET {PathOnly(path)}: certificate-record {record} answered a certificate that does not parse");
        }
    }

    /// <summary>
    /// <c>PUT certificates/import</c> (XML): the signed certificate into the record that holds its
    /// key. <c>certificateRequest</c> carries the PEM (Oracle's "Import a CA-signed certificate",
    /// docs.oracle.com/en/industries/communications/session-border-controller/9.3.0/rest/op-rest-version-configuration-certificates-import-put.html,
    /// request schema) and release 9.3 replaces an imported certificate only with <c>overwrite</c>
    /// true (same page). The root, <c>recordName</c> and <c>format</c> names are not on the part of
    /// the page that could be read; they are the ones a public client sends to SBCs
    /// (github.com/negbie/oracle-cert-renew, internal/sbc/certificate.go), and <c>recordName</c> is
    /// the name every certificates page gives the record.
    /// </summary>
    private async Task ImportAsync(string record, X509Certificate2 leaf, CancellationToken cancellationToken)
    {
        var overwrite = spec.Version == "9.3" ? "\n  <overwrite>true</overwrite>" : "";
        var body = $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <ImportCertificate>
              <recordName>{OracleXml.Escape(record)}</recordName>
              <format>x509</format>
              <certificateRequest>{OracleXml.Escape(CertificatePem.ToPem(leaf))}</certificateRequest>{overwrite}
            </ImportCertificate>
            """;
        await CallAsync(HttpMethod.Put, $"{Rest}/configuration/certificates/import", () => Xml(body), cancellationToken);
    }

    /// <summary><c>PUT configElements</c>: the tls-profile's end-entity-certificate set to <paramref name="record"/> (key attribute name, then the change).</summary>
    private async Task PointProfileAsync(string record, CancellationToken cancellationToken)
    {
        var body = $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <configElement>
              <elementType>tls-profile</elementType>
              <attribute><name>name</name><value>{OracleXml.Escape(spec.TlsProfile!)}</value></attribute>
              <attribute><name>end-entity-certificate</name><value>{OracleXml.Escape(record)}</value></attribute>
            </configElement>
            """;
        await CallAsync(HttpMethod.Put, $"{Rest}/configuration/configElements", () => Xml(body), cancellationToken);
    }
}
