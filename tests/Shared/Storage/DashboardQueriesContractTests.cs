using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Core.Rotation;
using Rotor.Dashboard;
using Rotor.Storage;
using Rotor.Tests.Support;

namespace Rotor.Tests.Storage;

/// <summary>
/// The dashboard's inventory and timeline queries, the same on every store: a store's tests derive
/// from this class and open a fresh store (null when its database server is unavailable here).
/// </summary>
public abstract class DashboardQueriesContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private IRotorStore _store = null!;
    private bool _available;

    protected abstract Task<IRotorStore?> OpenStoreAsync(DateTimeOffset now);

    public virtual async Task InitializeAsync()
    {
        if (await OpenStoreAsync(Now) is not { } store) return;
        _store = store;
        _available = true;
        // 120 certificates: edge-000..edge-059 from issuer "ca-a" on target t1; core-000..core-059 from "ca-b" on t1 and t2.
        var resources = new List<StoredResource>();
        for (var i = 0; i < 60; i++)
        {
            resources.Add(Certificate($"edge-{i:000}", "ca-a", "t1"));
            resources.Add(Certificate($"core-{i:000}", "ca-b", "t1", "t2"));
        }
        resources.Add(Certificate("odd_name%", "ca-a", "t1"));
        await _store.ApplyAsync(resources, Now, default);
        for (var i = 0; i < 60; i++)
        {
            // edge-i expires in i + 1 days; core-i in 200 days, ready.
            await Status($"edge-{i:000}", Now.AddDays(i + 1).AddHours(1), ready: true);
            await Status($"core-{i:000}", Now.AddDays(200), ready: true);
        }
        await Status("core-001", Now.AddDays(-1), ready: false);             // expired
        await Status("core-002", Now.AddDays(200), ready: true, failures: 2); // failing
        await _store.UnderLeaseAsync("core-003", async () => await _store.AddVersionAsync(new CertificateVersion
        {
            Certificate = "core-003", Serial = "01", Sha256Fingerprint = "aa", ChainPem = "", KeyRef = "k", IssuedForJson = "{}",
            NotBefore = Now, NotAfter = Now.AddDays(90), State = VersionState.Issued,
        }, default));                                                          // rotating
    }

    private static StoredResource Certificate(string name, string issuer, params string[] targets) => SpecSerializer.ToStored(new Resource(
        ResourceKinds.Certificate, name,
        new CertificateSpec { DnsNames = [name + ".example.test"], IssuerRef = issuer, Deploy = [.. targets.Select(t => new DeployBinding(t, null, []))] },
        new ResourceSource("/tmp/fleet.yaml", 1)), Now);

    private Task Status(string name, DateTimeOffset notAfter, bool ready, int failures = 0) => _store.UnderLeaseAsync(name, () =>
        _store.SaveStatusAsync(new CertificateStatus { Name = name, NextDueAt = Now.AddDays(30), NotAfter = notAfter, CurrentVersionId = 1, Ready = ready, Failures = failures }, default));

    [Fact]
    public async Task A_page_of_the_inventory_in_name_order_with_the_total()
    {
        if (!_available) return;
        var first = await _store.ListInventoryAsync(new InventoryQuery(null, null, null, 1, 50), Now, default);
        Assert.Equal(121, first.Total);
        Assert.Equal(50, first.Rows.Count);
        Assert.Equal("core-000", first.Rows[0].Name);
        Assert.Equal(["t1", "t2"], first.Rows[0].Targets);
        Assert.Equal("ca-b", first.Rows[0].Issuer);
        var third = await _store.ListInventoryAsync(new InventoryQuery(null, null, null, 3, 50), Now, default);
        Assert.Equal(21, third.Rows.Count);
        Assert.Equal("odd_name%", third.Rows[^1].Name);
        Assert.Empty((await _store.ListInventoryAsync(new InventoryQuery(null, null, null, 9, 50), Now, default)).Rows);
    }

    [Fact]
    public async Task Statuses_are_computed_worst_first()
    {
        if (!_available) return;
        var rows = (await _store.ListInventoryAsync(new InventoryQuery("core-00", null, null, 1, 50), Now, default)).Rows.ToDictionary(r => r.Name, r => r.Status);
        Assert.Equal(InventoryStatus.Ready, rows["core-000"]);
        Assert.Equal(InventoryStatus.Expired, rows["core-001"]);
        Assert.Equal(InventoryStatus.Failing, rows["core-002"]);
        Assert.Equal(InventoryStatus.Rotating, rows["core-003"]);
        var edge = (await _store.ListInventoryAsync(new InventoryQuery("edge-", null, null, 1, 100), Now, default)).Rows;
        Assert.Equal(29, edge.Count(r => r.Status == InventoryStatus.Expiring));   // edge-000..028: within 30 days
        Assert.Equal(31, edge.Count(r => r.Status == InventoryStatus.Ready));
    }

    [Fact]
    public async Task Filters_by_name_part_status_and_issuer_combine_and_the_count_follows()
    {
        if (!_available) return;
        var expiring = await _store.ListInventoryAsync(new InventoryQuery(null, InventoryStatus.Expiring, "ca-a", 1, 10), Now, default);
        Assert.Equal(29, expiring.Total);
        Assert.Equal(10, expiring.Rows.Count);
        Assert.All(expiring.Rows, r => Assert.StartsWith("edge-", r.Name, StringComparison.Ordinal));
        Assert.Equal(0, (await _store.ListInventoryAsync(new InventoryQuery("edge", InventoryStatus.Expired, null, 1, 10), Now, default)).Total);
        Assert.Equal("core-001", Assert.Single((await _store.ListInventoryAsync(new InventoryQuery(null, InventoryStatus.Expired, null, 1, 10), Now, default)).Rows).Name);
        Assert.Equal(61, (await _store.ListInventoryAsync(new InventoryQuery(null, null, "ca-a", 1, 10), Now, default)).Total);
        Assert.Equal(10, (await _store.ListInventoryAsync(new InventoryQuery("EDGE-05", null, null, 1, 10), Now, default)).Total); // edge-050..059, any case
    }

    [Fact]
    public async Task Wildcards_in_a_name_filter_are_taken_literally()
    {
        if (!_available) return;
        Assert.Equal("odd_name%", Assert.Single((await _store.ListInventoryAsync(new InventoryQuery("_name%", null, null, 1, 10), Now, default)).Rows).Name);
        Assert.Equal(0, (await _store.ListInventoryAsync(new InventoryQuery("%", null, "ca-b", 1, 10), Now, default)).Total);
    }

    [Fact]
    public async Task The_timeline_counts_expiries_per_day_within_its_span()
    {
        if (!_available) return;
        var days = await _store.CountExpiriesAsync(null, null, Now, 120, default);
        // edge-i on day i + 1 (61 days), odd_name% has no status, core-* in 200 days or expired.
        Assert.Equal(60, days.Sum(d => d.Count));
        Assert.Equal(Enumerable.Range(1, 60), days.Select(d => d.Day));
        Assert.Equal(10, (await _store.CountExpiriesAsync("edge-00", null, Now, 120, default)).Sum(d => d.Count));
        Assert.Empty(await _store.CountExpiriesAsync(null, "ca-b", Now, 120, default));
    }

    [Fact]
    public async Task A_deleted_certificate_leaves_the_timeline_and_the_count()
    {
        if (!_available) return;
        Assert.True(await _store.DeleteResourceAsync(ResourceKinds.Certificate, "edge-000", default));
        Assert.Equal(59, (await _store.CountExpiriesAsync(null, null, Now, 120, default)).Sum(d => d.Count));
        Assert.DoesNotContain(await _store.CountExpiriesAsync(null, null, Now, 120, default), d => d.Day == 1);
        Assert.Equal(120, (await _store.ListInventoryAsync(new InventoryQuery(null, null, null, 1, 10), Now, default)).Total);
    }

    [Fact]
    public async Task Endpoint_probes_are_listed_in_name_order_with_every_field()
    {
        if (!_available) return;
        await _store.SaveEndpointProbeAsync(new EndpointProbeRecord("b-edge", Now, "edge-001", false, ProbeFailure.Connect, null, false, null, null, "refused"), default);
        await _store.SaveEndpointProbeAsync(new EndpointProbeRecord("a-core", Now.AddSeconds(5), "core-001", true, ProbeFailure.None, "ab12", true, 200, 4.5, null), default);
        var probes = await _store.ListEndpointProbesAsync(default);
        Assert.Equal(["a-core", "b-edge"], probes.Select(p => p.Endpoint));
        Assert.Equal(new EndpointProbeRecord("a-core", Now.AddSeconds(5), "core-001", true, ProbeFailure.None, "ab12", true, 200, 4.5, null), probes[0]);
        Assert.Equal(await _store.GetEndpointProbeAsync("b-edge", default), probes[1]);
        Assert.Equal(ProbeFailure.Connect, probes[1].Failure);
        Assert.Equal("refused", probes[1].Error);
    }

    public virtual async Task DisposeAsync()
    {
        if (_available) await _store.DisposeAsync();
    }
}
