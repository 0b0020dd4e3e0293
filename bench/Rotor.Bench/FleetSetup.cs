using Rotor.Tests.Support;
using System.Diagnostics;
using System.Security.Cryptography;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Issuers;
using Rotor.Keys;
using Rotor.Scheduling;
using Rotor.Storage;
using Rotor.Storage.Sqlite;
using static Rotor.Bench.Program;
using Rotor.Certificates;

namespace Rotor.Bench;

/// <summary>
/// Fills a data folder with a fleet in which nothing is due: one CA issuer, one file target,
/// and <c>count</c> certificates whose status says "look again in 30 days", written through
/// the store's own API so the rows are exactly what Rotor would have written. In steady state
/// each certificate also has an active version and a key file, as after a real first issuance.
/// </summary>
internal static class FleetSetup
{
    public const string IssuerName = "bench-ca";
    public const string TargetName = "bench-files";
    private const int ApplyChunk = 10_000;

    public static async Task CreateAsync(string dataDirectory, int count, bool steadyState, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var now = TimeProvider.System.GetUtcNow();
        // Only the path is stored (relative paths resolve against it); nothing reads the file.
        var manifest = Path.Combine(dataDirectory, "fleet.yaml");
        var started = Stopwatch.GetTimestamp();
        // Initialised as `rotor init` does (master key, store, local root CA).
        var (store, _, _) = await DataFolder.OpenAsync(dataDirectory, DataFolderUse.CreateIfNew, TimeProvider.System, cancellationToken);
        await using var _ = store;

        var issuer = new IssuerSpec(IssuerKind.Ca, Ca: new CaIssuerSpec(null, null, null, Intermediate: true, CaIssuerSpec.DefaultBackdate, SecureMode: false));
        var target = new TargetSpec(TargetKind.File, new FileTargetSpec { Path = Path.Combine(dataDirectory, "out") });
        await store.ApplyAsync(
        [
            SpecSerializer.ToStored(new Resource(ResourceKinds.Issuer, IssuerName, issuer, new ResourceSource(manifest, 1)), now),
            SpecSerializer.ToStored(new Resource(ResourceKinds.Target, TargetName, target, new ResourceSource(manifest, 10)), now),
        ], now, cancellationToken);

        for (var first = 0; first < count; first += ApplyChunk)
        {
            var chunk = Enumerable.Range(first, Math.Min(ApplyChunk, count - first))
                .Select(i => SpecSerializer.ToStored(Certificate(i, manifest), now))
                .ToList();
            await store.ApplyAsync(chunk, now, cancellationToken);
        }
        var applied = Stopwatch.GetElapsedTime(started);
        Console.WriteLine($"  setup: {count} certificates applied in {F(applied.TotalSeconds, "0.0")} s ({(count + ApplyChunk - 1) / ApplyChunk + 1} transactions)");

        // ApplyAsync made every certificate due now; record each as issued and next due in 30 days.
        started = Stopwatch.GetTimestamp();
        var template = steadyState ? await IssueTemplateAsync(dataDirectory, store, cancellationToken) : null;
        var nextDue = now.AddDays(30);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                await store.UnderLeaseAsync(CertificateName(i), async () =>
                {
                    long? versionId = null;
                    if (template is not null)
                    {
                        var keyRef = $"{CertificateName(i)}-{i:x12}";
                        // A placeholder, not a sealed key: the not-due path only lists key names (the
                        // stray-key sweep), and sealing 100,000 real keys with fsync would take minutes.
                        await File.WriteAllBytesAsync(Path.Combine(dataDirectory, "keys", keyRef + ".key"), Placeholder, ct);
                        versionId = (await store.AddVersionAsync(template with { Certificate = CertificateName(i), KeyRef = keyRef }, ct)).Id;
                    }
                    await store.SaveStatusAsync(new CertificateStatus
                    {
                        Name = CertificateName(i),
                        NextDueAt = nextDue,
                        RenewalAt = nextDue,
                        NotAfter = now.AddDays(60),
                        Issuer = IssuerName,
                        CurrentVersionId = versionId,
                        Ready = true,
                    }, ct);
                });
            });
        var statuses = Stopwatch.GetElapsedTime(started);
        var what = steadyState ? "key files + versions (AddVersionAsync) + statuses (SaveStatusAsync)" : "statuses (SaveStatusAsync)";
        Console.WriteLine($"  setup: {count} {what} written one by one in {F(statuses.TotalSeconds, "0.0")} s " +
            $"= {F(count / statuses.TotalSeconds, "0")} certificates/s");

        var due = await store.ListDueAsync(TimeProvider.System.GetUtcNow(), 10, cancellationToken);
        if (due.Count != 0)
        {
            throw new InvalidOperationException($"setup left {due.Count}+ certificates due, e.g. {due[0]}");
        }
    }

    /// <summary>Header and size of a sealed P-256 key file, so the keys folder looks like a real one.</summary>
    private static readonly byte[] Placeholder = [.. "RKY1"u8, .. new byte[12 + 16 + 138]];

    /// <summary>
    /// One real issuance from the data folder's own CA (so master key, CA keys and chain are
    /// genuine); every certificate's active version is a copy of it under its own key name.
    /// </summary>
    private static async Task<CertificateVersion> IssueTemplateAsync(string dataDirectory, Rotor.Storage.IRotorStore store, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var keys = new FileKeyStore(Path.Combine(dataDirectory, "keys"), (await MasterKey.LoadAsync(dataDirectory, cancellationToken))!);
        var issuer = await CaIssuer.OpenAsync(new CaIssuerSpec(null, null, null, Intermediate: true, CaIssuerSpec.DefaultBackdate, SecureMode: false),
            dataDirectory, new LocalCa(dataDirectory, keys, time), keys, time, cancellationToken);
        var spec = SpecSerializer.SpecOf<CertificateSpec>((await store.GetResourceAsync(ResourceKinds.Certificate, CertificateName(0), cancellationToken))!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issued = await issuer.IssueAsync(IssuanceBench.Request(CertificateName(0), spec, key), cancellationToken);
        using var leaf = issued.Leaf;
        return new CertificateVersion
        {
            Certificate = CertificateName(0),
            Generation = 1,
            Serial = leaf.SerialNumber,
            Sha256Fingerprint = CertificatePem.Sha256Fingerprint(leaf),
            NotBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime()),
            NotAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime()),
            ChainPem = string.Concat(new[] { leaf }.Concat(issued.Intermediates).Concat(issued.Roots).Select(CertificatePem.ToPem)),
            IntermediateCount = issued.Intermediates.Count,
            KeyRef = "",
            State = VersionState.Active,
            IssuedForJson = SpecSerializer.SerializeFacts(SpecSerializer.FactsFor(spec, default, default)),
            CreatedAt = time.GetUtcNow(),
        };
    }

    public static string CertificateName(int i) => $"sip-{i:D6}";

    private static Resource Certificate(int i, string manifest)
    {
        var name = CertificateName(i);
        var spec = new CertificateSpec
        {
            DnsNames = [$"{name}.pbx.bench.example"],
            IssuerRef = IssuerName,
            Deploy = [new DeployBinding(TargetName, name, [])],
        };
        return new Resource(ResourceKinds.Certificate, name, spec, new ResourceSource(manifest, 20 + i));
    }
}
