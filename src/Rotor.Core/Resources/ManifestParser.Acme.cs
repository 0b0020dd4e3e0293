namespace Rotor.Core.Resources;

public static partial class ManifestParser
{
    private static IssuerSpec? ParseAcmeMissingBody(MappingReader spec)
    {
        spec.Error("acme", "required", "an acme issuer needs at least 'server' and one solver");
        return null;
    }

    private static IssuerSpec ParseAcme(MappingReader a)
    {
        var server = a.String("server", required: true) ?? "";
        if (server.Length > 0 && (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps))
        {
            a.Error("server", "acme-server-url", $"'{server}' must be the https:// URL of the ACME directory");
        }
        var email = a.String("email");
        if (email is not null && !email.Contains('@', StringComparison.Ordinal))
        {
            a.Error("email", "email", $"'{email}' is not an email address");
        }
        var eab = ParseEab(a);
        var accountKey = ParseAccountKey(a);
        var solvers = a.MappingList("solvers").Select(ParseSolver).OfType<AcmeSolverSpec>().ToList();
        if (solvers.Count == 0)
        {
            a.Error(a.Node, a.Field("solvers"), "acme-solver-required", "give at least one solver (dns01 or http01)");
        }
        if (solvers.Count(s => s.Selector is null) > 1)
        {
            a.Error("solvers", "acme-one-default-solver", "at most one solver may have no selector");
        }
        var concurrent = a.Int("maxConcurrentOrders") ?? 10;
        if (concurrent is < 1 or > 1000)
        {
            a.Error("maxConcurrentOrders", "range", "must be between 1 and 1000");
        }
        var result = new AcmeIssuerSpec
        {
            Server = server,
            Email = email,
            CaBundle = a.String("caBundle"),
            PreferredChain = a.String("preferredChain"),
            TrustedRoots = a.String("trustedRoots"),
            Profile = a.String("profile"),
            ExternalAccountBinding = eab,
            AccountKey = accountKey,
            Solvers = solvers,
            MaxConcurrentOrders = concurrent,
            UseRenewalInfo = a.Bool("renewalInfo") ?? true,
        };
        a.RejectUnknown();
        return new IssuerSpec(IssuerKind.Acme, Acme: result);
    }

    private static ExternalAccountBindingSpec? ParseEab(MappingReader a)
    {
        var e = a.Mapping("externalAccountBinding");
        if (e is null) return null;
        var keyId = e.String("keyID", required: true);
        var secret = e.SecretRef("keySecretRef", required: true);
        var algorithm = e.String("keyAlgorithm") ?? "HS256";
        if (algorithm is not ("HS256" or "HS384" or "HS512"))
        {
            e.Error("keyAlgorithm", "eab-algorithm", $"'{algorithm}' must be HS256, HS384 or HS512");
        }
        e.RejectUnknown();
        return keyId is null || secret is null ? null : new ExternalAccountBindingSpec(keyId, secret, algorithm);
    }

    private static PrivateKeySpec ParseAccountKey(MappingReader a)
    {
        var k = a.Mapping("privateKey");
        if (k is null) return new PrivateKeySpec();
        var algorithm = (k.String("algorithm") ?? "ECDSA").ToUpperInvariant();
        var size = k.Int("size") ?? (algorithm == "RSA" ? 2048 : 256);
        if (!(algorithm == "ECDSA" && size is 256 or 384) && !(algorithm == "RSA" && size is 2048 or 3072 or 4096))
        {
            k.Error(k.Node, k.Path, "acme-account-key", "the account key must be ECDSA 256/384 or RSA 2048/3072/4096");
        }
        k.RejectUnknown();
        return new PrivateKeySpec { Algorithm = algorithm == "RSA" ? KeyAlgorithm.Rsa : KeyAlgorithm.Ecdsa, Size = size };
    }

