namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    private static TargetSpec? ParseTarget(MappingReader spec)
    {
        var kind = OneKind(spec, ["file", "kamailio", "exec", "webhook", "audiocodes", "genesysCloud", "oracleSbc"], "Target");
        if (kind is null) return null;
        if (kind.Value.Key == "kamailio") return ParseKamailio(spec, kind.Value.Body);
        if (kind.Value.Key == "exec") return ParseExecTarget(spec, kind.Value.Body);
        if (kind.Value.Key == "webhook") return ParseWebhookTarget(spec, kind.Value.Body);
        if (kind.Value.Key == "audiocodes") return ParseAudioCodes(spec, kind.Value.Body);
        if (kind.Value.Key == "genesysCloud") return ParseGenesysCloud(spec, kind.Value.Body);
        if (kind.Value.Key == "oracleSbc") return ParseOracleSbc(spec, kind.Value.Body);
        var f = kind.Value.Body;
        if (f is null)
        {
            return new TargetSpec(TargetKind.File, new FileTargetSpec());
        }
        var defaults = new FileTargetSpec();
        var result = new FileTargetSpec
        {
            Path = f.String("path"),
            CertificateFile = FileName(f, "certificate") ?? defaults.CertificateFile,
            ChainFile = FileName(f, "chain") ?? defaults.ChainFile,
            FullChainFile = FileName(f, "fullchain") ?? defaults.FullChainFile,
            PrivateKeyFile = FileName(f, "privateKey") ?? defaults.PrivateKeyFile,
            Owner = f.String("owner"),
            Group = f.String("group"),
            Mode = FileMode(f, "mode") ?? FileTargetSpec.DefaultMode,
            KeyMode = FileMode(f, "keyMode") ?? FileTargetSpec.DefaultKeyMode,
            Pkcs12 = ParsePkcs12(f),
            Reload = ParseReload(f),
        };
        if ((result.KeyMode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.GroupWrite)) != 0)
        {
            f.Error("keyMode", "key-mode", "a private key must not be readable by others nor writable by the group; use 0600 or 0640");
        }
        f.RejectUnknown();
        return new TargetSpec(TargetKind.File, result);
    }

    private static string? FileName(MappingReader m, string key)
    {
        var v = m.String(key);
        if (v is not null && (v.Length == 0 || v.Contains('/') || v is "." or ".."))
        {
            m.Error(key, "file-name", $"'{v}' must be a plain file name inside the target folder");
            return null;
        }
        return v;
    }

    private static UnixFileMode? FileMode(MappingReader m, string key)
    {
        var v = m.String(key);
        if (v is null) return null;
        try
        {
            var mode = Convert.ToInt32(v, 8);
            if (mode is < 0 or > 0x1FF) throw new FormatException();
            return (UnixFileMode)mode;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            m.Error(key, "file-mode", $"'{v}' is not an octal file mode like 0644");
            return null;
        }
    }

    private static Pkcs12Spec? ParsePkcs12(MappingReader f)
    {
        var p = f.Mapping("pkcs12");
        if (p is null) return null;
        var file = FileName(p, "file") ?? "keystore.p12";
        var password = p.SecretRef("passwordSecretRef");
        if (p.Has("password"))
        {
            p.Error("password", "secret-by-reference", "secrets are never written inline; use passwordSecretRef: {env: NAME} or {file: PATH}");
        }
        p.RejectUnknown();
        return new Pkcs12Spec(file, password);
    }

    /// <summary>The master key's variable (Rotor.Keys.MasterKey.EnvironmentVariable), which no child ever gets.</summary>
    private const string MasterKeyVariable = "ROTOR_MASTER_KEY";

    private static ReloadSpec? ParseReload(MappingReader f)
    {
        var r = f.Mapping("reload");
        if (r is null) return null;
        var command = r.String("command", allowLineBreaks: true);
        string? signal = null, pidFile = null;
        var sig = r.Mapping("signal");
        if (sig is not null)
        {
            signal = sig.String("name") ?? "HUP";
            pidFile = sig.String("pidFile", required: true);
            if (!Signals.TryParse(signal, out _))
            {
                sig.Error("name", "signal-name", $"'{signal}' is not a signal Rotor sends; use one of {string.Join(", ", Signals.Names)}");
            }
            sig.RejectUnknown();
        }
        var timeout = Timeout(r, "timeout") ?? ReloadSpec.DefaultTimeout;
        var pass = r.StringList("passEnvironment");
        var batch = r.Bool("batch") ?? false;
        foreach (var name in pass)
        {
            if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                r.Error("passEnvironment", "environment-name", $"'{name}' is not an environment variable name (letters, digits and '_', not starting with a digit)");
            }
            else if (name == MasterKeyVariable)
            {
                r.Error("passEnvironment", "environment-secret", $"{MasterKeyVariable} is never passed to a child process");
            }
        }
        r.RejectUnknown();
        if ((command is null) == (signal is null))
        {
            r.Error(r.Node, r.Path, "reload-one-of", "give exactly one of 'command' or 'signal'");
        }
        if (pass.Count > 0 && command is null)
        {
            r.Error("passEnvironment", "reload-command", "passEnvironment is for a reload command");
        }
        if (batch && command is null)
        {
            // A signal carries nothing per certificate: signal reloads are always shared.
            r.Error("batch", "reload-command", "batch is for a reload command (a signal reload is always shared)");
        }
        return new ReloadSpec(command, signal, pidFile, timeout) { PassEnvironment = pass.Count > 0 ? pass : null, Batch = batch };
    }

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
        if (endpoint is not null && HostPort.TryParse(endpoint, out _, out _) is { } badEndpoint)
        {
            k.Error("tlsEndpoint", "host-port", badEndpoint);
        }
        var kamcmd = k.String("kamcmd") ?? defaults.Kamcmd;
        var interval = k.Duration("minReloadInterval", ManifestLimits.MaxTimeout) ?? defaults.MinReloadInterval;
        var attempts = k.Int("reloadAttempts") ?? defaults.ReloadAttempts;
        if (attempts is < 1 or > 20) k.Error("reloadAttempts", "reload-attempts", "must be from 1 to 20");
        var timeout = Timeout(k, "reloadTimeout") ?? defaults.ReloadTimeout;
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
        if (host is not null && host.StartsWith('['))
        {
            e.Error("host", "host-name", "write an IPv6 address without brackets here: the port is its own field");
        }
        else if (host is not null && HostPort.CheckHost(host) is { } badHost)
        {
            e.Error("host", "host-name", badHost);
        }
        var port = e.Int("port") ?? EndpointSpec.DefaultPort;
        if (port is < 1 or > 65535) e.Error("port", "port-range", $"{port} must be from 1 to 65535");
        var sni = e.String("sni");
        var sip = e.Bool("sip") ?? false;
        e.RejectUnknown();
        return host is null ? null : new EndpointSpec(host, port, sni, sip);
    }

    /// <summary>
    /// A wait Rotor hands to a timer (a reload, a script, a DNS check): longer than zero, which
    /// would fail every attempt, and at most <see cref="ManifestLimits.MaxTimeout"/>.
    /// </summary>
    private static TimeSpan? Timeout(MappingReader m, string key)
    {
        var value = m.Duration(key, ManifestLimits.MaxTimeout);
        if (value is { } v && v <= TimeSpan.Zero)
        {
            m.Error(key, "positive", "must be longer than 0s");
            return null;
        }
        return value;
    }
}
