using Rotor.Api.Auth;
using Rotor.Core.Abstractions;
using Rotor.Tests.Support;

namespace Rotor.Tests.Api;

public sealed class ApiTokensTests
{
    [Fact]
    public async Task A_created_token_authenticates_with_its_role_and_only_its_hash_is_stored()
    {
        using var rotor = new TestRotor();
        await rotor.RunAsync("init");
        await using var host = await rotor.OpenHostAsync();
        var token = await host.ApiTokens.CreateAsync("ci", ApiRole.Operator, CancellationToken.None);

        Assert.StartsWith(ApiTokens.Prefix, token, StringComparison.Ordinal);
        Assert.Equal(ApiTokens.Prefix.Length + 43, token.Length);
        Assert.Equal(new ApiPrincipal("ci", ApiRole.Operator), await host.ApiTokens.AuthenticateAsync(token, CancellationToken.None));
        var stored = Assert.Single(await ((IApiTokenStore)host.Store).ListApiTokensAsync(CancellationToken.None));
        Assert.Equal(ApiTokens.Hash(token), stored.Sha256);
        foreach (var file in Directory.EnumerateFiles(rotor.Data, "rotor.db*"))
        {
            Assert.DoesNotContain(token, System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unknown_altered_and_revoked_tokens_are_refused_and_a_revoked_name_can_be_given_again()
    {
        using var rotor = new TestRotor();
        await rotor.RunAsync("init");
        await using var host = await rotor.OpenHostAsync();
        var token = await host.ApiTokens.CreateAsync("ops", ApiRole.Admin, CancellationToken.None);
        var altered = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');

        Assert.Null(await host.ApiTokens.AuthenticateAsync(altered, CancellationToken.None));
        Assert.Null(await host.ApiTokens.AuthenticateAsync("not-a-rotor-token", CancellationToken.None));
        var again = await Assert.ThrowsAsync<RotorException>(() => host.ApiTokens.CreateAsync("ops", ApiRole.Viewer, CancellationToken.None));
        Assert.Equal(RotorReasons.Conflict, again.Reason);

        Assert.True(await host.ApiTokens.RevokeAsync("ops", CancellationToken.None));
        Assert.Null(await host.ApiTokens.AuthenticateAsync(token, CancellationToken.None));
        Assert.False(await host.ApiTokens.RevokeAsync("ops", CancellationToken.None));

        var second = await host.ApiTokens.CreateAsync("ops", ApiRole.Viewer, CancellationToken.None);
        Assert.Equal(ApiRole.Viewer, (await host.ApiTokens.AuthenticateAsync(second, CancellationToken.None))?.Role);
        Assert.Null(await host.ApiTokens.AuthenticateAsync(token, CancellationToken.None));
    }

    [Fact]
    public async Task Creation_and_revocation_are_events_that_never_carry_the_token()
    {
        using var rotor = new TestRotor();
        await rotor.RunAsync("init");
        await using var host = await rotor.OpenHostAsync();
        var token = await host.ApiTokens.CreateAsync("audit-me", ApiRole.Viewer, CancellationToken.None);
        await host.ApiTokens.RevokeAsync("audit-me", "token root", CancellationToken.None);

        var events = await host.Store.ListEventsAsync(ApiTokens.EventKind, "audit-me", 10, CancellationToken.None);
        Assert.Equal([RotorReasons.TokenCreated, RotorReasons.TokenRevoked], events.Select(e => e.Reason));
        Assert.Contains("by token root", events[1].Message, StringComparison.Ordinal);
        Assert.All(events, e => Assert.DoesNotContain(token, e.Message, StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain(ApiTokens.Hash(token), e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Last_use_is_written_at_most_once_a_minute()
    {
        using var rotor = new TestRotor();
        await rotor.RunAsync("init");
        await using var host = await rotor.OpenHostAsync();
        var token = await host.ApiTokens.CreateAsync("reader", ApiRole.Viewer, CancellationToken.None);
        await host.ApiTokens.AuthenticateAsync(token, CancellationToken.None);
        var first = (await host.ApiTokens.ListAsync(CancellationToken.None))[0].LastUsed;
        rotor.Time.Advance(TimeSpan.FromSeconds(30));
        await host.ApiTokens.AuthenticateAsync(token, CancellationToken.None);
        Assert.Equal(first, (await host.ApiTokens.ListAsync(CancellationToken.None))[0].LastUsed);
        rotor.Time.Advance(TimeSpan.FromSeconds(31));
        await host.ApiTokens.AuthenticateAsync(token, CancellationToken.None);
        Assert.Equal(rotor.Time.GetUtcNow(), (await host.ApiTokens.ListAsync(CancellationToken.None))[0].LastUsed);
    }

    [Fact]
    public async Task Cli_prints_the_token_alone_on_its_last_line_and_list_never_shows_it()
    {
        using var rotor = new TestRotor();
        await rotor.RunAsync("init");
        var (code, output, error) = await rotor.RunAsync("token", "create", "pipeline", "--role", "operator");
        Assert.Equal(0, code);
        var token = output.TrimEnd('\n').Split('\n')[^1];
        Assert.Matches("^rotor_[A-Za-z0-9_-]{43}$", token);
        Assert.Contains("shown once", error, StringComparison.Ordinal);

        var (listCode, list, _) = await rotor.RunAsync("token", "list", "-o", "json");
        Assert.Equal(0, listCode);
        Assert.Contains("\"pipeline\"", list, StringComparison.Ordinal);
        Assert.Contains("\"operator\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain(token, list, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiTokens.Hash(token), list, StringComparison.Ordinal);

        Assert.Equal(2, (await rotor.RunAsync("token", "create", "x", "--role", "root")).Code);
        Assert.Equal(0, (await rotor.RunAsync("token", "revoke", "pipeline")).Code);
        Assert.Equal(3, (await rotor.RunAsync("token", "revoke", "pipeline")).Code);
    }
}
