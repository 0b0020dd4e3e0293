using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Issuers;
using Rotor.Storage;

namespace Rotor.Cli;

/// <summary>
/// <c>rotor describe issuer NAME</c>: the issuer's kind and key facts, from the stored spec
/// and what Rotor keeps about it (ACME: the account key; CMP: the server group's position and
/// its last move, the last transaction). Reads only; secrets are named by reference, never shown.
/// </summary>
public static partial class RotorCli
{
    private static async Task<int> DescribeIssuerAsync(CliContext cli, ParseResult parse, RotorHost host, string name, CancellationToken ct)
    {
        var stored = await host.Store.GetResourceAsync(ResourceKinds.Issuer, name, ct);
        if (stored is null) return cli.Fail(ExitCodes.NotFound, $"issuer '{name}' not found");
        var spec = SpecSerializer.SpecOf<IssuerSpec>(stored);
        var certificates = (await host.Store.ListResourcesAsync(ResourceKinds.Certificate, ct))
            .Where(r => SpecSerializer.SpecOf<CertificateSpec>(r).IssuerRef == name).Select(r => r.Name).Order(StringComparer.Ordinal).ToList();
        var view = new IssuerViewJson
        {
            Name = name,
            Kind = spec.Kind.ToString(),
            Generation = stored.Generation,
            Source = stored.SourceFile,
            Certificates = certificates,
            Ca = spec.Ca is { } ca ? new CaIssuerJson(ca.CertificatePath ?? "the data folder's local CA", ca.ChainPath, ca.Intermediate, DurationParser.Format(ca.Backdate), ca.SecureMode) : null,
            SelfSigned = spec.SelfSigned is { } self ? new SelfSignedIssuerJson(DurationParser.Format(self.Backdate)) : null,
            Acme = spec.Acme is { } acme ? await AcmeViewAsync(host, name, acme, ct) : null,
            Cmp = spec.Cmp is { } cmp ? await CmpViewAsync(host.Store, name, cmp, ct) : null,
        };
        if (cli.WantsJson(parse))
        {
            cli.WriteJson(view, DescribeIssuerJsonContext.Default.IssuerViewJson);
            return ExitCodes.Ok;
        }
        WriteIssuer(cli.Output, view);
        return ExitCodes.Ok;
    }

    private static async Task<AcmeIssuerJson> AcmeViewAsync(RotorHost host, string name, AcmeIssuerSpec acme, CancellationToken ct)
    {
        // Rotor keeps the account key; the account URL is found again with it (newAccount
        // with an existing key returns that account) on the first order of each process.
        var keyRef = AcmeIssuer.AccountKeyRefFor(name, acme.Server);
        var stored = (await host.Keys.ListAsync(ct)).Contains(keyRef, StringComparer.Ordinal);
        return new AcmeIssuerJson(acme.Server, acme.Email, keyRef, stored, acme.AccountKey.Describe(), acme.ExternalAccountBinding?.KeyId,
            acme.Profile, acme.PreferredChain, acme.TrustedRoots, acme.UseRenewalInfo, acme.Solvers.Count);
    }

    private static async Task<CmpIssuerJson> CmpViewAsync(IStore store, string name, CmpIssuerSpec cmp, CancellationToken ct)
    {
        var position = await CmpIssuer.ReadPositionAsync(store, name, ct);
        // A stored server no longer in the list means the group starts at its first server again.
        var current = position is not null && cmp.Servers.Contains(position.Server, StringComparer.Ordinal) ? position.Server : cmp.Servers[0];
        var last = (await store.ListStatusesAsync(ct))
            .Select(s => (s.Name, State: CmpTransactionState.TryRead(s.IssuerState)))
            .Where(s => s.State?.Issuer == name)
            .OrderByDescending(s => s.State!.At)
            .FirstOrDefault();
        return new CmpIssuerJson
        {
            Servers = [.. cmp.Servers],
            CurrentServer = current,
            MovedFrom = position?.MovedFrom,
            MoveReason = position?.Reason,
            MovedAt = position?.MovedAt,
            Protection = cmp.Protection.ToString(),
            Reference = cmp.SharedSecret?.Reference,
            Recipient = cmp.Recipient,
            TrustedRoots = cmp.TrustedRoots,
            MessageTimeout = DurationParser.Format(cmp.Polling.MessageTimeout),
            TotalTimeout = DurationParser.Format(cmp.Polling.TotalTimeout),
            MaxPolls = cmp.Polling.MaxPolls,
            BatchSize = cmp.BatchSize,
            ImplicitConfirm = cmp.ImplicitConfirm,
            KurWindow = cmp.KurWindow is { } w ? $"{w.Start:HH\\:mm}-{w.End:HH\\:mm} {w.TimeZone}" : null,
            LastTransaction = last.State is { } t ? new CmpLastTransactionJson(last.Name, t.Request, t.State, t.Server, t.TransactionId, t.PkiStatus, t.Error, t.At, t.Describe()) : null,
        };
    }

