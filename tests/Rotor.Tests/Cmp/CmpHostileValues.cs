using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Rotor.Tests.Cmp;

/// <summary>DER values a broken or hostile CMP server might put anywhere in a response.</summary>
internal static class CmpHostileValues
{
    /// <summary>Integers around the edges of int, long and beyond, up to 100 KB long.</summary>
    public static readonly BigInteger[] Integers =
    [
        0, -1, 1, 7, 100_001, int.MaxValue, (BigInteger)int.MaxValue + 1, (BigInteger)int.MinValue - 1,
        BigInteger.Pow(2, 63), BigInteger.Pow(2, 64), BigInteger.Pow(2, 8000), BigInteger.Pow(2, 800_000) - 1, -BigInteger.Pow(2, 1000),
    ];

    public static DerNode Integer(BigInteger value) => DerNode.Leaf(0x02, value.ToByteArray(isUnsigned: false, isBigEndian: true));

    private static readonly Func<DerNode, DerNode>[] Makers =
    [
        _ => DerNode.Leaf(0x05, []),
        _ => DerNode.Constructed(0x30, []),
        _ => DerNode.Constructed(0x30, Enumerable.Range(0, 10_000).Select(_ => DerNode.Leaf(0x05, []))),
        _ => Nested(60),
        _ => Nested(3000),
        _ => DerNode.Leaf(0x04, []),
        _ => DerNode.Leaf(0x04, new byte[100_000]),
        _ => DerNode.Leaf(0x03, [7]),
        _ => DerNode.Leaf(0x03, [0, 0xDE, 0xAD]),
        _ => DerNode.Leaf(0x06, [0x2A, 0x03]),
        _ => DerNode.Leaf(0x06, [0x2A, 0x86, 0x48, 0x86, 0xF6, 0x7D, 0x07, 0x42, 0x0D]),
        _ => DerNode.Leaf(0x06, [0x80]),
        _ => DerNode.Leaf(0x0C, Encoding.UTF8.GetBytes(new string('s', 200_000))),
        _ => DerNode.Leaf(0x0C, Encoding.UTF8.GetBytes("line\r\nforged: yes \u001b[31m")),
        _ => DerNode.Leaf(0x0C, [0xC3, 0x28, 0xFF]),
        _ => DerNode.Leaf(0x18, Encoding.ASCII.GetBytes("99991231235959Z")),
        _ => DerNode.Leaf(0x18, Encoding.ASCII.GetBytes("garbage")),
        _ => DerNode.Constructed(0xBE, [DerNode.Leaf(0x05, [])]),
        _ => DerNode.Leaf(0x80, [1, 2, 3]),
        _ => DerNode.Leaf(0x01, [0xFF]),
        n => DerNode.Constructed(0x30, [n.Clone()]),
        n => DerNode.Constructed(0x30, Enumerable.Range(0, 40).Select(_ => n.Clone())),
        n => n.Children is null ? DerNode.Leaf(n.Tag[0], n.Content.Length > 1 ? n.Content[..(n.Content.Length / 2)] : []) : DerNode.Constructed(n.Tag[0], []),
    ];

    public static int Count => Integers.Length + Makers.Length;

    /// <summary>Hostile value number <paramref name="pick"/> (modulo <see cref="Count"/>), some made from <paramref name="original"/>.</summary>
    public static DerNode Make(int pick, DerNode original)
    {
        pick %= Count;
        return pick < Integers.Length ? Integer(Integers[pick]) : Makers[pick - Integers.Length](original);
    }

    private static DerNode Nested(int depth)
    {
        var node = DerNode.Leaf(0x05, []);
        for (var i = 0; i < depth; i++) node = DerNode.Constructed(0x30, [node]);
        return node;
    }

    /// <summary>
    /// SubjectPublicKeyInfos whose use would cost CPU or that no CMP server uses: RSA with a
    /// 40,000-bit modulus or a huge exponent, EC with explicit curve parameters, DSA.
    /// </summary>
    public static DerNode HostileKey(int pick)
    {
        DerNode AlgorithmId(byte[] oid, DerNode? parameters) =>
            DerNode.Constructed(0x30, parameters is null ? [DerNode.Leaf(0x06, oid)] : [DerNode.Leaf(0x06, oid), parameters]);
        DerNode Spki(DerNode algorithm, byte[] key) => DerNode.Constructed(0x30, [algorithm, DerNode.Leaf(0x03, [0, .. key])]);
        byte[] RsaKey(BigInteger modulus, BigInteger exponent) =>
            DerNode.Constructed(0x30, [Integer(modulus), Integer(exponent)]).Encode();
        byte[] rsa = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
        byte[] ec = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
        byte[] dsa = [0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01];
        var odd = new BigInteger(RandomNumberGenerator.GetBytes(5000), isUnsigned: true) | 1;
        return (pick % 4) switch
        {
            0 => Spki(AlgorithmId(rsa, DerNode.Leaf(0x05, [])), RsaKey(odd, 65537)),
            1 => Spki(AlgorithmId(rsa, DerNode.Leaf(0x05, [])), RsaKey(BigInteger.Pow(2, 2047) + 1, BigInteger.Pow(2, 4000) + 1)),
            2 => Spki(AlgorithmId(ec, DerNode.Constructed(0x30, [Integer(1), DerNode.Constructed(0x30, [DerNode.Leaf(0x06, [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x01, 0x01]), Integer(odd)])])),
                [0x04, .. new byte[64]]),
            _ => Spki(AlgorithmId(dsa, DerNode.Constructed(0x30, [Integer(odd), Integer(odd >> 8), Integer(2)])), Integer(3).Encode()),
        };
    }
}
