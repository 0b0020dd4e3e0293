using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cmp;
using Rotor.Cmp.Protection;
using Rotor.Cmp.Transport;
using Rotor.Tests.Cmp;
using Xunit.Abstractions;

namespace Rotor.Tests.Fuzz;

/// <summary>
/// The CMP client against a server whose responses (ip or cp, pollRep, pkiConf) are changed one
/// or two at a time: hostile values anywhere in the structure, at the places the client reads
/// (PBM iterationCount, pvno, PKIStatus, statusString, checkAfter, the issued certificate,
/// extraCerts and caPubs counts, the signer's key, the body type), and bytes flipped, cut or
/// inserted. Structural changes are protected again, with the MAC secret or the server's
/// signing key, so they get past the protection check. Every input must end in an enrolment or
/// a <see cref="CmpException"/>, quickly.
/// </summary>
public sealed class CmpFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const string Secret = "iak-fuzz-secret";
    private static readonly Uri Server = new("http://127.0.0.1:1/pkix/");

    // Inputs run two at a time; each takes a server (with its CA and signer) that no other input uses meanwhile.
    private readonly ConcurrentBag<(FakeCmpServer Server, (X509Certificate2, ECDsa) Signer)> _servers = [];
    private readonly ConcurrentBag<IDisposable> _made = [];

    [Fact]
    public async Task Broken_server_responses_end_in_an_enrolment_or_a_CmpException()
    {
        var iterations = FuzzRun.Iterations(1000);
        var tried = 0;
        var outcomes = new ConcurrentDictionary<string, int>();
        var inputs = Gen.Select(Gen.Int[0, 3], CmpMutation.Gen.Array[1, 2]);
        await inputs.SampleAsync(async (mode, mutations) =>
        {
            Interlocked.Increment(ref tried);
            var outcome = await RunAsync(signed: (mode & 1) != 0, polling: (mode & 2) != 0, mutations).WaitAsync(TimeSpan.FromSeconds(20));
            outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        }, iter: iterations, threads: 2);

        output.WriteLine("outcomes: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
        Assert.Equal(iterations, tried);
        Assert.True(outcomes.GetValueOrDefault("enrolled") > 0, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(CmpReasons.Malformed) > 0, string.Join(", ", outcomes));
        FuzzRun.Record("cmp-responses", tried);
    }

    /// <summary>One ir with these response changes; the outcome is "enrolled" or the failure's reason.</summary>
    internal async Task<string> RunAsync(bool signed, bool polling, IReadOnlyList<CmpMutation> mutations)
    {
        var (server, signer) = TakeServer();
        try
        {
            return await RunAsync(server, signed ? signer : null, polling, mutations);
        }
        finally
        {
            _servers.Add((server, signer));
        }
    }

    private (FakeCmpServer, (X509Certificate2, ECDsa)) TakeServer()
    {
        if (_servers.TryTake(out var taken)) return taken;
        var server = new FakeCmpServer(Secret) { MacIterations = 100, CheckAfterSeconds = 5 };
        var (certificate, key) = server.NewSigner();
        _made.Add(server);
        _made.Add(certificate);
        _made.Add(key);
        return (server, (certificate, key));
    }

    private static async Task<string> RunAsync(FakeCmpServer server, (X509Certificate2, ECDsa)? signer, bool polling, IReadOnlyList<CmpMutation> mutations)
    {
        server.Signer = signer;
        server.PollsNeeded = polling ? 2 : 0;
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new CmpClientOptions { MaxPolls = 3, ServerTrust = [server.Ca] };
        var client = new CmpClient(new CmpServerGroup(Server), new MutatingTransport(server, mutations), options, time);
        using var protection = CmpProtection.SharedSecret("ref-fuzz", Encoding.UTF8.GetBytes(Secret), 100);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CmpCertificateRequest { Subject = new X500DistinguishedName("CN=sbc.example.test"), Key = key };
        var task = client.InitialRequestAsync(request, protection, CancellationToken.None);
        try
        {
            // The fake server answers at once, so the client runs until it waits on the fake clock
            // (checkAfter); moving the clock runs it on, mostly inline. The total timeout ends any
            // input within 30 steps.
            for (var step = 0; step < 100 && !task.IsCompleted; step++)
            {
                time.Advance(TimeSpan.FromSeconds(10));
                if (!task.IsCompleted) await Task.Yield();
            }
            var result = await task;
            result.Certificate.Dispose();
            foreach (var c in result.CaPubs.Concat(result.ExtraCerts)) c.Dispose();
            return "enrolled";
        }
        catch (CmpException e)
        {
            return e.Reason;
        }
    }

    public void Dispose()
    {
        foreach (var made in _made) made.Dispose();
    }

    /// <summary>Passes requests to the fake server and changes its answers as the mutations say.</summary>
    private sealed class MutatingTransport(FakeCmpServer server, IReadOnlyList<CmpMutation> mutations) : ICmpTransport
    {
        private int _exchange;

        public async Task<byte[]> SendAsync(Uri uri, byte[] request, CancellationToken cancellationToken)
        {
            var exchange = _exchange++;
            var answer = await server.SendAsync(uri, request, cancellationToken);
            return mutations.Where(m => m.Exchange == exchange).Aggregate(answer, (der, m) => m.Apply(der, server));
        }
    }
}
