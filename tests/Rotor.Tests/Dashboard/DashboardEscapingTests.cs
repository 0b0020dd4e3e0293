using Rotor.Tests.Support;
using Rotor.Core.Abstractions;
using Rotor.Core.Resources;
using Rotor.Dashboard;
using Rotor.Storage;

namespace Rotor.Tests.Dashboard;

/// <summary>Every user-controlled string on a page is text, never markup.</summary>
public sealed class DashboardEscapingTests(DashboardFixture f) : IClassFixture<DashboardFixture>
{
    private const string Script = "<script>alert(1)</script>";

    [Fact]
    public void The_writer_encodes_every_hole_and_keeps_its_own_markup()
    {
        var w = new HtmlWriter();
        var name = "\"><img src=x onerror='alert(1)'>&";
        w.Html($"""<a title="{name}">{name}</a>{new HtmlMarkup("<b>ok</b>")}{42}""");
        Assert.Equal("<a title=\"&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;\">&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;</a><b>ok</b>42", w.ToString());
        Assert.Equal("a\uFFFDb", HtmlWriter.Encode("a\u0001b"));
    }

    [Fact]
    public async Task A_hostile_token_name_is_shown_as_text()
    {
        using var client = await f.Server.LoginAsync(DashboardFixture.HostileNamed);
        var page = await client.GetStringAsync("/");
        Assert.DoesNotContain(DashboardFixture.HostileName, page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;token&#39;)&lt;/script&gt;", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filters_echoed_back_into_the_form_are_encoded()
    {
        using var client = await f.Server.LoginAsync(DashboardFixture.Viewer);
        var page = await client.GetStringAsync("/?q=" + Uri.EscapeDataString("\">" + Script) + "&issuer=" + Uri.EscapeDataString(Script));
        Assert.DoesNotContain(Script, page, StringComparison.Ordinal);
        Assert.Contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"", page, StringComparison.Ordinal);
        var events = await client.GetStringAsync("/events?name=" + Uri.EscapeDataString(Script));
        Assert.DoesNotContain(Script, events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_event_subjects_and_messages_are_text_in_the_feed_and_on_the_certificate_page()
    {
        var at = f.Rotor.Time.GetUtcNow();
        await f.Host.Store.AppendEventAsync(new EventRecord(0, at, ResourceKinds.Certificate, "<img src=x onerror=alert(2)>", EventType.Warning, RotorReasons.Issued, Script), default);
        await f.Host.Store.AppendEventAsync(new EventRecord(0, at, ResourceKinds.Certificate, "sip-edge", EventType.Warning, RotorReasons.Issued, "x" + Script), default);
        using var client = await f.Server.LoginAsync(DashboardFixture.Viewer);
        var feed = await client.GetStringAsync("/events");
        Assert.DoesNotContain(Script, feed, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", feed, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", feed, StringComparison.Ordinal);
        // The link to it is percent-encoded, then HTML-encoded.
        Assert.Contains("href=\"/certificates/%3Cimg%20src%3Dx%20onerror%3Dalert%282%29%3E\"", feed, StringComparison.Ordinal);
        var certificate = await client.GetStringAsync("/certificates/sip-edge");
        Assert.DoesNotContain(Script, certificate, StringComparison.Ordinal);
        Assert.Contains("x&lt;script&gt;alert(1)&lt;/script&gt;", certificate, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_endpoints_page_shows_the_last_probe_with_its_error_as_text()
    {
        var at = f.Rotor.Time.GetUtcNow();
        await f.Host.Store.ApplyAsync([SpecSerializer.ToStored(new Resource(ResourceKinds.Endpoint, "edge-tls",
            new EndpointSpec("127.0.0.1", 5061, "sip.example.test", true), new ResourceSource("/tmp/e.yaml", 1)), at)], at, default);
        await f.Host.Store.SaveEndpointProbeAsync(new EndpointProbeRecord("edge-tls", at, "sip-edge", false, ProbeFailure.Handshake, null, false, null, null,
            "peer said " + Script), default);
        using var client = await f.Server.LoginAsync(DashboardFixture.Viewer);
        var page = await client.GetStringAsync("/endpoints");
        Assert.Contains("<th scope=\"row\">edge-tls</th><td>127.0.0.1:5061</td><td>sip.example.test</td>", page, StringComparison.Ordinal);
        Assert.Contains("Handshake</span> peer said &lt;script&gt;alert(1)&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain(Script, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_certificate_name_in_the_path_is_a_404_with_the_name_as_text()
    {
        using var client = await f.Server.LoginAsync(DashboardFixture.Viewer);
        var response = await client.GetAsync("/certificates/" + Uri.EscapeDataString(Script));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Script, body, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", body, StringComparison.Ordinal);
    }
}
