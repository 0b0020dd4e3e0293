namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    private static TargetSpec? ParseKamailio(MappingReader spec, MappingReader? k)
    {
        if (k is null)
        {
            spec.Error("kamailio", "required", "a kamailio target needs ctlSocket, certificatePath and privateKeyPath");
            return null;
        }
        var defaults = new KamailioTargetSpec { CtlSocket = "", CertificatePath = "", PrivateKeyPath = "" };
        var ctl = k.String("ctlSocket", required: true);
        var cert = k.String("certificatePath", required: true);
        var key = k.String("privateKeyPath", required: true);
        var ca = k.String("caPath");
        var endpoint = k.String("tlsEndpoint");
        if (endpoint is not null && !TryParseHostPort(endpoint, out _, out _))
        {
            k.Error("tlsEndpoint", "host-port", $"'{endpoint}' must be host:port with a port from 1 to 65535");
        }
        var kamcmd = k.String("kamcmd") ?? defaults.Kamcmd;
        var interval = k.Duration("minReloadInterval") ?? defaults.MinReloadInterval;
        var attempts = k.Int("reloadAttempts") ?? defaults.ReloadAttempts;
        if (attempts is < 1 or > 20) k.Error("reloadAttempts", "reload-attempts", "must be from 1 to 20");
        var timeout = k.Duration("reloadTimeout") ?? defaults.ReloadTimeout;
        if (cert is not null && key is not null && cert == key) k.Error("privateKeyPath", "distinct-files", "the key and the certificate must be different files");
        k.RejectUnknown();
        if (ctl is null || cert is null || key is null) return null;
        return new TargetSpec(TargetKind.Kamailio, Kamailio: new KamailioTargetSpec
        {
            CtlSocket = ctl,
            CertificatePath = cert,
            PrivateKeyPath = key,
            CaPath = ca,
            TlsEndpoint = endpoint,
            Kamcmd = kamcmd,
            MinReloadInterval = interval,
            ReloadAttempts = attempts,
            ReloadTimeout = timeout,
        });
    }

    private static EndpointSpec? ParseEndpoint(MappingReader e)
    {
        var host = e.String("host", required: true);
        var port = e.Int("port") ?? EndpointSpec.DefaultPort;
        if (port is < 1 or > 65535) e.Error("port", "port-range", $"{port} must be from 1 to 65535");
        var sni = e.String("sni");
        var sip = e.Bool("sip") ?? false;
        e.RejectUnknown();
        return host is null ? null : new EndpointSpec(host, port, sni, sip);
    }

    /// <summary>Splits <c>host:port</c> (or <c>[v6]:port</c>).</summary>
    public static bool TryParseHostPort(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        host = text[..colon].Trim('[', ']');
        return host.Length > 0 && int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            && port is >= 1 and <= 65535;
    }
}
