using System.Net;
using System.Text;
using Rotor.Acme;
using Rotor.Acme.Jws;
using Rotor.Acme.Orders;
using Rotor.Acme.Transport;
using Rotor.Tests.Acme.Dns01;

namespace Rotor.Tests.Acme;

/// <summary>
/// JSON documents a broken server or a proxy may send: each is an <see cref="AcmeException"/>
/// of type malformedResponse (transient) that names what was wrong, where the client used to
/// throw JsonException, InvalidOperationException, ArgumentException or FormatException.
/// Found by <see cref="Fuzz.AcmeFuzzTests"/>.
/// </summary>
public class AcmeMalformedJsonTests
{
    internal const string Malformed = "malformedResponse";
    private static readonly AcmeIdentifier[] Names = [AcmeIdentifier.Dns("a.example.test"), AcmeIdentifier.Dns("*.example.test")];

    /// <summary>Answers for <paramref name="path"/> are changed; all others are the happy path's.</summary>
    internal static FuzzedAcmeServer Server(string path, Func<ScriptedResponse, ScriptedResponse> change) =>
        new() { Mutate = (_, p, answer) => p == path ? change(answer) : answer };

    internal static ScriptedResponse WithBody(ScriptedResponse r, string body) => r with { Body = Encoding.UTF8.GetBytes(body) };

    internal static async Task<AcmeClient> ClientAsync(FuzzedAcmeServer server, TimeProvider? time = null, HttpClient? http = null)
    {
        var client = new AcmeClient(http ?? new HttpClient(server), FuzzedAcmeServer.Directory, AccountKey.CreateEcdsaP256(), time ?? new SteppingClock());
        await client.CreateAccountAsync([], termsOfServiceAgreed: true, eab: null, CancellationToken.None);
        return client;
    }

