using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Rotor.Cmp.Messages;

namespace Rotor.Tests.Cmp;

public class CmpFailInfoTests
{
    [Theory]
    [InlineData(new byte[] { 0x80 }, 7, CmpFailInfo.BadAlg)]                        // bit 0: first octet's MSB
    [InlineData(new byte[] { 0x20 }, 5, CmpFailInfo.BadRequest)]                    // bit 2
    [InlineData(new byte[] { 0x00, 0x40 }, 6, CmpFailInfo.BadPop)]                  // bit 9
    [InlineData(new byte[] { 0x00, 0x00, 0x01 }, 0, CmpFailInfo.NotAuthorized)]     // bit 23: last bit of octet 3
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x20 }, 5, CmpFailInfo.DuplicateCertReq)] // bit 26
    [InlineData(new byte[] { 0xA0 }, 5, CmpFailInfo.BadAlg | CmpFailInfo.BadRequest)]
    public void Bits_are_numbered_from_the_most_significant_bit_of_the_first_octet(byte[] octets, int padBits, CmpFailInfo expected)
    {
        Assert.Equal(expected, CmpFailInfoText.Decode(new DerBitString(octets, padBits)));
    }

    [Fact]
    public void Pad_bits_are_not_read_as_set_bits()
    {
        // A sloppy encoder may leave garbage in the pad bits; they are not failure bits.
        Assert.Equal(CmpFailInfo.BadAlg, CmpFailInfoText.Decode(new DerBitString([0x80], 7)));
        Assert.Equal(CmpFailInfo.None, CmpFailInfoText.Decode(null));
    }

    [Fact]
    public void BouncyCastle_encodings_of_every_named_bit_decode_to_the_same_bit()
    {
        // PkiFailureInfo's constants are the BIT STRING's integer form; its DER must decode to the bit of the same name.
        (int Bc, CmpFailInfo Ours)[] pairs =
        [
            (PkiFailureInfo.BadAlg, CmpFailInfo.BadAlg), (PkiFailureInfo.BadMessageCheck, CmpFailInfo.BadMessageCheck),
            (PkiFailureInfo.BadPop, CmpFailInfo.BadPop), (PkiFailureInfo.BadRecipientNonce, CmpFailInfo.BadRecipientNonce),
            (PkiFailureInfo.BadCertTemplate, CmpFailInfo.BadCertTemplate), (PkiFailureInfo.NotAuthorized, CmpFailInfo.NotAuthorized),
            (PkiFailureInfo.SystemUnavail, CmpFailInfo.SystemUnavail), (PkiFailureInfo.DuplicateCertReq, CmpFailInfo.DuplicateCertReq),
        ];
        foreach (var (bc, ours) in pairs)
        {
            var der = new PkiFailureInfo(bc).GetDerEncoded();
            Assert.Equal(ours, CmpFailInfoText.Decode(DerBitString.GetInstance(Asn1Object.FromByteArray(der))));
        }
    }

    [Fact]
    public void Encoding_round_trips_every_bit_and_is_minimal_der()
    {
        for (var bit = 0; bit <= 26; bit++)
        {
            var flag = (CmpFailInfo)(1 << bit);
            var encoded = CmpFailInfoText.Encode(flag);
            Assert.Equal(bit / 8 + 1, encoded.GetBytes().Length);
            Assert.Equal(flag, CmpFailInfoText.Decode(DerBitString.GetInstance(Asn1Object.FromByteArray(encoded.GetDerEncoded()))));
        }
        Assert.Equal([0x03, 0x04, 0x00, 0x00, 0x00, 0x01], new PkiFailureInfo(CmpFailInfoText.Encode(CmpFailInfo.NotAuthorized)).GetDerEncoded()[..6]);
    }

    [Fact]
    public void Text_uses_the_rfc_names_in_bit_order()
    {
        Assert.Equal("badAlg", CmpFailInfoText.Describe(CmpFailInfo.BadAlg));
        Assert.Equal("badPOP, notAuthorized", CmpFailInfoText.Describe(CmpFailInfo.NotAuthorized | CmpFailInfo.BadPop));
        Assert.Equal("duplicateCertReq", CmpFailInfoText.Describe(CmpFailInfo.DuplicateCertReq));
        Assert.Equal("", CmpFailInfoText.Describe(CmpFailInfo.None));
    }
}
