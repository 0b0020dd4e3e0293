using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Storage;
using Spectre.Console;

namespace Rotor.Cli;

public static partial class RotorCli
{
    private delegate Task<int> Describer(CliContext cli, ParseResult parse, RotorHost host, string name, CancellationToken cancellationToken);

    /// <summary>What <c>rotor describe</c> shows, by kind; the word is the one its usage and errors name.</summary>
    private static readonly (string Word, string Kind, Describer Describe)[] Describers =
    [
        ("certificate", ResourceKinds.Certificate, DescribeCertificateAsync),
        ("issuer", ResourceKinds.Issuer, DescribeIssuerAsync),
        ("target", ResourceKinds.Target, DescribeTargetAsync),
        ("endpoint", ResourceKinds.Endpoint, DescribeEndpointAsync),
    ];

    /// <summary><c>rotor describe target NAME</c>: its kind and settings, and each certificate deployed to it with its state there.</summary>
    private static async Task<int> DescribeTargetAsync(CliContext cli, ParseResult parse, RotorHost host, string name, CancellationToken ct)
    {
        var stored = await host.Store.GetResourceAsync(ResourceKinds.Target, name, ct);
        if (stored is null) return cli.Fail(ExitCodes.NotFound, $"target '{name}' not found");
        var spec = SpecSerializer.SpecOf<TargetSpec>(stored);
        var deployments = new List<TargetDeploymentJson>();
        foreach (var certificate in await host.Store.ListResourcesAsync(ResourceKinds.Certificate, ct))
        {
            foreach (var binding in SpecSerializer.SpecOf<CertificateSpec>(certificate).Deploy.Where(d => d.Target == name))
            {
                deployments.Add(await DeploymentAsync(host, certificate.Name, binding, ct));
            }
        }
        var view = new TargetViewJson(name, spec.Kind.ToString(), stored.Generation, stored.SourceFile, KindSettings(stored.SpecJson), deployments);
        if (cli.WantsJson(parse))
        {
            cli.WriteJson(view, CliJsonContext.Default.TargetViewJson);
            return ExitCodes.Ok;
        }
        var o = cli.Output;
        o.WriteLine($"Name:       {view.Name} (generation {view.Generation})");
        o.WriteLine($"Kind:       {view.Kind}");
        o.WriteLine($"Source:     {view.Source}");
        o.WriteLine("Settings:");
        foreach (var (key, value) in Flatten(view.Settings, "")) o.WriteLine($"  {key}: {value}");
        var table = new Table().Title("Certificates").AddColumns("CERTIFICATE", "ROLE", "VERSION", "SERIAL", "STATE", "UPDATED", "DETAIL");
        foreach (var d in view.Certificates)
        {
            table.AddRow(Markup.Escape(d.Certificate), d.Role.ToString(), d.Version?.ToString(CultureInfo.InvariantCulture) ?? "-", Markup.Escape(d.Serial ?? "-"),
                d.State?.ToString() ?? "not deployed yet", Time(d.Updated), Markup.Escape(d.Detail ?? ""));
        }
        cli.Console.Write(table);
        return ExitCodes.Ok;
    }

    /// <summary>The newest rotation record of <paramref name="certificate"/>'s versions on the binding's target, newest version first.</summary>
    private static async Task<TargetDeploymentJson> DeploymentAsync(RotorHost host, string certificate, DeployBinding binding, CancellationToken ct)
    {
        foreach (var version in (await host.Store.ListVersionsAsync(certificate, ct)).Reverse())
        {
            var record = (await host.Store.ListRotationsAsync(version.Id, ct)).Where(r => r.Target == binding.Target).MaxBy(r => r.UpdatedAt);
            if (record is not null)
            {
                return new TargetDeploymentJson(certificate, binding.Role, binding.Path, binding.Endpoints, version.Number, version.Serial, version.Sha256Fingerprint,
                    record.State, record.Detail, record.UpdatedAt);
            }
        }
        return new TargetDeploymentJson(certificate, binding.Role, binding.Path, binding.Endpoints, null, null, null, null, null, null);
    }

