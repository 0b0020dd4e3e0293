using System.Text;
using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

/// <summary>
/// Every value is checked where it is read: numbers in range and finite, text without control
/// characters or broken surrogates, durations short enough that every date computed from them
/// exists. A bad value is an error at its field, never a value that throws later.
/// </summary>
public class ManifestValueTests
{
    private static ManifestError OnlyError(string yaml, string rule)
    {
        var result = ManifestParser.Parse(yaml, "m.yaml");
        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal(rule, error.Rule);
        Assert.DoesNotMatch(@"[\x00-\x08\x0B-\x1F\x7F]", error.ToString());
        return error;
    }

    private static string Document(string kind, string spec) =>
        $"apiVersion: rotor/v1\nkind: {kind}\nmetadata: {{name: x}}\nspec:\n{spec}\n";

    [Theory]
    [InlineData("rotation: {healthGate: {probesPerSecond: NaN}}", "spec.rotation.healthGate.probesPerSecond")]
    [InlineData("rotation: {healthGate: {successRate: Infinity}}", "spec.rotation.healthGate.successRate")]
    [InlineData("rotation: {healthGate: {rollbackBelow: -Infinity}}", "spec.rotation.healthGate.rollbackBelow")]
    [InlineData("rotation: {healthGate: {successRate: 1e999}}", "spec.rotation.healthGate.successRate")]
    [InlineData("renewBeforePercentage: 99999999999", "spec.renewBeforePercentage")]
    [InlineData("rotation: {waveSize: -99999999999}", "spec.rotation.waveSize")]
    [InlineData("privateKey: {size: 99999999999999999999999}", "spec.privateKey.size")]
    public void Numbers_out_of_every_range_and_nan_are_refused(string line, string field)
    {
        var error = OnlyError(Document("Certificate", "  commonName: a.example.test\n  issuerRef: {name: local}\n  " + line), "number-range");
        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("Endpoint", "  host: a.example.test\n  port: 4294967297", "spec.port", "number-range")]
    [InlineData("Endpoint", "  host: a.example.test\n  port: 0", "spec.port", "port-range")]
    [InlineData("Issuer", "  cmp: {servers: [https://ca.example.test/], sharedSecret: {reference: r, secretRef: {env: K}}, batchSize: 1e3}", "spec.cmp.batchSize", "type")]
    [InlineData("Issuer", "  cmp: {servers: [https://ca.example.test/], sharedSecret: {reference: r, secretRef: {env: K}}, polling: {maxPolls: 4294967296}}", "spec.cmp.polling.maxPolls", "number-range")]
    [InlineData("Issuer", "  acme: {server: https://ca.example.test/dir, maxConcurrentOrders: 99999999999, solvers: [{http01: {listen: 127.0.0.1:80}}]}", "spec.acme.maxConcurrentOrders", "number-range")]
    [InlineData("Issuer", "  acme: {server: https://ca.example.test/dir, solvers: [{dns01: {exec: {command: /bin/dns}, authoritativePort: 0}}]}", "spec.acme.solvers[0].dns01.authoritativePort", "port-range")]
    [InlineData("Target", "  kamailio: {ctlSocket: /run/k.sock, certificatePath: c.pem, privateKeyPath: k.pem, reloadAttempts: 99999999999}", "spec.kamailio.reloadAttempts", "number-range")]
    public void Numbers_of_every_kind_are_range_checked(string kind, string spec, string field, string rule)
    {
        Assert.Equal(field, OnlyError(Document(kind, spec), rule).Field);
    }