    private static async Task<AcmeException> NewOrderFailsAsync(Func<ScriptedResponse, ScriptedResponse> change)
    {
        var client = await ClientAsync(Server("/new-order", change));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(Names, null, null, CancellationToken.None));
        Assert.Equal(Malformed, e.ProblemType);
        Assert.True(e.IsTransient);
        return e;
    }

    [Fact]
    public async Task A_proxy_page_sent_as_json_is_a_transient_malformed_response()
    {
        var e = await NewOrderFailsAsync(r => WithBody(r, "<html><body>502 Bad Gateway</body></html>"));
        Assert.Contains("the new order is not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_utf8_inside_a_string_is_a_malformed_response()
    {
        var e = await NewOrderFailsAsync(r => r with { Body = [.. "{\"status\":\"pe"u8, 0xC3, 0x28, .. "nding\"}"u8] });
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_written_twice_is_a_malformed_response()
    {
        var e = await NewOrderFailsAsync(r => WithBody(r, """{"status":"pending","finalize":"https://acme.test/f/1","finalize":"https://acme.test/f/2"}"""));
        Assert.Contains("finalize", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"status":"pending","finalize":5}""", "'finalize' is a number, not a string")]
    [InlineData("""{"status":true,"finalize":"https://acme.test/f/1"}""", "'status' is a boolean, not a string")]
    [InlineData("""{"status":"pending","authorizations":"https://acme.test/a/1","finalize":"https://acme.test/f/1"}""", "'authorizations' is a string, not an array")]
    [InlineData("""{"status":"pending","authorizations":[{}],"finalize":"https://acme.test/f/1"}""", "'authorizations[0]' is an object, not a string")]
    [InlineData("""{"status":"pending","identifiers":[7],"finalize":"https://acme.test/f/1"}""", "identifier 0 is a number, not an object")]
    [InlineData("""{"status":"pending","finalize":"https://acme.test/f/1","expires":"2030-no-08T00:00:00Z"}""", "'expires' is not a timestamp")]
    [InlineData("""[]""", "the new order is an array where a JSON object belongs")]
    public async Task A_field_of_the_wrong_type_is_named(string body, string expected)
    {
        var e = await NewOrderFailsAsync(r => WithBody(r, body));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authorization_url_that_is_not_http_is_refused_before_it_is_requested()
    {
        var e = await NewOrderFailsAsync(r => WithBody(r, """{"status":"pending","authorizations":["file:///etc/passwd"],"finalize":"https://acme.test/f/1"}"""));
        Assert.Contains("is not an http or https URL ('file:///etc/passwd')", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_order_with_more_authorizations_than_any_ca_gives_is_malformed()
    {
        var urls = string.Join(",", Enumerable.Range(0, 5000).Select(i => $"\"https://acme.test/authz/{i}\""));
        var e = await NewOrderFailsAsync(r => WithBody(r, $$"""{"status":"pending","authorizations":[{{urls}}],"finalize":"https://acme.test/f/1"}"""));
        Assert.Contains("'authorizations' has 5000 entries (at most 100 are accepted)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_challenge_whose_url_is_no_url_is_a_malformed_authorization()
    {
        var client = await ClientAsync(Server("/authz/1", r => WithBody(r, """
            {"status":"pending","identifier":{"type":"dns","value":"a.example.test"},
             "challenges":[{"type":"dns-01","url":"http://[::1","token":"tok"}]}
            """)));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.GetAuthorizationAsync(new Uri("https://acme.test/authz/1"), CancellationToken.None));
        Assert.Equal(Malformed, e.ProblemType);
        Assert.Contains("challenge 0: 'url' is not an http or https URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_with_a_field_of_the_wrong_type_is_malformed()
    {
        var server = Server("/dir", r => WithBody(r, """{"newNonce":"https://acme.test/nonce","newAccount":"https://acme.test/account","newOrder":"https://acme.test/new-order","meta":{"externalAccountRequired":"no"}}"""));
        var client = new AcmeClient(new HttpClient(server), FuzzedAcmeServer.Directory, AccountKey.CreateEcdsaP256());
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync(CancellationToken.None));
        Assert.Equal(Malformed, e.ProblemType);
        Assert.Contains("'externalAccountRequired' is a string, not true or false", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_problem_document_with_fields_of_the_wrong_type_still_reports_the_status()
    {
        var client = await ClientAsync(Server("/new-order", r => new ScriptedResponse(HttpStatusCode.ServiceUnavailable, "application/problem+json",
            """{"type":7,"detail":["x"],"subproblems":[{"identifier":"a.example.test","type":{}}]}"""u8.ToArray(), r.Headers)));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(Names, null, null, CancellationToken.None));
        Assert.Null(e.ProblemType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.Status);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task Server_text_in_a_problem_is_quoted_without_control_characters_and_an_odd_type_is_no_type()
    {
        var client = await ClientAsync(Server("/new-order", r => new ScriptedResponse(HttpStatusCode.BadRequest, "application/problem+json",
            """{"type":"\u001b[31mred","detail":"bad\r\nforged log line \u001b[0m"}"""u8.ToArray(), r.Headers)));
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(Names, null, null, CancellationToken.None));
        Assert.Null(e.ProblemType);
        Assert.Contains("bad  forged log line", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\u001b', e.Message);
    }

    [Theory]
    [InlineData("""{"suggestedWindow":"soon"}""", "'suggestedWindow' is a string, not an object")]
    [InlineData("""{"suggestedWindow":{"start":"pending","end":"2030-02-03T00:00:00Z"}}""", "'start' is not a timestamp")]
    [InlineData("""{"suggestedWindow":{"start":"2030-02-03T00:00:00Z","end":"2030-02-01T00:00:00Z"}}""", "ends (2030-02-01 00:00:00Z) before it starts")]
    [InlineData("""{"suggestedWindow":{"start":"2030-02-01T00:00:00Z","end":"9999-12-31T23:59:59Z"}}""", "end 9999-12-31 23:59:59Z is more than a century from now")]
    public async Task A_renewal_window_that_cannot_be_used_is_malformed(string body, string expected)
    {
        var clock = new SteppingClock();
        clock.SetUtcNow(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var server = new FuzzedAcmeServer { Mutate = (_, p, r) => p.StartsWith("/renewal-info/", StringComparison.Ordinal) ? WithBody(r, body) : r };
        var client = await ClientAsync(server, clock);
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.GetRenewalInfoAsync(FuzzedAcmeServer.Leaf, CancellationToken.None));
        Assert.Equal(Malformed, e.ProblemType);
        Assert.True(e.IsTransient);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
