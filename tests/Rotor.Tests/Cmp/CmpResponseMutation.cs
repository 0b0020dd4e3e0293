using CsCheck;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;

namespace Rotor.Tests.Cmp;

internal enum CmpMutationKind
{
    // Anywhere in the message, picked by position in document order.
    ReplaceNode, RemoveNode, DuplicateNode, RetagNode,
    // At the places a client reads.
    PbmIterations, Pvno, Status, StatusStrings, CheckAfter, IssuedCertificate, ManyExtraCerts, ManyCaPubs, SignerKey, BodyType,
    // On the bytes, after protection.
    FlipBytes, TruncateMessage, InsertBytes, HugeLength,
}

/// <summary>
/// One change to response number <see cref="Exchange"/> of a transaction. Changes to the
/// structure are protected again afterwards (with the server's secret or key), so they reach
/// the client's decoding behind a protection that verifies; byte changes are sent as they are.
/// </summary>
internal sealed record CmpMutation(int Exchange, CmpMutationKind Kind, int Pick, int Value, int Where)
{
    public static readonly Gen<CmpMutation> Gen = CsCheck.Gen.Select(
        CsCheck.Gen.Int[0, 2], CsCheck.Gen.Enum<CmpMutationKind>(), CsCheck.Gen.Int[0, 4095], CsCheck.Gen.Int[0, 4095], CsCheck.Gen.Int[0, 1 << 16],
        (exchange, kind, pick, value, where) => new CmpMutation(exchange, kind, pick, value, where));

    public byte[] Apply(byte[] der, FakeCmpServer server)
    {
        // An earlier change may have cut the message to (almost) nothing: nothing left to change.
        if (der.Length < 2) return der;
        switch (Kind)
        {
            case CmpMutationKind.FlipBytes:
                var copy = (byte[])der.Clone();
                for (var i = 0; i <= Pick % 8; i++) copy[(Where + i * (Value + 1)) % copy.Length] ^= (byte)(Value % 255 + 1);
                return copy;
            case CmpMutationKind.TruncateMessage:
                return der[..(Where % der.Length)];
            case CmpMutationKind.InsertBytes:
                var at = Where % der.Length;
                return [.. der[..at], .. BitConverter.GetBytes(Value * 2654435761u), .. der[at..]];
            case CmpMutationKind.HugeLength:
                // A length field of 2^31 - 1 bytes for the outermost SEQUENCE, or for one near the start.
                var position = Pick % 2 == 0 ? 1 : 1 + Where % Math.Min(64, der.Length - 1);
                return [.. der[..position], 0x84, 0x7F, 0xFF, 0xFF, 0xFF, .. der[(position + 1)..]];
        }
        DerNode root;
        try
        {
            root = DerNode.Parse(der);
        }
        catch (Exception e) when (e is System.Formats.Asn1.AsnContentException or ArgumentException)
        {
            // An earlier change left no DER to work on.
            return der;
        }
        if (!Change(root)) return der;
        return Reprotect(root.Encode(), server);
    }

