using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace Rotor.Bench;

/// <summary>
/// <c>--trace-http</c> of <c>acme-service</c>: one line per HTTP request, TCP connect and TLS handshake
/// of the process (the runtime's own System.Net event sources), with milliseconds since the
/// listener started, so the round trips of an ACME order can be read beside Rotor's log.
/// Prints paths and status codes only (never bodies or headers, which hold JWS and nonces).
/// </summary>
internal sealed class AcmeHttpTrace(TextWriter output) : EventListener
{
    private static readonly HashSet<string> Sources = ["System.Net.Http", "System.Net.Security", "System.Net.Sockets"];
    private static readonly HashSet<string> Events =
    [
        "RequestStart", "RequestStop", "RequestFailed", "ConnectionEstablished", "HandshakeStart", "HandshakeStop", "HandshakeFailed",
        "ConnectStart", "ConnectStop", "ConnectFailed",
    ];
    private static readonly HashSet<string> Fields = ["scheme", "host", "port", "pathAndQuery", "versionMajor", "versionMinor", "statusCode", "protocol", "connectionId", "isServer"];
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Lock _lock = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (Sources.Contains(eventSource.Name))
        {
            EnableEvents(eventSource, EventLevel.Informational, EventKeywords.All);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not { } name || !Events.Contains(name)) return;
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"http-trace {Stopwatch.GetElapsedTime(_started).TotalMilliseconds,9:0.0} ms {name}");
        if (eventData.PayloadNames is { } names && eventData.Payload is { } values)
        {
            for (var i = 0; i < names.Count && i < values.Count; i++)
            {
                if (Fields.Contains(names[i])) line.Append(CultureInfo.InvariantCulture, $" {names[i]}={values[i]}");
            }
        }
        lock (_lock)
        {
            output.WriteLine(line.ToString());
        }
    }
}