    private static AcmeSolverSpec? ParseSolver(MappingReader s)
    {
        SolverSelector? selector = null;
        var sel = s.Mapping("selector");
        if (sel is not null)
        {
            selector = new SolverSelector(sel.StringList("dnsNames"), sel.StringList("dnsZones"));
            sel.RejectUnknown();
        }
        var dns = s.Mapping("dns01");
        var http = s.Mapping("http01");
        Dns01SolverSpec? dnsSpec = dns is null ? null : ParseDns01(dns);
        Http01SolverSpec? httpSpec = null;
        if (http is not null)
        {
            var listen = http.String("listen");
            var webroot = http.String("webroot");
            if ((listen is null) == (webroot is null))
            {
                http.Error(http.Node, http.Path, "http01-one-of", "give exactly one of 'listen' (built-in responder, e.g. 127.0.0.1:5002) or 'webroot'");
            }
            if (listen is not null && !System.Net.IPEndPoint.TryParse(listen, out _))
            {
                http.Error("listen", "address", $"'{listen}' is not an address:port like 0.0.0.0:80");
            }
            http.RejectUnknown();
            httpSpec = new Http01SolverSpec(listen, webroot);
        }
        s.RejectUnknown();
        if ((dns is null) == (http is null))
        {
            s.Error(s.Node, s.Path, "solver-one-of", "a solver has exactly one of 'dns01' or 'http01'");
            return null;
        }
        return new AcmeSolverSpec(selector, dnsSpec, httpSpec);
    }

    private static Dns01SolverSpec ParseDns01(MappingReader d)
    {
        Rfc2136Spec? rfc = null;
        var r = d.Mapping("rfc2136");
        if (r is not null)
        {
            var ns = r.String("nameserver", required: true) ?? "";
            var keyName = r.String("tsigKeyName", required: true) ?? "";
            var algorithm = r.String("tsigAlgorithm") ?? "HMACSHA256";
            var secret = r.SecretRef("tsigSecretSecretRef", required: true);
            if (r.Has("tsigSecret")) r.Error("tsigSecret", "secret-by-reference", "secrets are never written inline; use tsigSecretSecretRef: {env: NAME} or {file: PATH}");
            if (algorithm.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal) is not ("HMACSHA256" or "HMACSHA512" or "HMACSHA384" or "HMACSHA1"))
            {
                r.Error("tsigAlgorithm", "tsig-algorithm", $"'{algorithm}' must be HMACSHA256 or HMACSHA512");
            }
            r.RejectUnknown();
            if (secret is not null) rfc = new Rfc2136Spec(ns, keyName, algorithm, secret);
        }
        ExecDnsSpec? exec = null;
        var e = d.Mapping("exec");
        if (e is not null)
        {
            exec = new ExecDnsSpec(e.String("command", required: true) ?? "", Timeout(e, "timeout") ?? TimeSpan.FromSeconds(60));
            e.RejectUnknown();
        }
        WebhookDnsSpec? webhook = null;
        var w = d.Mapping("webhook");
        if (w is not null)
        {
            var url = w.String("url", required: true) ?? "";
            if (url.Length > 0 && !Uri.TryCreate(url, UriKind.Absolute, out _)) w.Error("url", "url", $"'{url}' is not an absolute URL");
            webhook = new WebhookDnsSpec(url, w.SecretRef("authSecretRef"));
            w.RejectUnknown();
        }
        if (new object?[] { r, e, w }.Count(x => x is not null) != 1)
        {
            d.Error(d.Node, d.Path, "dns01-one-provider", "give exactly one DNS provider: rfc2136, exec or webhook");
        }
        var port = d.Int("authoritativePort") ?? 53;
        if (port is < 1 or > 65535) d.Error("authoritativePort", "port-range", $"{port} must be from 1 to 65535");
        var result = new Dns01SolverSpec
        {
            Rfc2136 = rfc,
            Exec = exec,
            Webhook = webhook,
            PropagationTimeout = Timeout(d, "propagationTimeout") ?? TimeSpan.FromMinutes(2),
            Resolvers = d.StringList("resolvers"),
            CheckNameservers = d.StringList("checkNameservers"),
            AuthoritativePort = port,
        };
        d.RejectUnknown();
        return result;
    }
}
