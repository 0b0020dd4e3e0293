using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;

namespace Rotor.Cmp.Messages;

/// <summary>A decoded PKIStatusInfo: status, failInfo bits and the statusString lines.</summary>
public sealed record CmpStatusInfo(CmpStatus Status, CmpFailInfo FailInfo, IReadOnlyList<string> StatusStrings)
{
    /// <summary>e.g. <c>rejection; failInfo notAuthorized; "enrollment not authorized"</c>.</summary>
    public string Describe()
    {
        var text = CmpStatusText.Describe(Status);
        if (FailInfo != CmpFailInfo.None) text += "; failInfo " + CmpFailInfoText.Describe(FailInfo);
        if (StatusStrings.Count > 0) text += "; \"" + string.Join("; ", StatusStrings) + "\"";
        return text;
    }

    public override string ToString() => Describe();

    /// <summary>
    /// PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL,
    /// failInfo PKIFailureInfo OPTIONAL }.
    /// </summary>
    internal static CmpStatusInfo Decode(PkiStatusInfo info)
    {
        // PkiStatusInfo.Status is the INTEGER's value; one that does not fit an int is no status either.
        if (info.Status.BitLength > 31 || !CmpStatusText.TryFromWire(info.Status.IntValue, out var status))
        {
            throw CmpException.Refused($"PKIStatus {CmpDecode.Describe(info.Status)} is not a known status (0..6)", CmpReasons.Malformed);
        }
        // The server's text goes into messages, logs and the stored state: a few lines, quoted.
        return CmpDecode.Run("PKIStatusInfo", () => new CmpStatusInfo(status, CmpFailInfoText.Decode(info.FailInfo), CmpText.Lines(info.StatusString)));
    }

    internal static PkiStatusInfo Encode(CmpStatus status, string? text = null, CmpFailInfo failInfo = CmpFailInfo.None) =>
        failInfo == CmpFailInfo.None
            ? text is null ? new PkiStatusInfo((int)status) : new PkiStatusInfo((int)status, new PkiFreeText(text))
            : new PkiStatusInfo((int)status, text is null ? null : new PkiFreeText(text), new PkiFailureInfo(CmpFailInfoText.Encode(failInfo)));
}
