using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace Rotor.Tests.Acme;

internal enum AcmeMutationKind
{
    ReplaceValue, RemoveValue, DuplicateKey, FlipBytes, Truncate, InvalidUtf8, Bom, EmptyBody, HugeBody, HugeStreamedBody,
    SetHeader, RemoveHeader, ManyHeaderValues, SetStatus, ProblemBody, SetContentType,
}

/// <summary>
/// One change to answer number <see cref="Target"/> of a <see cref="FuzzedAcmeServer"/>. The
/// numbers pick what to change (a JSON value by its position in document order, a byte, a
/// header) and what to put there (from <see cref="HostileJson"/> and the header lists), so an
/// input shrinks to a small, readable change.
/// </summary>
internal sealed record AcmeMutation(int Target, AcmeMutationKind Kind, int Pick, int Value, int Where)
{
    public static readonly Gen<AcmeMutation> Gen = CsCheck.Gen.Select(
        CsCheck.Gen.Int[0, 16], CsCheck.Gen.Enum<AcmeMutationKind>(), CsCheck.Gen.Int[0, 4095], CsCheck.Gen.Int[0, 4095], CsCheck.Gen.Int[0, 1 << 16],
        (target, kind, pick, value, where) => new AcmeMutation(target, kind, pick, value, where));

    private const string Placeholder = "\u0007FUZZ\u0007";

