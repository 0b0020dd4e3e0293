using Rotor.Cmp;

namespace Rotor.Tests.Cmp;

public class CmpClientOptionsTests
{
    private sealed class NoTransport : Rotor.Cmp.Transport.ICmpTransport
    {
        public Task<byte[]> SendAsync(Uri server, byte[] request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    [Fact]
    public void A_message_timeout_above_the_total_timeout_is_refused_when_the_client_is_made()
    {
        var options = new CmpClientOptions { MessageTimeout = TimeSpan.FromMinutes(2), TotalTimeout = TimeSpan.FromMinutes(1) };

        var e = Assert.Throws<ArgumentException>(() => new CmpClient(new CmpServerGroup(new Uri("http://127.0.0.1:1/")), new NoTransport(), options));

        Assert.Contains("MessageTimeout", e.Message, StringComparison.Ordinal);
        Assert.Contains("TotalTimeout", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_reports_every_broken_rule()
    {
        var errors = new CmpClientOptions { MessageTimeout = TimeSpan.Zero, TotalTimeout = TimeSpan.FromSeconds(-1), MaxPolls = -1 }.Validate();
        Assert.Equal(4, errors.Count);
        Assert.Empty(new CmpClientOptions().Validate());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void A_server_group_holds_one_to_ten_urls(int count)
    {
        var urls = Enumerable.Range(0, count).Select(i => new Uri($"http://127.0.0.1:{18000 + i}/"));
        Assert.Throws<ArgumentException>(() => new CmpServerGroup(urls));
    }

    [Fact]
    public void A_server_group_refuses_urls_that_are_not_http()
    {
        Assert.Throws<ArgumentException>(() => new CmpServerGroup(new Uri("ftp://127.0.0.1/")));
    }

    [Fact]
    public void Failures_move_round_robin_and_a_stale_report_moves_nothing()
    {
        Uri a = new("http://127.0.0.1:1/"), b = new("http://127.0.0.1:2/"), c = new("http://127.0.0.1:3/");
        var group = new CmpServerGroup(a, b, c);

        Assert.Equal(a, group.Current);
        Assert.Equal(b, group.ReportFailure(a));
        Assert.Equal(b, group.ReportFailure(a)); // a second transaction that had started on a
        Assert.Equal(c, group.ReportFailure(b));
        Assert.Equal(a, group.ReportFailure(c));
    }
}
