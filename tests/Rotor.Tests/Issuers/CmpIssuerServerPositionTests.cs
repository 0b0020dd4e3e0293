using System.Net;
using Rotor.Core.Abstractions;
using Rotor.Issuers;
using Rotor.Tests.Cmp;

namespace Rotor.Tests.Issuers;

/// <summary>
/// The CMP server group's position outlives the process: a failure of the first server (5xx,
/// message timeout) moves it in the store, and the next issuer object (the next
/// <c>rotor reconcile</c>) starts on the second server; the failing transaction itself never
/// changes server.
/// </summary>
public sealed class CmpIssuerServerPositionTests
{
    private static readonly Uri First = CmpServerFailoverTests.First;
    private static readonly Uri Second = CmpServerFailoverTests.Second;

    [Fact]
    public async Task A_5xx_moves_the_stored_position_and_the_next_process_starts_on_the_second_server()
    {
        await using var rig = await CmpIssuerRig.CreateAsync();
        var firstRun = new RoutingHandler(rig.Server) { FirstAnswers = HttpStatusCode.ServiceUnavailable };
        var issuer = await rig.CreateIssuerAsync(firstRun);

        var e = await Assert.ThrowsAsync<RotorException>(() => rig.IssueAsync(issuer));

        Assert.Equal("CmpHttpStatus", e.Reason);
        Assert.Equal([First], firstRun.Seen);
        var position = await CmpIssuer.ReadPositionAsync(rig.Store, "pki", default);
        Assert.NotNull(position);
        Assert.Equal(Second.ToString(), position.Server);
        Assert.Equal(First.ToString(), position.MovedFrom);
        Assert.Equal("http-status", position.Reason);
        Assert.Equal(rig.Time.GetUtcNow(), position.MovedAt);

        // The next run: a new issuer object, and the first server still answers 503.
        var secondRun = new RoutingHandler(rig.Server) { FirstAnswers = HttpStatusCode.ServiceUnavailable };
        var next = await rig.CreateIssuerAsync(secondRun);
        var issued = await rig.IssueAsync(next);

        Assert.Equal([Second, Second], secondRun.Seen);          // ir and certConf, the first never asked
        Assert.Equal("done", (await rig.StateAsync()).State);
        Assert.Equal(Second.ToString(), (await rig.StateAsync()).Server);
        Assert.Equal(rig.Key.ExportSubjectPublicKeyInfo(), issued.Leaf.PublicKey.ExportSubjectPublicKeyInfo());
        // Not moved again: the stored move is still the one of the first run.
        Assert.Equal(position, await CmpIssuer.ReadPositionAsync(rig.Store, "pki", default));
    }

    [Fact]
    public async Task A_message_timeout_mid_transaction_ends_it_on_its_server_and_stores_the_move_for_the_next_transaction()
    {
        await using var rig = await CmpIssuerRig.CreateAsync();
        var routes = new RoutingHandler(rig.Server) { FirstHangsAfter = 1 };   // answers the ir, never the certConf
        var issuer = await rig.CreateIssuerAsync(routes);

        var task = rig.IssueAsync(issuer);
        await routes.Hanging.Task.WaitAsync(TimeSpan.FromSeconds(30));
        rig.Time.Advance(TimeSpan.FromSeconds(20));                             // spec.Polling.MessageTimeout
        var e = await Assert.ThrowsAsync<RotorException>(() => task);

        Assert.Equal("CmpMessageTimeout", e.Reason);
        Assert.Equal([First, First], routes.Seen);
        var state = await rig.StateAsync();
        Assert.Equal("failed", state.State);
        Assert.Equal(First.ToString(), state.Server);
        var position = await CmpIssuer.ReadPositionAsync(rig.Store, "pki", default);
        Assert.Equal((Second.ToString(), "message-timeout"), (position?.Server, position?.Reason));

        // The same issuer's next transaction goes to the second server.
        await rig.IssueAsync(issuer);
        Assert.Equal([First, First, Second, Second], routes.Seen);
    }

    [Fact]
    public async Task A_move_stored_by_another_process_is_followed_by_a_running_issuer()
    {
        await using var rig = await CmpIssuerRig.CreateAsync();
        var routes = new RoutingHandler(rig.Server);
        var issuer = await rig.CreateIssuerAsync(routes);
        await rig.IssueAsync(issuer);
        Assert.Equal([First, First], routes.Seen);

        await rig.Store.SaveIssuerRuntimeAsync("pki",
            new CmpServerPosition { Server = Second.ToString(), MovedFrom = First.ToString(), Reason = "connect", MovedAt = rig.Time.GetUtcNow() }.Serialize(),
            rig.Time.GetUtcNow(), default);
        await rig.IssueAsync(issuer);

        Assert.Equal([First, First, Second, Second], routes.Seen);
    }

    [Fact]
    public async Task A_stored_server_no_longer_in_the_group_leaves_the_group_at_its_first_server()
    {
        await using var rig = await CmpIssuerRig.CreateAsync();
        await rig.Store.SaveIssuerRuntimeAsync("pki", new CmpServerPosition { Server = "http://127.0.0.1:3/pkix/" }.Serialize(), rig.Time.GetUtcNow(), default);
        var routes = new RoutingHandler(rig.Server);

        await rig.IssueAsync(await rig.CreateIssuerAsync(routes));

        Assert.Equal([First, First], routes.Seen);
    }
}