    private static readonly string[] HostileJson =
    [
        "1e400", "-1e400", "NaN", "99999999999999999999999999999999", "-1", "0", "1.5", "true", "false", "null", "{}", "[]", "\"\"",
        "\"" + new string('a', 300_000) + "\"",
        new string('[', 70) + new string(']', 70),
        new string('[', 20_000) + new string(']', 20_000),
        string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100),
        "[" + string.Join(",", Enumerable.Repeat("\"https://acme.test/authz/1\"", 5000)) + "]",
        "[" + string.Join(",", Enumerable.Repeat("{\"type\":\"dns-01\",\"url\":\"https://acme.test/chall/1\",\"token\":\"t\"}", 2000)) + "]",
        "\"file:///etc/passwd\"", "\"http://[::1\"", "\"//\"", "\"../../x\"", "\"https://" + new string('a', 5000) + ".test/\"", "\"ftp://acme.test/x\"",
        "\"javascript:alert(1)\"", "\"\\u0000\"", "\"https://acme.test/x\\r\\nX-Injected: 1\"", "\"mailto:a@example.test\"",
        "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00+14:00\"", "\"2024-13-45T99:99:99Z\"", "\"yesterday\"", "\"2030-01-01T00:00:00Z\"",
        "\"../../../../etc/passwd\"", "\"a/b\"", "\"tok en\"", "\"" + new string('t', 1000) + "\"",
        "\"valid\"", "\"invalid\"", "\"pending\"", "\"processing\"", "\"ready\"", "\"deactivated\"", "\"\\u001b[31mred\\n\"",
        "\"\\ud800\"", "\"\\udc00\\ud800\"",
        "{\"type\":\"dns\",\"value\":\"evil.test\"}", "{\"type\":\"ip\",\"value\":\"::1\"}", "{\"value\":1}",
        "{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"x\"}", "{\"type\":7,\"detail\":[]}",
        "{\"start\":\"2030-02-03T00:00:00Z\",\"end\":\"2030-02-01T00:00:00Z\"}", "{\"start\":\"0001-01-01T00:00:00Z\",\"end\":\"9999-12-31T23:59:59Z\"}",
    ];

    private static readonly (string Name, string[] Values)[] HostileHeaders =
    [
        ("Location", ["http://[::1", "file:///etc/passwd", "/relative/path", "", "https://" + new string('a', 10_000), "javascript:x", "//other.test/x", "ftp://acme.test/"]),
        ("Replay-Nonce", ["", "not base64!", new string('A', 100_000), "nonce with space", "../..", "é"]),
        ("Retry-After", ["1000000000000", "2147483647", "-1", "0", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", "garbage", "NaN", "1e3", "3.5"]),
        ("Link", ["<file:///etc/passwd>;rel=\"alternate\"", "<http://[::1>;rel=alternate", "<https://acme.test/cert/1/alt>", "<<<>>>,,,;;;rel=",
                  "<https://acme.test/cert/1>;rel=\"alternate\"", "<" + new string('a', 10_000) + ">;rel=alternate", "<https://acme.test/x>;rel=" + new string('r', 1000),
                  string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"<https://acme.test/cert/1/alt?{i}>;rel=\"alternate\""))]),
        ("Content-Type", ["text/html", "application/problem+json", "", "application/json; charset=utf-16", "garbage/;;;"]),
    ];

    private static readonly HttpStatusCode[] Statuses = [.. new[] { 100, 200, 201, 202, 204, 301, 304, 400, 401, 403, 404, 409, 429, 500, 502, 503, 999 }.Select(s => (HttpStatusCode)s)];

    public ScriptedResponse Apply(ScriptedResponse r) => Kind switch
    {
        AcmeMutationKind.ReplaceValue => WithJson(r, (root, nodes) => Replace(root, nodes, HostileJson[Value % HostileJson.Length])),
        AcmeMutationKind.RemoveValue => WithJson(r, Remove),
        AcmeMutationKind.DuplicateKey => WithJson(r, Duplicate),
        AcmeMutationKind.FlipBytes => r with { Body = Flip(r.Body) },
        AcmeMutationKind.Truncate => r with { Body = r.Body[..(r.Body.Length == 0 ? 0 : Where % r.Body.Length)] },
        AcmeMutationKind.InvalidUtf8 => r with { Body = InsertInString(r.Body, Value % 2 == 0 ? [0xFF] : [0xC3, 0x28]) },
        AcmeMutationKind.Bom => r with { Body = [0xEF, 0xBB, 0xBF, .. r.Body] },
        AcmeMutationKind.EmptyBody => r with { Body = [] },
        AcmeMutationKind.HugeBody => r with { Body = Encoding.ASCII.GetBytes(new string(' ', 1024 * 1024 + Where) + "{}") },
        AcmeMutationKind.HugeStreamedBody => r with { StreamedLength = 2L * 1024 * 1024 },
        AcmeMutationKind.SetHeader => SetHeader(r),
        AcmeMutationKind.RemoveHeader => r with { Headers = [.. r.Headers.Where(h => h.Name != HostileHeaders[Pick % HostileHeaders.Length].Name)] },
        AcmeMutationKind.ManyHeaderValues => r with
        {
            Headers = [.. r.Headers, .. Enumerable.Range(0, 1000).Select(i => Pick % 2 == 0
                ? ("Replay-Nonce", "many-" + i)
                : ("Link", $"<https://acme.test/cert/1/alt?{i}>;rel=\"alternate\""))],
        },
        AcmeMutationKind.SetStatus => r with { Status = Statuses[Value % Statuses.Length] },
        AcmeMutationKind.ProblemBody => WithJson(
            new ScriptedResponse(Statuses[7 + Value % (Statuses.Length - 7)], "application/problem+json",
                """{"type":"urn:ietf:params:acme:error:serverInternal","detail":"d","subproblems":[{"type":"urn:ietf:params:acme:error:dns","detail":"x","identifier":{"type":"dns","value":"a.example.test"}}]}"""u8.ToArray(),
                r.Headers),
            (root, nodes) => Replace(root, nodes, HostileJson[Where % HostileJson.Length])),
        AcmeMutationKind.SetContentType => r with { ContentType = HostileHeaders[^1].Values[Value % HostileHeaders[^1].Values.Length] },
        _ => r,
    };

    private ScriptedResponse SetHeader(ScriptedResponse r)
    {
        var (name, values) = HostileHeaders[Pick % (HostileHeaders.Length - 1)];
        return r with { Headers = [.. r.Headers.Where(h => h.Name != name), (name, values[Value % values.Length])] };
    }

    /// <summary>Parses the body as JSON (a body that is not is left alone), lists its values in document order and lets <paramref name="change"/> write the new text.</summary>
    private static ScriptedResponse WithJson(ScriptedResponse r, Func<JsonNode, List<JsonNode>, string?> change)
    {
        try
        {
            if (JsonNode.Parse(r.Body) is not { } root) return r;
            var nodes = new List<JsonNode>();
            Walk(root, nodes);
            return change(root, nodes) is { } text ? r with { Body = Encoding.UTF8.GetBytes(text) } : r;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            // An earlier change already broke the JSON: this one has nothing to work on.
            return r;
        }
    }

    private static void Walk(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        if (node is JsonObject o) foreach (var (_, v) in o) { if (v is not null) Walk(v, nodes); }
        else if (node is JsonArray a) foreach (var v in a) { if (v is not null) Walk(v, nodes); }
    }

    private string Replace(JsonNode root, List<JsonNode> nodes, string raw)
    {
        var target = nodes[Pick % nodes.Count];
        if (target == root) return raw;
        target.ReplaceWith(JsonValue.Create(Placeholder));
        // The placeholder is written escaped; the raw text goes in its place, so invalid JSON can be sent too.
        return root.ToJsonString().Replace("\"\\u0007FUZZ\\u0007\"", raw, StringComparison.Ordinal);
    }

    private string? Remove(JsonNode root, List<JsonNode> nodes)
    {
        var target = nodes[Pick % nodes.Count];
        switch (target.Parent)
        {
            case JsonObject o:
                o.Remove(target.GetPropertyName());
                break;
            case JsonArray a:
                a.Remove(target);
                break;
            default:
                return null;
        }
        return root.ToJsonString();
    }

    /// <summary>Writes a key of an object a second time, with another value: JsonObject itself cannot hold that.</summary>
    private string? Duplicate(JsonNode root, List<JsonNode> nodes)
    {
        var objects = nodes.OfType<JsonObject>().Where(o => o.Count > 0).ToList();
        if (objects.Count == 0) return null;
        var target = objects[Pick % objects.Count];
        var key = target.ElementAt(Value % target.Count).Key;
        target.Add("\u0007DUP\u0007", Placeholder);
        return root.ToJsonString().Replace("\"\\u0007DUP\\u0007\":\"\\u0007FUZZ\\u0007\"",
            System.Text.Json.JsonSerializer.Serialize(key) + ":" + HostileJson[Where % HostileJson.Length], StringComparison.Ordinal);
    }

    private byte[] Flip(byte[] body)
    {
        if (body.Length == 0) return body;
        var copy = (byte[])body.Clone();
        for (var i = 0; i <= Pick % 8; i++) copy[(Where + i * (Value + 1)) % copy.Length] ^= (byte)(Value % 255 + 1);
        return copy;
    }

    private byte[] InsertInString(byte[] body, byte[] bytes)
    {
        var quotes = body.Select((b, i) => (b, i)).Where(t => t.b == (byte)'"').Select(t => t.i).ToList();
        var at = quotes.Count == 0 ? 0 : quotes[Pick % quotes.Count] + 1;
        return [.. body[..at], .. bytes, .. body[at..]];
    }
}
