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
    private string _lastStatus = "success";
    private string? _lastError;
    private int _pollsLeft;
    private (string Action, string ErrorMessage)? _failAction;

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

    /// <summary>
    /// <c>PUT configuration/certificates/generateRequest?recordName=</c>, under the lock: "The generated
    /// private key is stored in the certificate-record" and the PKCS#10 request "is returned in data
    /// section of the response body" as <c>CertificateRequest/certificateSignedRequest</c>; 404 with the
    /// documented text for an unknown record (SBC-REST 9.3.0
    /// op-rest-version-configuration-certificates-generaterequest-put.html, 200 Response, "Nested
    /// Schema : CertificateRequest"; 8.4.0 same page, 404 Response). The key (RSA 2048 here) stays in
    /// the emulator, as it stays on the SBC.
    /// </summary>
    private (int, string) GenerateRequest(string token, string recordName)
    {
        if (NeedsLock(token) is { } refused) return refused;
        lock (_gate)
        {
            if (!_edited.Records.TryGetValue(recordName, out var record)) return Error(404, RecordNotFound);
            var key = RSA.Create(2048);
            _keys.Add(key);
            _edited.Records[recordName] = record with { Key = key };
            var csr = new CertificateRequest($"CN={recordName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
            return (200, Envelope(data: $"<CertificateRequest><certificateSignedRequest>{csr}\n</certificateSignedRequest></CertificateRequest>"));
        }
    }

    /// <summary>
    /// <c>PUT configuration/certificates/import</c>, application/xml, under the lock (SBC-REST 8.4.0 and
    /// 9.3.0 op-rest-version-configuration-certificates-import-put.html):
    /// <list type="bullet">
    /// <item>the PEM certificate in <c>certificateRequest</c> (9.3.0 page, request "Root Schema");
    /// not PEM → 400 with the page's 400 text;</item>
    /// <item>the record's name in <c>recordName</c>, the name the certificates pages give the record
    /// everywhere (generateRequest and GET take <c>recordName</c>); the pages that could be read do
    /// not show the element, so this one is the public client's, which also names the root
    /// <c>ImportCertificate</c> and sends <c>format</c> x509 (github.com/negbie/oracle-cert-renew,
    /// internal/sbc/certificate.go, ImportCertificateRequest). The emulator checks neither the root
    /// nor the format;</item>
    /// <item>an unknown record → 404 with the page's 404 text;</item>
    /// <item>9.3 replaces an imported certificate only with <c>&lt;overwrite&gt;true&lt;/overwrite&gt;</c>
    /// (9.3.0 page: "to update a expiring certificate ... Include the overwrite element with a value
    /// of true"); without it → 400 (the page's 400: "missing required information");</item>
    /// <item>8.4 has no <c>overwrite</c> and "If one or more attributes or sub-elements in the request
    /// is syntactically invalid in any way, this request fails" (8.4.0 page) → 400;</item>
    /// <item>200: "certificate record name in request body is returned in response body" (both pages).</item>
    /// </list>
    /// </summary>
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
            return Error(400, Malformed);
        }
        var name = root.Element("recordName")?.Value.Trim() ?? "";
        var pem = root.Element("certificateRequest")?.Value ?? "";
        var overwrite = root.Element("overwrite")?.Value.Trim();
        if (Release == "8.4" && overwrite is not null) return Error(400, Malformed);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException)
        {
            return Error(400, Malformed);
        }
        lock (_gate)
        {
            if (!_edited.Records.TryGetValue(name, out var record)) return Error(404, UnknownInstance);
            if (Release == "9.3" && record.CertificatePem is not null && overwrite != "true") return Error(400, Malformed);
            _edited.Records[name] = record with { CertificatePem = certificate.ExportCertificatePem() + "\n" };
        }
        return (200, Envelope(data: $"<recordName>{System.Security.SecurityElement.Escape(name)}</recordName>"));
    }

    /// <summary>
    /// <c>GET configuration/certificates?recordName=&amp;format=pem|detail</c>, no lock needed: the
    /// imported certificate "in PEM format in response body", under <c>CertificateRecordDetails</c> with
    /// its <c>certificateRecord</c>; 404 with the page's text when the record is unknown, holds no
    /// imported certificate ("works only for a certificate-record, for which a certificate was already
    /// imported") or the format is not one of the two (SBC-REST 9.0.0 and 9.2.0
    /// op-rest-version-configuration-certificates-get.html; 8.4.0 api-certificates.html: "GET requests
    /// can be made by a REST client without the configuration lock"). The name of the element that
    /// holds the PEM is past what the readable copy of the page shows: the emulator calls it
    /// <c>certificate</c>, and Rotor reads the first PEM certificate anywhere in the answer instead.
    /// Answered from the edited configuration, as configElements is by default.
    /// </summary>
    private (int, string) GetCertificate(string recordName, string format)
    {
        if (format is not ("pem" or "detail")) return Error(404, CertificateNotFound);
        lock (_gate)
        {
            if (!_edited.Records.TryGetValue(recordName, out var record) || record.CertificatePem is null) return Error(404, CertificateNotFound);
            return (200, Envelope(data: $"<CertificateRecordDetails><certificateRecord>{System.Security.SecurityElement.Escape(recordName)}</certificateRecord><certificate>{record.CertificatePem}</certificate></CertificateRecordDetails>"));
        }
    }

    /// <summary>
    /// <c>GET configuration/configElements?elementType=tls-profile&amp;name=</c>: one instance named by
    /// its key attribute, from the edited configuration unless <c>running=true</c> (SBC-REST 9.3.0
    /// op-rest-version-configuration-configelements-get.html); 404 with the common 404 text for an
    /// unknown instance.
    /// </summary>
    private (int, string) GetElement(string elementType, string name, bool running)
    {
        lock (_gate)
        {
            if (elementType != "tls-profile" || !(running ? _running : _edited).TlsProfiles.TryGetValue(name, out var record)) return Error(404, UnknownInstance);
            return (200, Envelope(data: TlsProfileXml(name, record)));
        }
    }

    /// <summary>
    /// A <c>configElement</c> with <c>elementType</c> and <c>attribute</c> name/value pairs (SBC-REST 8.4.0
    /// use-case-replace-certificate.html: the <c>&lt;configElement&gt;</c> of a template; the same shape in
    /// the public client github.com/p4irin/sbc_rest_client, README "Change a configuration element");
    /// tls-profile's <c>end-entity-certificate</c> names the certificate-record it presents (Oracle Cloud
    /// Native SBC 1.25.1 restapp op-config-v1-sd-tls-profile-elementkey-put.html, "end entity
    /// certificate for the TLS connection"; the ACLI tls-profile element of the SBC).
    /// </summary>
    private static string TlsProfileXml(string name, string record) =>
        $"<configElement><elementType>tls-profile</elementType><attribute><name>name</name><value>{name}</value></attribute>" +
        $"<attribute><name>end-entity-certificate</name><value>{record}</value></attribute></configElement>";

    /// <summary>
    /// <c>PUT configuration/configElements</c>, under the lock: the instance is named by its key
    /// attribute (<c>name</c>) and only the attributes given change (p4irin/sbc_rest_client README:
    /// "you only need to include the attributes you want to have changed"; SBC-REST 9.3.0
    /// op-rest-version-configuration-configelements-get.html on key attributes); 400 with the 400 text
    /// when the body is not one, 404 for an unknown instance.
    /// </summary>
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
            return Error(400, Malformed);
        }
        var attributes = root.Elements("attribute").ToDictionary(a => a.Element("name")?.Value ?? "", a => a.Element("value")?.Value ?? "", StringComparer.Ordinal);
        if (root.Element("elementType")?.Value != "tls-profile" || !attributes.TryGetValue("name", out var name)) return Error(400, Malformed);
        lock (_gate)
        {
            if (!_edited.TlsProfiles.ContainsKey(name)) return Error(404, UnknownInstance);
            if (attributes.TryGetValue("end-entity-certificate", out var record)) _edited.TlsProfiles[name] = record;
            return (200, Envelope(data: TlsProfileXml(name, _edited.TlsProfiles[name])));
        }
    }

    /// <summary>
    /// <c>PUT configuration/management?action=save|verify</c> and <c>POST ...?action=activate</c>, under
    /// the lock: "an asynchronous request ... the immediate response to the client (202) simply
    /// indicates that the request was received", "The links section of the response includes the REST
    /// resource the client should use to poll"; activate "Activates the current saved configuration"
    /// (SBC-REST 9.3.0 op-rest-version-configuration-management-put.html; 8.2.0
    /// op-rest-version-configuration-management-post.html; 8.4.0 status-codes.html, 202). The link is
    /// admin/asyncstatus, the resource that "Returns the status of the most recently-issued request that
    /// required asynchronous processing" (9.3.0 op-rest-version-admin-asyncstatus-get.html). Another
    /// action → 400 with the 400 text.
    /// </summary>
    private (int, string) Manage(string token, string action, bool put)
    {
        if (NeedsLock(token) is { } refused) return refused;
        if (put ? action is not ("save" or "verify") : action != "activate") return Error(400, Malformed);
        lock (_gate)
        {
            _lastOperation = action;
            _pollsLeft = PollsBeforeDone;
            if (_failAction is { } fail && fail.Action == action)
            {
                _failAction = null;
                _lastStatus = "fail";
                _lastError = fail.ErrorMessage;
            }
            else
            {
                _lastStatus = "success";
                _lastError = null;
                if (action == "save") _saved = _edited.Copy();
                if (action == "activate") _running = _saved.Copy();
            }
        }
        return (202, Envelope(links: $"<link>{Url}/rest/v1.2/admin/asyncstatus</link>"));
    }

    /// <summary>
    /// <c>GET admin/asyncstatus</c>: <c>data/operationState</c> with <c>operation</c> (activate, save,
    /// verify, ...) and <c>status</c>, whose allowed values are <c>inProgress</c>, <c>success</c> and
    /// <c>fail</c>, and the optional <c>errorMessage</c> that carries "information about the failure"
    /// (SBC-REST 8.3.0 op-rest-version-admin-asyncstatus-get.html, "Nested Schema : operationState";
    /// the success answer of https://docs.oracle.com/cd/F21318_01/REST/use-case-save-verify-activate.html).
    /// </summary>
    private (int, string) AsyncStatus()
    {
        lock (_gate)
        {
            var status = _pollsLeft-- > 0 ? "inProgress" : _lastStatus;
            var error = status == "fail" && _lastError is { } e ? $"<errorMessage>{System.Security.SecurityElement.Escape(e)}</errorMessage>" : "";
            return (200, Envelope(data: $"<operationState>{error}<operation>{_lastOperation}</operation><status>{status}</status></operationState>"));
        }
    }
}
