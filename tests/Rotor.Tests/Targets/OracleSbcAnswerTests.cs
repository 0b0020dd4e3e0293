using System.Text;
using Rotor.Targets;

namespace Rotor.Tests.Targets;

/// <summary>How the oracleSbc target quotes what the SBC answered: bounded, printable, never a secret.</summary>
public sealed class OracleSbcAnswerTests
{
    private static string Describe(string body, string password = "pw-secret", string? token = "tok-secret") =>
        OracleSbcTarget.Describe(Encoding.UTF8.GetBytes(body), password, token);

    [Fact]
    public void The_text_under_messages_is_quoted()
    {
        // The documented error answer: messages/errorMessage (Oracle SBC REST 8.3.0, "Get the status of last asynchronous request", 4xx Response).
        var body = "<response><data/><messages><errorMessage>Resource locked by another user</errorMessage></messages><links/></response>";
        Assert.Equal("Resource locked by another user", Describe(body));
    }

    [Fact]
    public void Every_text_under_messages_is_quoted_whatever_its_element()
    {
        var body = "<response><data/><messages><message>first</message><errorMessage>second</errorMessage></messages><links/></response>";
        Assert.Equal("first; second", Describe(body));
    }

    [Fact]
    public void An_echoed_password_or_token_is_censored()
    {
        var body = "<response><messages><errorMessage>bad login pw-secret with tok-secret</errorMessage></messages></response>";
        Assert.Equal("bad login *** with ***", Describe(body));
    }

    [Fact]
    public void A_body_that_is_not_xml_is_quoted_printable_and_bounded()
    {
        var text = Describe("upstream\nerror " + new string('x', 500));
        Assert.StartsWith("upstream error x", text);
        Assert.True(text.Length <= 201);
        Assert.DoesNotContain('\n', text);
    }

    [Fact]
    public void A_document_type_declaration_is_not_followed()
    {
        var body = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><response><messages>&x;</messages></response>";
        Assert.DoesNotContain("root:", Describe(body));
    }
}