    /// <summary>The settings under a target's kind key (<c>{"kind": "File", "file": {...}}</c> gives the <c>file</c> object).</summary>
    private static JsonElement KindSettings(string specJson)
    {
        using var document = JsonDocument.Parse(specJson);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name != "kind" && property.Value.ValueKind == JsonValueKind.Object) return property.Value.Clone();
        }
        return document.RootElement.Clone();
    }

    /// <summary>Settings as <c>path: value</c> lines, nested objects joined with dots, lists with commas.</summary>
    private static IEnumerable<(string Key, string Value)> Flatten(JsonElement element, string prefix)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            yield return (prefix, element.ValueKind switch
            {
                JsonValueKind.Array => string.Join(", ", element.EnumerateArray().Select(e => e.ToString())),
                _ => element.ToString(),
            });
            yield break;
        }
        foreach (var property in element.EnumerateObject())
        {
            foreach (var line in Flatten(property.Value, prefix.Length == 0 ? property.Name : prefix + "." + property.Name)) yield return line;
        }
    }

    /// <summary><c>rotor describe endpoint NAME</c>: where it is, which certificates' gates probe it, and its last probe.</summary>
    private static async Task<int> DescribeEndpointAsync(CliContext cli, ParseResult parse, RotorHost host, string name, CancellationToken ct)
    {
        var stored = await host.Store.GetResourceAsync(ResourceKinds.Endpoint, name, ct);
        if (stored is null) return cli.Fail(ExitCodes.NotFound, $"endpoint '{name}' not found");
        var view = await CertificateViews.EndpointAsync(host, stored, ct);
        if (cli.WantsJson(parse))
        {
            cli.WriteJson(view, CliJsonContext.Default.EndpointViewJson);
            return ExitCodes.Ok;
        }
        WriteEndpointView(cli, view);
        return ExitCodes.Ok;
    }

    internal static void WriteEndpointView(CliContext cli, EndpointViewJson view)
    {
        var o = cli.Output;
        o.WriteLine($"Name:        {view.Name} (generation {view.Generation})");
        o.WriteLine($"Address:     {(view.Host.Contains(':', StringComparison.Ordinal) ? $"[{view.Host}]" : view.Host)}:{view.Port}");
        o.WriteLine($"SNI:         {view.Sni ?? "(none: the host is an IP address)"}");
        o.WriteLine($"SIP OPTIONS: {(view.Sip ? "yes" : "no")}");
        o.WriteLine($"Source:      {view.Source}");
        o.WriteLine($"Probed for:  {(view.ProbedFor.Count == 0 ? "no certificate's health gate" : string.Join(", ", view.ProbedFor.Select(u => $"{u.Certificate} on {u.Target}")))}");
        if (view.LastProbe is not { } p)
        {
            o.WriteLine("Last probe:  never (a health gate probes it during a rotation; try rotor probe HOST:PORT now)");
            return;
        }
        o.WriteLine($"Last probe:  {Time(p.At)}{(p.Certificate is null ? "" : $" (health gate of {p.Certificate})")}");
        o.WriteLine($"  result:        {(p.Success ? "ok" : $"FAILED ({p.Failure.ToString().ToLowerInvariant()})")}");
        o.WriteLine($"  sha256:        {p.Sha256 ?? "-"}");
        o.WriteLine($"  chain trusted: {(p.ChainTrusted ? "yes" : "no")}");
        if (p.SipStatus is { } sip) o.WriteLine($"  sip:           {sip.ToString(CultureInfo.InvariantCulture)}");
        if (p.HandshakeMs is { } ms) o.WriteLine($"  handshake:     {ms.ToString("0.0", CultureInfo.InvariantCulture)} ms");
        if (p.Error is not null) o.WriteLine($"  error:         {p.Error}");
    }
}
