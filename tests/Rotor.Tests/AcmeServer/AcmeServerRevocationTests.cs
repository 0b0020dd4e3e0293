using Rotor.AcmeServer;

namespace Rotor.Tests.AcmeServer;

public class AcmeServerRevocationTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("keyCompromise", 1)]
    [InlineData("KEYCOMPROMISE", 1)]
    [InlineData("superseded", 4)]
    [InlineData("cessationOfOperation", 5)]
    [InlineData("10", 10)]
    [InlineData("aACompromise", 10)]
    public void A_crl_reason_is_read_from_its_code_or_its_name(string text, int code) =>
        Assert.Equal(code, AcmeServerRevocation.ParseReason(text));

    [Theory]
    [InlineData("7")]
    [InlineData("11")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("compromised")]
    [InlineData(" 1")]
    public void Code_7_numbers_out_of_range_and_unknown_names_are_no_reason(string text) =>
        Assert.Null(AcmeServerRevocation.ParseReason(text));

    [Theory]
    [InlineData("00ab:CD:01", "abcd01")]
    [InlineData("ABCD01", "abcd01")]
    [InlineData("0000", "0")]
    public void A_serial_is_compared_without_colons_case_or_leading_zeros(string given, string normalized) =>
        Assert.Equal(normalized, AcmeServerRevocation.NormalizeSerial(given));
}