    /// <summary>Changes the tree; false when the message has no such place (another body type).</summary>
    private bool Change(DerNode root)
    {
        var header = root.At(0);
        var body = root.At(1)?.At(0);
        var certResponse = body?.Children?.LastOrDefault()?.At(0);
        var extraCerts = root.Children?.Skip(2).FirstOrDefault(c => c.Identifier == 0xA1)?.At(0);
        DerNode? target;
        switch (Kind)
        {
            case CmpMutationKind.ReplaceNode or CmpMutationKind.RemoveNode or CmpMutationKind.DuplicateNode or CmpMutationKind.RetagNode:
                var all = root.All().Skip(1).ToList();
                if (all.Count == 0) return false;
                target = all[Pick % all.Count];
                if (Kind == CmpMutationKind.ReplaceNode) target.ReplaceWith(CmpHostileValues.Make(Value, target));
                else if (Kind == CmpMutationKind.RemoveNode) target.Parent!.Children!.Remove(target);
                else if (Kind == CmpMutationKind.DuplicateNode) target.Parent!.Children!.Insert(target.Parent.Children.IndexOf(target), target.Clone());
                else target.Tag = [(byte)(Value % 256 is 0 or 0x1F or 0x3F or 0x5F or 0x7F or 0x9F or 0xBF or 0xDF or 0xFF ? 0x04 : Value % 256)];
                return true;
            case CmpMutationKind.PbmIterations:
                target = header?.Children?.Skip(3).FirstOrDefault(c => c.Identifier == 0xA1)?.At(0, 1, 2);
                return Replace(target, CmpHostileValues.Integer(CmpHostileValues.Integers[Value % CmpHostileValues.Integers.Length]));
            case CmpMutationKind.Pvno:
                return Replace(header?.At(0), CmpHostileValues.Integer(CmpHostileValues.Integers[Value % CmpHostileValues.Integers.Length]));
            case CmpMutationKind.Status:
                return Replace(certResponse?.At(1, 0), CmpHostileValues.Integer(CmpHostileValues.Integers[Value % CmpHostileValues.Integers.Length]));
            case CmpMutationKind.StatusStrings:
                if (certResponse?.At(1) is not { Children: { } info }) return false;
                // Up to 100 lines of up to 10 KB: a megabyte at most, as much as the HTTP transport lets through.
                var line = DerNode.Leaf(0x0C, System.Text.Encoding.UTF8.GetBytes(new string('x', 1 + Value % 100 * 100) + "\r\nforged"));
                var strings = DerNode.Constructed(0x30, Enumerable.Range(0, 1 + Pick % 100).Select(_ => line.Clone()));
                strings.Parent = certResponse.At(1);
                info.Insert(1, strings);
                return true;
            case CmpMutationKind.CheckAfter:
                return Replace(body?.At(0, 1), CmpHostileValues.Integer(CmpHostileValues.Integers[Value % CmpHostileValues.Integers.Length]));
            case CmpMutationKind.IssuedCertificate:
                // CertResponse { certReqId, status, certifiedKeyPair { certOrEncCert [0] { certificate } } }
                target = certResponse?.At(2, 0, 0);
                if (target is null) return false;
                var inner = target.All();
                inner[Pick % inner.Count].ReplaceWith(CmpHostileValues.Make(Value, inner[Pick % inner.Count]));
                return true;
            case CmpMutationKind.ManyExtraCerts or CmpMutationKind.ManyCaPubs:
                target = Kind == CmpMutationKind.ManyExtraCerts ? extraCerts : body?.Children?.FirstOrDefault(c => c.Identifier == 0xA1)?.At(0);
                if (target is not { Children: [var first, ..] }) return false;
                var copy = first.Encode();
                for (var i = 0; i < (Value % 2 == 0 ? 33 : 300); i++) target.Children.Add(DerNode.Parse(copy));
                return true;
            case CmpMutationKind.SignerKey:
                return Replace(extraCerts?.At(0, 0, 6), CmpHostileValues.HostileKey(Value));
            case CmpMutationKind.BodyType:
                if (root.At(1) is not { } tagged) return false;
                tagged.Tag = [(byte)(0xA0 | (Value % 31))];
                return true;
            default:
                return false;
        }
    }

    private static bool Replace(DerNode? target, DerNode replacement)
    {
        if (target?.Parent is null) return false;
        target.ReplaceWith(replacement);
        return true;
    }

    /// <summary>Changes a response's tree and, when <paramref name="reprotect"/>, protects it again as the server would.</summary>
    public static byte[] Edit(byte[] der, FakeCmpServer server, Action<DerNode> change, bool reprotect = true)
    {
        var root = DerNode.Parse(der);
        change(root);
        return reprotect ? Reprotect(root.Encode(), server) : root.Encode();
    }

    /// <summary>
    /// Protects the changed message again as the server would, when BouncyCastle can still read
    /// it; otherwise (or when the server will not compute its PBMParameter) it goes as it is.
    /// </summary>
    private static byte[] Reprotect(byte[] der, FakeCmpServer server)
    {
        try
        {
            var message = PkiMessage.GetInstance(Asn1Object.FromByteArray(der));
            var part = new ProtectedPart(message.Header, message.Body).GetEncoded(Asn1Encodable.Der);
            if (server.Protection(message.Header, part) is not { } protection) return der;
            var extra = message.GetExtraCerts();
            return (extra is null
                ? new PkiMessage(message.Header, message.Body, new DerBitString(protection))
                : new PkiMessage(message.Header, message.Body, new DerBitString(protection), extra)).GetEncoded(Asn1Encodable.Der);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or InvalidOperationException or ArithmeticException
            or NullReferenceException or IndexOutOfRangeException)
        {
            return der;
        }
    }
}
