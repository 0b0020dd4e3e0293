using Rotor.Cli;
using Rotor.Core.Abstractions;

namespace Rotor.IntegrationTests.Deploy;

/// <summary>
/// A site with the local CA, one certificate <c>sip-edge</c> and one deploy target the test
/// writes, driven through the real CLI in this process on real time (<c>rotor reconcile</c>,
/// <c>renew</c>, <c>rollback</c>), with every line it printed and logged kept for secret scans.
/// </summary>
internal sealed class HookSite : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Data => Dir.Combine("data");
    public string Manifest => Dir.Combine("rotor.yaml");
    public List<string> Transcript { get; } = [];

    public HookSite(string targetSpec, string overlap = "72h")
    {
        File.WriteAllText(Manifest, $"""
            apiVersion: rotor/v1
            kind: Issuer
            metadata: {"{"}name: local{"}"}
            spec: {"{"}ca: {"{"}{"}"}{"}"}
            ---
            apiVersion: rotor/v1
            kind: Target
            metadata: {"{"}name: hook{"}"}
            spec:
            {targetSpec}
            ---
            apiVersion: rotor/v1
            kind: Certificate
            metadata: {"{"}name: sip-edge{"}"}
            spec:
              commonName: sip.example.test
              dnsNames: [sip.example.test, sbc-b.example.test]
              duration: 720h
              issuerRef: {"{"}name: local{"}"}
              deploy: [{"{"}target: hook{"}"}]
              rotation: {"{"}overlap: {overlap}{"}"}
            """);
    }

    public async Task<(int Code, string Text)> CliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RotorCli.InvokeAsync([.. args, "--data", Data, "--verbose"], output, error, TimeProvider.System);
        var text = output + error.ToString();
        Transcript.Add(text);
        return (code, text);
    }

    public Task<(int Code, string Text)> ReconcileAsync() => CliAsync("reconcile", "-f", Manifest);

    /// <summary>Marks the certificate for renewal and reconciles: a new version goes to the target.</summary>
    public async Task<(int Code, string Text)> RenewAsync()
    {
        var (code, text) = await CliAsync("renew", "sip-edge");
        Assert.True(code == 0, text);
        return await ReconcileAsync();
    }

    public async Task<IReadOnlyList<CertificateVersion>> VersionsAsync()
    {
        await using var host = await RotorHost();
        return await host.Store.ListVersionsAsync("sip-edge", default);
    }

    public async Task<string> EventsTextAsync()
    {
        await using var host = await RotorHost();
        return string.Join("\n", (await host.Store.ListEventsAsync(null, "sip-edge", 200, default)).Select(e => $"{e.Reason}: {e.Message}"));
    }

    public async Task<string> KeyOfAsync(CertificateVersion version)
    {
        await using var host = await RotorHost();
        return await host.Keys.ExportPkcs8PemAsync(version.KeyRef, default);
    }

    private Task<global::Rotor.RotorHost> RotorHost() =>
        global::Rotor.RotorHost.OpenAsync(Data, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, null, default);

    /// <summary>Writes an executable script into the site's folder and returns its path.</summary>
    public string Script(string file, string text)
    {
        var path = Dir.Write(file, text.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The lines of a private key's PEM body: none may appear in anything Rotor printed or recorded.</summary>
    public static IEnumerable<string> KeyLines(string pem) =>
        pem.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal));

    public void Dispose() => Dir.Dispose();
}
