using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rotor.Cmp.Transport;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Issuers;
using Rotor.Storage.Sqlite;
using Rotor.Tests.Cmp;
using Rotor.Tests.Support;

namespace Rotor.Tests.Issuers;

/// <summary>
/// A <see cref="CmpIssuer"/> as Rotor builds it, on a real SQLite store, talking HTTP to two
/// servers through <see cref="RoutingHandler"/>: the first one as a test breaks it, the second
/// the in-process CMP server. Each <see cref="CreateIssuerAsync"/> stands for a new process.
/// </summary>
internal sealed class CmpIssuerRig : IAsyncDisposable
{
    public const string Secret = "iak-issuer-rig";
    public const string Certificate = "sbc";

    private readonly TempDir _dir;
    private readonly List<IDisposable> _owned = [];

    private CmpIssuerRig(TempDir dir, SqliteStore store)
    {
        _dir = dir;
        Store = store;
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public FakeCmpServer Server { get; } = new(Secret);
    public SqliteStore Store { get; }
    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public string Folder => _dir.Path;

    public static async Task<CmpIssuerRig> CreateAsync()
    {
        var dir = new TempDir();
        File.WriteAllText(dir.Combine("iak.txt"), Secret + "\n");
        return new CmpIssuerRig(dir, await SqliteStore.OpenAsync(dir.Combine("rotor.db"), DateTimeOffset.UnixEpoch, default));
    }

    public CmpIssuerSpec Spec(string? trustedRoots = null) => new()
    {
        Servers = [CmpServerFailoverTests.First.ToString(), CmpServerFailoverTests.Second.ToString()],
        SharedSecret = new CmpSharedSecretSpec("ref-1", new SecretRef(null, "iak.txt")),
        TrustedRoots = trustedRoots,
        Polling = new CmpPollingSpec { MessageTimeout = TimeSpan.FromSeconds(20), TotalTimeout = TimeSpan.FromMinutes(5) },
    };

    /// <summary>A new issuer object on the same store (as the next <c>rotor reconcile</c> builds one), with its own HTTP routes.</summary>
    public async Task<CmpIssuer> CreateIssuerAsync(RoutingHandler routes, CmpIssuerSpec? spec = null)
    {
        var http = new HttpClient(routes);
        _owned.Add(http);
        var issuer = await CmpIssuer.CreateAsync("pki", spec ?? Spec(), _dir.Path, Store, Time, NullLoggerFactory.Instance, new CmpHttpTransport(http), default);
        _owned.Add(issuer);
        return issuer;
    }

    public string WriteFile(string name, string text)
    {
        File.WriteAllText(_dir.Combine(name), text);
        return name;
    }

    public Task<IssuedCertificate> IssueAsync(CmpIssuer issuer) =>
        Store.UnderLeaseAsync(Certificate, () => issuer.IssueAsync(
            new IssueRequest(Certificate, new CertificateSpec { CommonName = "sbc.example.test", IssuerRef = "pki" }, Key, new Lazy<byte[]>(() => [])), default));

    public async Task<CmpTransactionState> StateAsync() =>
        CmpTransactionState.TryRead((await Store.GetStatusAsync(Certificate, default))?.IssuerState) ?? throw new InvalidOperationException("no CMP state");

    public async ValueTask DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_owned)) d.Dispose();
        await Store.DisposeAsync();
        Server.Dispose();
        Key.Dispose();
        _dir.Dispose();
    }
}
