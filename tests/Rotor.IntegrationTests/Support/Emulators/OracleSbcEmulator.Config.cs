using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;

namespace Rotor.IntegrationTests.Support.Emulators;

/// <summary>The configuration: certificate-records and tls-profiles, edited, saved and running.</summary>
public sealed partial class OracleSbcEmulator
{
    /// <summary>A certificate-record: the key the SBC made for it (never answered) and the certificate imported into it.</summary>
    public sealed record CertificateRecord(RSA? Key, string? CertificatePem);

    private sealed class Configuration
    {
        public Dictionary<string, CertificateRecord> Records { get; init; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> TlsProfiles { get; init; } = new(StringComparer.Ordinal); // name -> end-entity-certificate

        public Configuration Copy() => new()
        {
            Records = new(Records, StringComparer.Ordinal),
            TlsProfiles = new(TlsProfiles, StringComparer.Ordinal),
        };
    }

    private Configuration _edited = new();
    private Configuration _saved = new();
    private Configuration _running = new();
    private readonly List<RSA> _keys = [];
    private string _lastOperation = "";
    private int _pollsLeft;

    public const string RecordA = "sip-a";
    public const string RecordB = "sip-b";
    public const string Profile = "sip-tls";

    private void Seed()
    {
        var key = RSA.Create(2048);
        _keys.Add(key);
        var request = new CertificateRequest("CN=sbc self-signed", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = TimeProvider.System.GetUtcNow();
        using var self = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        _edited.Records[RecordA] = new CertificateRecord(key, self.ExportCertificatePem() + "\n");
        _edited.Records[RecordB] = new CertificateRecord(null, null);
        _edited.TlsProfiles[Profile] = RecordA;
        _saved = _edited.Copy();
        _running = _edited.Copy();
    }

    /// <summary>The certificate the SBC presents: the running tls-profile's record's certificate.</summary>
    public X509Certificate2 Served()
    {
        lock (_gate) return X509Certificate2.CreateFromPem(_running.Records[_running.TlsProfiles[Profile]].CertificatePem!);
    }

    /// <summary>The record the running tls-profile presents.</summary>
    public string ServedRecord { get { lock (_gate) return _running.TlsProfiles[Profile]; } }

    /// <summary>Whether the presented certificate carries the key of its record (a TLS handshake would work).</summary>
    public bool ServedKeyMatches()
    {
        lock (_gate)
        {
            var record = _running.Records[_running.TlsProfiles[Profile]];
            return record.Key is not null && Served().PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(record.Key.ExportSubjectPublicKeyInfo());
        }
    }

    /// <summary>The edited configuration's record (what GET certificates reads).</summary>
    public CertificateRecord Edited(string record) { lock (_gate) return _edited.Records[record]; }

    /// <summary>Every key the SBC made, as PKCS#8 PEM: what must never appear in Rotor's files.</summary>
    public IReadOnlyList<string> DevicePrivateKeyPems() { lock (_gate) return [.. _keys.Select(k => k.ExportPkcs8PrivateKeyPem())]; }

    /// <summary>Whether the saved configuration equals the running one for the profile and its record.</summary>
    public bool SavedMatchesRunning()
    {
        lock (_gate)
        {
            var record = _running.TlsProfiles[Profile];
            return _saved.TlsProfiles[Profile] == record && _saved.Records[record] == _running.Records[record];
        }
    }

    private (int, string) GenerateRequest(string token, string recordName)
    {
        if (NeedsLock(token) is { } refused) return refused;
        lock (_gate)
        {
            if (!_edited.Records.TryGetValue(recordName, out var record)) return Error(404, "Certificate specified with recordName key attribute is not found");
            var key = RSA.Create(2048);
            _keys.Add(key);
            _edited.Records[recordName] = record with { Key = key };
            var csr = new CertificateRequest($"CN={recordName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
            return (200, Envelope(data: $"<csr>{csr}\n</csr>"));
        }
    }

    private (int, string) Import(string token, string body)
    {
        if (NeedsLock(token) is { } refused) return refused;
        XElement root;
        try
        {
            root = XElement.Parse(body);
        }
        catch (System.Xml.XmlException)
        {
            return Error(400, "The request is malformed: the body is not XML");
        }
        var name = root.Element("certRecordName")?.Value.Trim() ?? "";
        var pem = root.Element("certificateRequest")?.Value ?? "";
        var overwrite = root.Element("overwrite")?.Value.Trim();
        if (Release == "8.4" && overwrite is not null) return Error(400, "The request is malformed: unknown sub-element overwrite");
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException)
        {
            return Error(400, "Invalid certificate: the certificate is not in PEM format");
        }
        lock (_gate)
        {
            if (!_edited.Records.TryGetValue(name, out var record)) return Error(404, "Unknown instance is requested: certificate-record " + name);
            if (Release == "9.3" && record.CertificatePem is not null && overwrite != "true")
            {
                return Error(400, "A certificate is already imported into certificate-record " + name + "; set overwrite to true to update it");
            }
            _edited.Records[name] = record with { CertificatePem = certificate.ExportCertificatePem() + "\n" };
        }
        return (200, Envelope(data: $"<certRecordName>{name}</certRecordName>"));
    }

    private (int, string) GetCertificate(string recordName, string format)
    {
        if (format is not ("pem" or "detail")) return Error(404, "requested format is not supported");
        lock (_gate)
        {
            if (!_edited.Records.TryGetValue(recordName, out var record) || record.CertificatePem is null)
            {
                return Error(404, "Certificate specified with recordName key attribute is not found");
            }
            return (200, Envelope(data: $"<certificateRecord>{recordName}</certificateRecord><certificate>{record.CertificatePem}</certificate>"));
        }
    }

    private (int, string) GetElement(string elementType, string name, bool running)
    {
        lock (_gate)
        {
            if (elementType != "tls-profile" || !(running ? _running : _edited).TlsProfiles.TryGetValue(name, out var record)) return Error(404, "unknown instance is requested in the URL");
            return (200, Envelope(data: TlsProfileXml(name, record)));
        }
    }

    private static string TlsProfileXml(string name, string record) =>
        $"<configElement><elementType>tls-profile</elementType><attribute><name>name</name><value>{name}</value></attribute>" +
        $"<attribute><name>end-entity-certificate</name><value>{record}</value></attribute></configElement>";

    private (int, string) PutElement(string token, string body)
    {
        if (NeedsLock(token) is { } refused) return refused;
        XElement root;
        try
        {
            root = XElement.Parse(body);
        }
        catch (System.Xml.XmlException)
        {
            return Error(400, "The request is malformed: the body is not XML");
        }
        var attributes = root.Elements("attribute").ToDictionary(a => a.Element("name")?.Value ?? "", a => a.Element("value")?.Value ?? "", StringComparer.Ordinal);
        if (root.Element("elementType")?.Value != "tls-profile" || !attributes.TryGetValue("name", out var name)) return Error(400, "The request is malformed: elementType and key attribute name are required");
        lock (_gate)
        {
            if (!_edited.TlsProfiles.ContainsKey(name)) return Error(404, "unknown instance is requested in the URL");
            if (attributes.TryGetValue("end-entity-certificate", out var record)) _edited.TlsProfiles[name] = record;
            return (200, Envelope(data: TlsProfileXml(name, _edited.TlsProfiles[name])));
        }
    }

    private (int, string) Manage(string token, string action, bool put)
    {
        if (NeedsLock(token) is { } refused) return refused;
        if (put ? action is not ("save" or "verify") : action != "activate") return Error(400, "The request is malformed: unsupported action " + action);
        lock (_gate)
        {
            if (action == "save") _saved = _edited.Copy();
            if (action == "activate") _running = _saved.Copy(); // activates the current saved configuration
            _lastOperation = action;
            _pollsLeft = PollsBeforeDone;
        }
        return (202, Envelope(links: $"<link>{Url}/rest/v1.2/admin/asyncstatus</link>"));
    }

    private (int, string) AsyncStatus()
    {
        lock (_gate)
        {
            var status = _pollsLeft-- > 0 ? "inProgress" : "success";
            return (200, Envelope(data: $"<operationState><operation>{_lastOperation}</operation><status>{status}</status></operationState>"));
        }
    }
}