    private static void WriteIssuer(TextWriter o, IssuerViewJson view)
    {
        o.WriteLine($"Name:           {view.Name} (generation {view.Generation})");
        o.WriteLine($"Kind:           {view.Kind}");
        o.WriteLine($"Source:         {view.Source}");
        o.WriteLine($"Certificates:   {(view.Certificates.Count == 0 ? "-" : string.Join(", ", view.Certificates))}");
        if (view.Ca is { } ca)
        {
            o.WriteLine($"CA:             {ca.Certificate}{(ca.Intermediate ? " (intermediate)" : "")}{(ca.Chain is null ? "" : ", chain " + ca.Chain)}");
            o.WriteLine($"Backdate:       {ca.Backdate}{(ca.SecureMode ? "; secure mode" : "")}");
        }
        if (view.SelfSigned is { } self) o.WriteLine($"Backdate:       {self.Backdate}");
        if (view.Acme is { } acme)
        {
            o.WriteLine($"Directory:      {acme.Directory}");
            o.WriteLine($"Account:        key {acme.AccountKeyRef} ({acme.AccountKey}), {(acme.AccountKeyStored ? "stored" : "not created yet")}; " +
                $"email {acme.Email ?? "-"}{(acme.EabKeyId is null ? "" : ", EAB key id " + acme.EabKeyId)}");
            o.WriteLine($"Orders:         {acme.Solvers} solver(s), profile {acme.Profile ?? "-"}, preferred chain {acme.PreferredChain ?? "-"}, ARI {(acme.UseRenewalInfo ? "on" : "off")}");
            o.WriteLine($"Trusted roots:  {acme.TrustedRoots ?? "system trust"}");
        }
        if (view.Cmp is not { } cmp) return;
        o.WriteLine("Servers:");
        foreach (var s in cmp.Servers) o.WriteLine($"  {(s == cmp.CurrentServer ? "*" : " ")} {s}");
        o.WriteLine($"Current server: {cmp.CurrentServer}");
        o.WriteLine($"Last failover:  {(cmp.MovedFrom is null ? "none" : $"from {cmp.MovedFrom} ({cmp.MoveReason}) at {Time(cmp.MovedAt)}")}");
        o.WriteLine($"Protection:     {cmp.Protection}{(cmp.Reference is null ? "" : " (reference " + cmp.Reference + ")")}; recipient {cmp.Recipient ?? "NULL-DN"}");
        o.WriteLine($"Trusted roots:  {cmp.TrustedRoots ?? "caPubs of authenticated ip messages"}");
        o.WriteLine($"Timeouts:       message {cmp.MessageTimeout}, total {cmp.TotalTimeout}, at most {cmp.MaxPolls.ToString(CultureInfo.InvariantCulture)} polls; " +
            $"{cmp.BatchSize.ToString(CultureInfo.InvariantCulture)} transactions at once{(cmp.ImplicitConfirm ? "; implicitConfirm requested" : "")}");
        if (cmp.KurWindow is not null) o.WriteLine($"Kur window:     {cmp.KurWindow}");
        o.WriteLine($"Last CMP:       {(cmp.LastTransaction is { } t ? $"{t.Certificate}: {t.Summary}" : "-")}");
    }
}

internal sealed record IssuerViewJson
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public long Generation { get; init; }
    public required string Source { get; init; }
    public required IReadOnlyList<string> Certificates { get; init; }
    public CaIssuerJson? Ca { get; init; }
    public SelfSignedIssuerJson? SelfSigned { get; init; }
    public AcmeIssuerJson? Acme { get; init; }
    public CmpIssuerJson? Cmp { get; init; }
}

internal sealed record CaIssuerJson(string Certificate, string? Chain, bool Intermediate, string Backdate, bool SecureMode);

internal sealed record SelfSignedIssuerJson(string Backdate);

internal sealed record AcmeIssuerJson(
    string Directory, string? Email, string AccountKeyRef, bool AccountKeyStored, string AccountKey, string? EabKeyId,
    string? Profile, string? PreferredChain, string? TrustedRoots, bool UseRenewalInfo, int Solvers);

internal sealed record CmpIssuerJson
{
    public required IReadOnlyList<string> Servers { get; init; }
    public required string CurrentServer { get; init; }
    public string? MovedFrom { get; init; }
    public string? MoveReason { get; init; }
    public DateTimeOffset? MovedAt { get; init; }
    public required string Protection { get; init; }
    public string? Reference { get; init; }
    public string? Recipient { get; init; }
    public string? TrustedRoots { get; init; }
    public required string MessageTimeout { get; init; }
    public required string TotalTimeout { get; init; }
    public int MaxPolls { get; init; }
    public int BatchSize { get; init; }
    public bool ImplicitConfirm { get; init; }
    public string? KurWindow { get; init; }
    public CmpLastTransactionJson? LastTransaction { get; init; }
}

internal sealed record CmpLastTransactionJson(
    string Certificate, string? Request, string? State, string? Server, string? TransactionId, string? PkiStatus, string? Error, DateTimeOffset At, string Summary);

// Its own context beside CliJsonContext: generated at build time, as every -o json shape.
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(IssuerViewJson))]
internal sealed partial class DescribeIssuerJsonContext : JsonSerializerContext;