    [Theory]
    [InlineData("Certificate", "  commonName: \"a\\0b\"\n  issuerRef: {name: local}", "spec.commonName")]
    [InlineData("Certificate", "  dnsNames: [\"a\\x07.example.test\"]\n  issuerRef: {name: local}", "spec.dnsNames[0]")]
    [InlineData("Certificate", "  commonName: a.example.test\n  issuerRef: {name: \"lo\\ecal\"}", "spec.issuerRef.name")]
    [InlineData("Certificate", "  commonName: a.example.test\n  issuerRef: {name: local}\n  deploy: [{target: out, path: \"out/\\0/c\"}]", "spec.deploy[0].path")]
    [InlineData("Target", "  file: {path: \"out\\0x\"}", "spec.file.path")]
    [InlineData("Target", "  file: {path: out, reload: {signal: {pidFile: \"/run/\\x1b[2Jk.pid\"}}}", "spec.file.reload.signal.pidFile")]
    [InlineData("Target", "  file: {path: out, reload: {command: \"kill -HUP 1\\0\"}}", "spec.file.reload.command")]
    [InlineData("Target", "  kamailio: {ctlSocket: \"/run/k\\0.sock\", certificatePath: c.pem, privateKeyPath: k.pem}", "spec.kamailio.ctlSocket")]
    [InlineData("Target", "  kamailio: {ctlSocket: /run/k.sock, certificatePath: c.pem, privateKeyPath: k.pem, kamcmd: \"kamcmd\\n-x\"}", "spec.kamailio.kamcmd")]
    [InlineData("Endpoint", "  host: \"sip.example.test\\r\"", "spec.host")]
    [InlineData("Endpoint", "  host: sip.example.test\n  sni: \"\\x85sip\"", "spec.sni")]
    [InlineData("Issuer", "  ca: {certificate: \"ca\\0.pem\", privateKey: ca.key}", "spec.ca.certificate")]
    [InlineData("Issuer", "  acme: {server: \"https://ca.example.test/\\0\", solvers: [{http01: {listen: 127.0.0.1:80}}]}", "spec.acme.server")]
    [InlineData("Issuer", "  acme: {server: https://ca.example.test/, solvers: [{dns01: {exec: {command: \"/bin/dns\\nrm\"}}}]}", "spec.acme.solvers[0].dns01.exec.command")]
    [InlineData("Issuer", "  acme: {server: https://ca.example.test/, solvers: [{dns01: {webhook: {url: \"https://h\\0/\"}}}]}", "spec.acme.solvers[0].dns01.webhook.url")]
    [InlineData("Issuer", "  cmp: {servers: [\"https://ca.example.test/\\t\"], sharedSecret: {reference: r, secretRef: {env: K}}}", "spec.cmp.servers[0]")]
    [InlineData("Issuer", "  cmp: {servers: [https://ca.example.test/], sharedSecret: {reference: r, secretRef: {file: \"/etc/k\\0\"}}}", "spec.cmp.sharedSecret.secretRef.file")]
    public void Control_characters_are_refused_in_every_path_name_host_url_and_command(string kind, string spec, string field)
    {
        var result = ManifestParser.Parse(Document(kind, spec), "m.yaml");
        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors, e => e.Rule == "control-character");
        Assert.Equal(field, error.Field);
        Assert.DoesNotMatch(@"[\x00-\x08\x0B-\x1F\x7F]", string.Join("\n", result.Errors));
    }

    [Fact]
    public void A_reload_command_may_span_lines()
    {
        var result = ManifestParser.Parse(Document("Target", "  file:\n    path: out\n    reload:\n      command: |\n        cp cert.pem /etc/sip/\n        \tkill -HUP 1"), "m.yaml");
        Assert.Empty(result.Errors);
        Assert.Equal("cp cert.pem /etc/sip/\n\tkill -HUP 1", result.Resources[0].AsTarget().File!.Reload!.Command?.TrimEnd());
    }

    [Fact]
    public void A_metadata_name_or_a_key_with_control_characters_is_refused_and_shown_escaped()
    {
        OnlyError("apiVersion: rotor/v1\nkind: Endpoint\nmetadata: {name: \"e\\0\"}\nspec: {host: a.example.test}\n", "control-character");
        var error = OnlyError("apiVersion: rotor/v1\nkind: Endpoint\nmetadata: {name: e}\nspec: {host: a.example.test, \"po\\x1b[31mrt\": 1}\n", "unknown-field");
        Assert.Equal("spec.po\\u001B[31mrt", error.Field);
        Assert.Contains("\\u001B", error.Message, StringComparison.Ordinal);
    }

    // Code units, not strings: an attribute stores its strings as UTF-8, which has no lone surrogates.
    [Theory]
    [InlineData(0xD800)]
    [InlineData(0xDC00)]
    [InlineData(0xFFFF)]
    public void Broken_surrogates_and_noncharacters_are_refused(int codeUnit)
    {
        var error = OnlyError(Document("Endpoint", $"  host: \"a{(char)codeUnit}b\""), "invalid-unicode");
        Assert.Equal("spec.host", error.Field);
    }

    [Fact]
    public void Invalid_utf8_is_refused_with_its_line_not_replaced()
    {
        var bytes = Encoding.UTF8.GetBytes(Document("Endpoint", "  host: sip.example.test\n  sni: abc")).ToList();
        bytes.Insert(bytes.Count - 2, 0xC3); // a lead byte whose continuation byte is missing
        var result = ManifestParser.Parse(bytes.ToArray(), "m.yaml");
        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("invalid-utf8", 6, 10), (error.Rule, error.Line, error.Column));
        Assert.Contains("0xC3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Utf8_and_utf16_files_with_a_byte_order_mark_are_read()
    {
        var text = Document("Endpoint", "  host: sip.example.test");
        foreach (var encoding in new Encoding[] { new UTF8Encoding(true), new UnicodeEncoding(false, true), new UnicodeEncoding(true, true), new UTF32Encoding(false, true) })
        {
            var result = ManifestParser.Parse([.. encoding.GetPreamble(), .. encoding.GetBytes(text)], "m.yaml");
            Assert.Empty(result.Errors);
            Assert.Equal("sip.example.test", result.Resources[0].AsEndpoint().Host);
        }
    }

    [Theory]
    [InlineData("  commonName: a.example.test\n  duration: 3000000d", "spec.duration")]
    [InlineData("  commonName: a.example.test\n  duration: 36526d", "spec.duration")]
    [InlineData("  commonName: a.example.test\n  renewBefore: 99999999999999999999h", "spec.renewBefore")]
    [InlineData("  commonName: a.example.test\n  rotation: {overlap: 1000000h}", "spec.rotation.overlap")]
    [InlineData("  commonName: a.example.test\n  rotation: {healthGate: {window: 25h}}", "spec.rotation.healthGate.window")]
    public void Durations_are_bounded_so_every_date_from_them_exists(string spec, string field)
    {
        var error = OnlyError(HostileManifests.Certificate(spec), "duration-range");
        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("Target", "  file: {path: out, reload: {command: x, timeout: 50d}}", "spec.file.reload.timeout", "duration-range")]
    [InlineData("Target", "  file: {path: out, reload: {command: x, timeout: 0s}}", "spec.file.reload.timeout", "positive")]
    [InlineData("Target", "  kamailio: {ctlSocket: /run/k.sock, certificatePath: c.pem, privateKeyPath: k.pem, reloadTimeout: 100d}", "spec.kamailio.reloadTimeout", "duration-range")]
    [InlineData("Target", "  kamailio: {ctlSocket: /run/k.sock, certificatePath: c.pem, privateKeyPath: k.pem, minReloadInterval: 100d}", "spec.kamailio.minReloadInterval", "duration-range")]
    [InlineData("Issuer", "  acme: {server: https://ca.example.test/, solvers: [{dns01: {exec: {command: /bin/dns, timeout: 60d}}}]}", "spec.acme.solvers[0].dns01.exec.timeout", "duration-range")]
    [InlineData("Issuer", "  acme: {server: https://ca.example.test/, solvers: [{dns01: {exec: {command: /bin/dns}, propagationTimeout: 0s}}]}", "spec.acme.solvers[0].dns01.propagationTimeout", "positive")]
    [InlineData("Issuer", "  cmp: {servers: [https://ca.example.test/], sharedSecret: {reference: r, secretRef: {env: K}}, polling: {totalTimeout: 90d}}", "spec.cmp.polling.totalTimeout", "duration-range")]
    public void Timeouts_fit_a_timer(string kind, string spec, string field, string rule)
    {
        Assert.Equal(field, OnlyError(Document(kind, spec), rule).Field);
    }

    /// <summary>Found by fuzzing: "Europe" names a folder of the zone database, and looking it up threw SecurityException.</summary>
    [Theory]
    [InlineData("Europe")]
    [InlineData("Europe/")]
    [InlineData("../../etc/passwd")]
    [InlineData("\"\"")]
    public void A_time_zone_that_is_no_zone_is_refused(string zone)
    {
        var error = OnlyError(Document("Issuer", "  cmp: {servers: [https://ca.example.test/], sharedSecret: {reference: r, secretRef: {env: K}}, kurWindow: {start: \"02:00\", end: \"04:00\", timeZone: " + zone + "}}"), "time-zone");
        Assert.Equal("spec.cmp.kurWindow.timeZone", error.Field);
    }

    [Fact]
    public void The_longest_durations_still_give_representable_dates()
    {
        var result = ManifestParser.Parse(HostileManifests.Certificate("  commonName: a.example.test\n  duration: 36525d\n  renewBefore: 36524d"), "m.yaml");
        Assert.Empty(result.Errors);
        var spec = result.Resources[0].AsCertificate();
        var latest = new DateTimeOffset(2999, 12, 31, 0, 0, 0, TimeSpan.Zero);
        Assert.True(latest + spec.Duration + spec.RenewBefore!.Value < DateTimeOffset.MaxValue);
        Assert.True(DurationParser.TryParse("1" + new string('0', 400) + "h", out _, out var tooLong) is false && tooLong);
    }
}
