using System.Globalization;
using Rotor.Core.Abstractions;
using Rotor.Probes;

// Probe throughput: TlsProbe in-process, back to back for a fixed time, with 1..N probes in
// flight. Each probe is a new TCP connection, a full TLS handshake (no resumption) and a chain
// verification against --trust, as the health gate makes them. Prints key=value lines.
const string usage = "usage: ProbeBench --port N --trust FILE [--host 127.0.0.1] [--sni localhost] [--seconds 10] [--concurrency 1,4] [--sip]";

var options = new Dictionary<string, string>();
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal)) { Console.Error.WriteLine(usage); return 2; }
    options[args[i]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
}
if (!options.TryGetValue("--port", out var portText) || !options.TryGetValue("--trust", out var trustFile)) { Console.Error.WriteLine(usage); return 2; }
var port = int.Parse(portText, CultureInfo.InvariantCulture);
var host = options.GetValueOrDefault("--host", "127.0.0.1");
var sni = options.GetValueOrDefault("--sni", "localhost");
var seconds = double.Parse(options.GetValueOrDefault("--seconds", "10"), CultureInfo.InvariantCulture);
var levels = options.GetValueOrDefault("--concurrency", "1,4").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var sip = options.ContainsKey("--sip");

var anchors = await TlsProbeOptions.ReadTrustAnchorsAsync(trustFile, CancellationToken.None);
var probe = new TlsProbe(new TlsProbeOptions { TrustAnchors = anchors }, TimeProvider.System);
var target = new ProbeTarget(host, port, sni, sip);

// Warm-up: JIT and the first connection's costs are not what a long-running gate pays.
for (var i = 0; i < 20; i++) await probe.ProbeAsync(target, CancellationToken.None);

foreach (var concurrency in levels)
{
    var results = new List<ProbeResult>();
    var gate = new Lock();
    var started = TimeProvider.System.GetTimestamp();
    var deadline = TimeSpan.FromSeconds(seconds);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (TimeProvider.System.GetElapsedTime(started) < deadline)
        {
            var r = await probe.ProbeAsync(target, CancellationToken.None);
            lock (gate) results.Add(r);
        }
    }));
    var elapsed = TimeProvider.System.GetElapsedTime(started);
    var summary = ProbeSummary.From(results);
    var rate = summary.Count / elapsed.TotalSeconds;
    var label = $"c{concurrency}" + (sip ? "_sip" : "");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"probe_{label}_per_s={rate:0.0} probe_{label}_count={summary.Count} probe_{label}_failed={summary.Failures} " +
        $"probe_{label}_handshake_p50_ms={summary.HandshakeP50?.TotalMilliseconds:0.00} probe_{label}_handshake_p95_ms={summary.HandshakeP95?.TotalMilliseconds:0.00}"));
    var firstError = results.FirstOrDefault(r => !r.Success)?.Error;
    if (firstError is not null) Console.WriteLine($"probe_{label}_first_error={firstError}");
}
return 0;
