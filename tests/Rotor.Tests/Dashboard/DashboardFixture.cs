using Rotor.Tests.Support;
using Rotor.Dashboard;

namespace Rotor.Tests.Dashboard;

/// <summary>
/// A data folder with one issued certificate (sip-edge, local CA, file target) and its dashboard,
/// with three tokens: "viewer-token" (viewer), "operator-token" (operator, named "ops") and a
/// token whose name is hostile markup (a name the dashboard must still show as text).
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string Viewer = "viewer-token";
    public const string Operator = "operator-token";
    public const string HostileNamed = "hostile-token";
    public const string HostileName = "<script>alert('token')</script>";

    public TestRotor Rotor { get; } = new();
    public RotorHost Host { get; private set; } = null!;
    public DashboardServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var manifest = Rotor.WriteManifest(Manifests.All(Manifests.Issuer, Manifests.Target(), Manifests.Certificate()));
        Assert.Equal(0, (await Rotor.RunAsync("apply", "-f", manifest)).Code);
        Assert.Equal(0, (await Rotor.RunAsync("reconcile")).Code);
        Host = await Rotor.OpenHostAsync();
        Server = await DashboardServer.StartAsync(Host, new Dictionary<string, DashboardPrincipal>
        {
            [Viewer] = new("view", "viewer", CanAct: false),
            [Operator] = new("ops", "operator", CanAct: true),
            [HostileNamed] = new(HostileName, "operator", CanAct: true),
        });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Host.DisposeAsync();
        Rotor.Dispose();
    }
}
