using Org.BouncyCastle.Asn1.Cmp;
using Rotor.Cmp;
using Rotor.Cmp.Messages;

namespace Rotor.Tests.Cmp;

public class CmpStatusTests
{
    [Theory]
    [InlineData(0, CmpStatus.Accepted, "accepted")]
    [InlineData(1, CmpStatus.GrantedWithMods, "grantedWithMods")]
    [InlineData(2, CmpStatus.Rejection, "rejection")]
    [InlineData(3, CmpStatus.Waiting, "waiting")]
    [InlineData(4, CmpStatus.RevocationWarning, "revocationWarning")]
    [InlineData(5, CmpStatus.RevocationNotification, "revocationNotification")]
    [InlineData(6, CmpStatus.KeyUpdateWarning, "keyUpdateWarning")]
    public void Every_pkiStatus_maps_to_its_enum_value_and_text(int wire, CmpStatus status, string text)
    {
        var decoded = CmpStatusInfo.Decode(new PkiStatusInfo(wire));
        Assert.Equal(status, decoded.Status);
        Assert.Equal(text, CmpStatusText.Describe(decoded.Status));
    }

    [Fact]
    public void A_status_outside_the_rfc_is_refused()
    {
        var e = Assert.Throws<CmpException>(() => CmpStatusInfo.Decode(new PkiStatusInfo(7)));
        Assert.Equal(CmpReasons.Malformed, e.Reason);
        Assert.Contains("PKIStatus 7", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_info_decodes_status_strings_and_failInfo_together()
    {
        var info = new PkiStatusInfo(2, new PkiFreeText(["enrollment not authorized", "ask the RA"]), new PkiFailureInfo(PkiFailureInfo.NotAuthorized));

        var decoded = CmpStatusInfo.Decode(info);

        Assert.Equal(CmpFailInfo.NotAuthorized, decoded.FailInfo);
        Assert.Equal(["enrollment not authorized", "ask the RA"], decoded.StatusStrings);
        Assert.Equal("rejection; failInfo notAuthorized; \"enrollment not authorized; ask the RA\"", decoded.Describe());
    }

    [Theory]
    [InlineData(CmpFailInfo.NotAuthorized, false)]
    [InlineData(CmpFailInfo.BadPop, false)]
    [InlineData(CmpFailInfo.SystemUnavail, true)]
    [InlineData(CmpFailInfo.SystemFailure | CmpFailInfo.BadRequest, true)]
    public void Only_the_servers_own_trouble_makes_a_rejection_transient(CmpFailInfo failInfo, bool transient)
    {
        var e = CmpException.FromStatus("rejected", CmpReasons.Rejected, new CmpStatusInfo(CmpStatus.Rejection, failInfo, []));
        Assert.Equal(transient, e.IsTransient);
        Assert.Equal(CmpStatus.Rejection, e.Status);
        Assert.Equal(CmpFailInfoText.Describe(failInfo), e.FailInfoText);
    }
}
