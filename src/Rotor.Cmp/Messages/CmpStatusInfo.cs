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
        var value = info.Status.IntValueExact;
        if (!CmpStatusText.TryFromWire(value, out var status))
        {
            throw CmpException.Refused($"PKIStatus {value} is not a known status (0..6)", CmpReasons.Malformed);
        }
        var strings = new List<string>();
        if (info.StatusString is { } free)
        {
            for (var i = 0; i < free.Count; i++) strings.Add(free[i].GetString());
        }
        return new CmpStatusInfo(status, CmpFailInfoText.Decode(info.FailInfo), strings);
    }

    internal static PkiStatusInfo Encode(CmpStatus status, string? text = null, CmpFailInfo failInfo = CmpFailInfo.None) =>
        failInfo == CmpFailInfo.None
            ? text is null ? new PkiStatusInfo((int)status) : new PkiStatusInfo((int)status, new PkiFreeText(text))
            : new PkiStatusInfo((int)status, text is null ? null : new PkiFreeText(text), new PkiFailureInfo(CmpFailInfoText.Encode(failInfo)));
}
