using System.Text;
using System.Text.Json;
using Rotor.Core.Abstractions;

namespace Rotor.Targets;

/// <summary>What Genesys Cloud reports of one BYOC trunk: <c>connectedStatus.connected</c> and <c>inService</c>.</summary>
public sealed record GenesysTrunkStatus(string TrunkId, string? Name, bool? Connected, bool? InService, string Detail)
{
    /// <summary>Healthy only when Genesys says both: connected and in service. Unknown counts as not healthy.</summary>
    public bool Healthy => Connected == true && InService == true;
}

/// <summary>Trunk status (<c>GET /api/v2/telephony/providers/edges/trunks/{trunkId}</c>), and what an answer said, for messages.</summary>
public sealed partial class GenesysCloudTarget
{
    /// <summary>The status of each trunk of <c>trunkIds</c>, in that order. A trunk Genesys does not know is reported, not thrown.</summary>
    public async Task<IReadOnlyList<GenesysTrunkStatus>> ReadTrunksAsync(CancellationToken cancellationToken)
    {
        var result = new List<GenesysTrunkStatus>();
        foreach (var id in spec.TrunkIds)
        {
            var answer = await GetAsync($"/api/v2/telephony/providers/edges/trunks/{Uri.EscapeDataString(id)}", cancellationToken);
            GenesysTrunkStatus status;
            if (answer.Status == 404)
            {
                status = new GenesysTrunkStatus(id, null, null, null, $"trunk {id}: Genesys Cloud answered 404: {Describe(answer.Body)}");
            }
            else
            {
                try
                {
                    using var json = JsonDocument.Parse(answer.Body, new JsonDocumentOptions { MaxDepth = 16 });
                    var root = json.RootElement;
                    var trunkName = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                    bool? inService = root.TryGetProperty("inService", out var s) && s.ValueKind is JsonValueKind.True or JsonValueKind.False ? s.GetBoolean() : null;
                    bool? connected = root.TryGetProperty("connectedStatus", out var c) && c.ValueKind == JsonValueKind.Object
                        && c.TryGetProperty("connected", out var cc) && cc.ValueKind is JsonValueKind.True or JsonValueKind.False ? cc.GetBoolean() : null;
                    status = new GenesysTrunkStatus(id, trunkName, connected, inService,
                        $"trunk {trunkName ?? id}: connected {Said(connected)}, in service {Said(inService)}");
                }
                catch (JsonException)
                {
                    status = new GenesysTrunkStatus(id, null, null, null, $"trunk {id}: the answer is not a trunk");
                }
            }
            GenesysCloudLog.TrunkStatus(logger, name, id, status.Healthy, status.Detail);
            result.Add(status);
        }
        return result;
    }

    /// <summary>The trunks of <c>trunkIds</c>, for the health gate of the certificate's leaf bindings.</summary>
    public bool HasHealthSignals => spec.TrunkIds.Count > 0;

    public async Task<IReadOnlyList<HealthSignal>> ReadHealthSignalsAsync(CancellationToken cancellationToken) =>
        [.. (await ReadTrunksAsync(cancellationToken)).Select(t => new HealthSignal($"genesysCloud target {name}", t.Healthy, t.Detail))];

    private static string Said(bool? value) => value switch { true => "yes", false => "no", null => "unknown" };

    /// <summary>
    /// What an answer said: the documented error body's <c>message</c> and <c>code</c>, an OAuth
    /// error's <c>error</c>/<c>description</c>, else the text; printable, at most 200 characters,
    /// with the client secret and the token censored should an answer echo them.
    /// </summary>
    private string Describe(byte[] body)
    {
        string text;
        try
        {
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            var root = json.RootElement;
            string? Field(string key) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var message = Field("message") ?? Field("description") ?? Field("error_description");
            var code = Field("code") ?? Field("error");
            text = message is null && code is null ? Encoding.UTF8.GetString(body) : $"{message}{(code is null ? "" : $" ({code})")}".Trim();
        }
        catch (JsonException)
        {
            text = Encoding.UTF8.GetString(body);
        }
        foreach (var secret in new[] { _secret, _token })
        {
            if (!string.IsNullOrEmpty(secret)) text = text.Replace(secret, "***", StringComparison.Ordinal);
        }
        var printable = new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]).Trim();
        return printable.Length <= 200 ? printable : printable[..200] + "…";
    }

}
