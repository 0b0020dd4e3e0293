using Rotor.Tests.Support;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
/// Local-CA issuance throughput: what the reconciler does per certificate up to and including
/// storing the version (key generation and its encrypted, fsynced write; CSR; signing; SQLite
/// insert), without validation, events or deployment, which are not issuance.
/// </summary>
internal static class IssuanceBench
{
    public static async Task<int> RunAsync(double seconds, int parallelism, CancellationToken cancellationToken)
    {
        var duration = TimeSpan.FromSeconds(seconds);
        var dataDirectory = Directory.CreateTempSubdirectory("rotor-bench-issuance-").FullName;
        try
        {
            var time = TimeProvider.System;
            var keys = new FileKeyStore(Path.Combine(dataDirectory, "keys"), RandomNumberGenerator.GetBytes(32));
            var localCa = new LocalCa(dataDirectory, keys, time);
            await localCa.CreateRootAsync(null, cancellationToken);
            await using var store = await SqliteStore.OpenAsync(Path.Combine(dataDirectory, "rotor.db"), time.GetUtcNow(), cancellationToken);
            // The intermediate is P-256, so its signature is the one `openssl speed ecdsap256` times;
            // the root (what `ca: {}` signs with by default) is P-384 and is reported beside it.
            var intermediate = await CaIssuer.OpenAsync(CaSpec(intermediate: true), dataDirectory, localCa, keys, time, cancellationToken);
            var root = await CaIssuer.OpenAsync(CaSpec(intermediate: false), dataDirectory, localCa, keys, time, cancellationToken);
            var spec = new CertificateSpec { DnsNames = ["sip.bench.example"], IssuerRef = "bench-ca" };
            var issuance = new Issuance(keys, intermediate, store, spec);

            Console.WriteLine($"issuance benchmark: leaves ECDSA P-{spec.PrivateKey.Size}, data folder {dataDirectory}, {Environment.ProcessorCount} CPU(s), {F(seconds)} s per run");
            using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

            // Warm-up: JIT tiering and the SQLite pool, so the timed runs measure steady state.
            await TimedAsync(TimeSpan.FromSeconds(Math.Min(1, seconds)), 1, _ => SignOnceAsync(intermediate, spec, subjectKey, cancellationToken));
            await TimedAsync(TimeSpan.FromSeconds(Math.Min(1, seconds)), 2, _ => issuance.OnceAsync(null, cancellationToken));

            // The parts of one issuance that no Rotor code sits in, each alone on one thread: they
            // bound what the full path can reach on this machine's .NET and OpenSSL.
            var floors = await FloorsAsync(intermediate, spec, subjectKey, cancellationToken);
            Console.WriteLine($"  alone, 1 thread: ECDSA P-256 key generation {F(floors.KeyGen, "0.0")} µs, P-256 SignData {F(floors.Sign, "0.0")} µs, " +
                $"X509CertificateLoader.LoadCertificate of the leaf {F(floors.Load, "0.0")} µs");

            var signP256 = await TimedAsync(duration, 1, _ => SignOnceAsync(intermediate, spec, subjectKey, cancellationToken));
            Report("signing only, CaIssuer.IssueAsync, P-256 intermediate, 1 thread", signP256);
            var signP384 = await TimedAsync(duration, 1, _ => SignOnceAsync(root, spec, subjectKey, cancellationToken));
            Report("signing only, CaIssuer.IssueAsync, P-384 root (ca: {} default), 1 thread", signP384);

            var stages = new Stages();
            var single = await TimedAsync(duration, 1, _ => issuance.OnceAsync(stages, cancellationToken));
            Report("issuance (key + sign + store), 1 thread", single);
            Console.WriteLine($"    per certificate: {stages.Describe(single.Count)}");
            // More issuances in flight than cores, as the reconciler runs them (ReconcilerOptions.Parallelism):
            // the key store's group commit shares one fsync among the keys written meanwhile.
            var levels = new[] { parallelism, new ReconcilerOptions().Parallelism, 4 * parallelism }.Distinct().Order().ToList();
            var concurrent = new List<(int InFlight, Run Run)>();
            foreach (var inFlight in levels)
            {
                var run = await TimedAsync(duration, inFlight, _ => issuance.OnceAsync(null, cancellationToken));
                Report($"issuance (key + sign + store), {inFlight} in flight on {Environment.ProcessorCount} CPU(s)", run);
                concurrent.Add((inFlight, run));
            }

            var rss = ProcessStats.PeakRssMiB();
            Console.WriteLine($"  peak RSS (VmHWM) {F(rss)} MiB");
            Figure("floor_keygen_us", floors.KeyGen);
            Figure("floor_sign_us", floors.Sign);
            Figure("floor_load_us", floors.Load);
            Figure("signing_p256_per_s", signP256.PerSecond);
            Figure("signing_p384_per_s", signP384.PerSecond);
            Figure("issuance_p1_per_s", single.PerSecond);
            Figure("issuance_p1_cpu_us", single.CpuMicrosecondsEach);
            foreach (var (inFlight, run) in concurrent)
            {
                Figure($"issuance_p{inFlight}_per_s", run.PerSecond);
                Figure($"issuance_p{inFlight}_cpu_us", run.CpuMicrosecondsEach);
            }
            var best = concurrent.MaxBy(c => c.Run.PerSecond);
            Figure("issuance_best_per_s", best.Run.PerSecond);
            Figure("issuance_best_in_flight", best.InFlight);
            Figure("peak_rss_mib", rss);
            return 0;
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static CaIssuerSpec CaSpec(bool intermediate) =>
        new(null, null, null, intermediate, CaIssuerSpec.DefaultBackdate, SecureMode: false);

    /// <summary>The request as the reconciler makes it: the key in-process, the PKCS#10 built only if an issuer asks.</summary>
    internal static IssueRequest Request(string name, CertificateSpec spec, AsymmetricAlgorithm key) =>
        new(name, spec, key, new Lazy<byte[]>(() => Reconciler.CreateSigningRequest(spec, key)));

    private static async Task SignOnceAsync(CaIssuer issuer, CertificateSpec spec, AsymmetricAlgorithm key, CancellationToken cancellationToken)
    {
        var issued = await issuer.IssueAsync(Request("bench", spec, key), cancellationToken);
        issued.Leaf.Dispose();
    }

    private static void Report(string what, Run run) =>
        Console.WriteLine($"  {what}: {run.Count} in {F(run.Elapsed.TotalSeconds, "0.00")} s = {F(run.PerSecond)} certificates/s" +
            $" (process CPU {F(run.CpuMicrosecondsEach, "0")} µs each)");

    /// <summary>A timed run: how many, how long, and the CPU time the whole process spent meanwhile.</summary>
    private readonly record struct Run(long Count, TimeSpan Elapsed, TimeSpan Cpu)
    {
        public double PerSecond => Count / Elapsed.TotalSeconds;
        public double CpuMicrosecondsEach => Cpu.TotalMicroseconds / Math.Max(1, Count);
    }

    private readonly record struct Floors(double KeyGen, double Sign, double Load);

    private static async Task<Floors> FloorsAsync(CaIssuer issuer, CertificateSpec spec, ECDsa subjectKey, CancellationToken cancellationToken)
    {
        var issued = await issuer.IssueAsync(Request("floor", spec, subjectKey), cancellationToken);
        var der = issued.Leaf.RawData;
        issued.Leaf.Dispose();
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        double Each(Action action)
        {
            const int Count = 2000;
            for (var i = 0; i < 200; i++) action();
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < Count; i++) action();
            return Stopwatch.GetElapsedTime(started).TotalMicroseconds / Count;
        }
        return new Floors(
            Each(() => ECDsa.Create(ECCurve.NamedCurves.nistP256).Dispose()),
            Each(() => signer.SignData(der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)),
            Each(() => X509CertificateLoader.LoadCertificate(der).Dispose()));
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="workers"/> workers until <paramref name="duration"/> is up.</summary>
    private static async Task<Run> TimedAsync(TimeSpan duration, int workers, Func<long, Task> body)
    {
        long count = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        // Task.Run per worker: each loop is CPU-bound between its waits for fsync.
        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                await body(Interlocked.Increment(ref count));
            }
        }));
        await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return new Run(Interlocked.Read(ref count), elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu);
    }

    /// <summary>One issuance as Reconciler.IssueAsync does it, with the same calls in the same order.</summary>
    private sealed class Issuance(FileKeyStore keys, CaIssuer issuer, SqliteStore store, CertificateSpec spec)
    {
        private long _next;

        public async Task OnceAsync(Stages? stages, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _next);
            var name = $"bench-{n}";
            var keyRef = $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
            var t0 = Stopwatch.GetTimestamp();
            using var key = await keys.GenerateAsync(keyRef, spec.PrivateKey.Algorithm, spec.PrivateKey.Size, cancellationToken);
            var t1 = Stopwatch.GetTimestamp();
            var t2 = Stopwatch.GetTimestamp(); // no CSR: the local CA signs the in-process key directly
            var issued = await issuer.IssueAsync(Request(name, spec, key), cancellationToken);
            var t3 = Stopwatch.GetTimestamp();
            using var leaf = issued.Leaf;
            var version = new CertificateVersion
            {
                Certificate = name,
                Generation = 1,
                Serial = leaf.SerialNumber,
                Sha256Fingerprint = CertificatePem.Sha256Fingerprint(leaf),
                NotBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime()),
                NotAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime()),
                ChainPem = string.Concat(new[] { leaf }.Concat(issued.Intermediates).Concat(issued.Roots).Select(CertificatePem.ToPem)),
                IntermediateCount = issued.Intermediates.Count,
                KeyRef = keyRef,
                State = VersionState.Issued,
                IssuedForJson = SpecSerializer.SerializeFacts(SpecSerializer.FactsFor(spec, default, default)),
                CreatedAt = TimeProvider.System.GetUtcNow(),
            };
            // Under the certificate's lease, as the reconciler writes (one lease row per issuance).
            await store.UnderLeaseAsync(name, () => store.AddVersionAsync(version, cancellationToken));
            stages?.Add(t1 - t0, t2 - t1, t3 - t2, Stopwatch.GetTimestamp() - t3);
        }
    }

    /// <summary>Where the time of one issuance goes, to tell the CPU-bound part from fsync.</summary>
    private sealed class Stages
    {
        private long _key, _csr, _sign, _store;

        public void Add(long key, long csr, long sign, long store)
        {
            _key += key;
            _csr += csr;
            _sign += sign;
            _store += store;
        }

        public string Describe(long count)
        {
            string Ms(long ticks) => F(ticks * 1000.0 / Stopwatch.Frequency / Math.Max(1, count), "0.000");
            return $"FileKeyStore.GenerateAsync (key gen + encrypted fsynced write) {Ms(_key)} ms, CSR {Ms(_csr)} ms (none: not built for the local CA), " +
                $"CaIssuer.IssueAsync {Ms(_sign)} ms, PEM + SQLite insert {Ms(_store)} ms";
        }
    }
}
