using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CsCheck;
using Rotor.Certificates;
using Rotor.Core.Validation;
using Rotor.Tests.Certificates;
using Rotor.Tests.Validation;

namespace Rotor.Tests.Fuzz;

/// <summary>
/// Random mutations of good certificates, PEM, keys and chains into the PEM reader and the
/// validator: nothing may escape as an exception, every report lists every rule, and a run stays
/// within a generous time bound. CI-sized (a few seconds in all); ROTOR_FUZZ_SCALE runs longer.
/// </summary>
public sealed class CertificateFuzzTests
{
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(2);

    /// <summary>One edit: 0 set a byte, 1 flip a bit, 2 delete a byte, 3 insert a byte, 4 truncate.</summary>
    private readonly record struct Edit(int Kind, int Position, byte Value);

    private static readonly Gen<Edit[]> Edits =
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Byte, (k, p, v) => new Edit(k, p, v)).Array[1, 4];

    private static byte[] Apply(byte[] seed, Edit[] edits)
    {
        var bytes = new List<byte>(seed);
        foreach (var e in edits)
        {
            if (bytes.Count == 0) break;
            var at = e.Position % bytes.Count;
            switch (e.Kind)
            {
                case 0: bytes[at] = e.Value; break;
                case 1: bytes[at] ^= (byte)(1 << (e.Value % 8)); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.Insert(at, e.Value); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return [.. bytes];
    }

    private static readonly Lazy<byte[][]> DerSeeds = new(() =>
    [
        MalformedCertificates.SmallLeaf().Certificate.RawData,
        TestPki.CreateLeaf(new LeafOptions { IpAddresses = [System.Net.IPAddress.Parse("192.0.2.1")] }).Certificate.RawData,
        TestPki.CreateLeaf(new LeafOptions { KeyType = TestKeyType.Rsa2048 }).Certificate.RawData,
        TestPki.Intermediate.Certificate.RawData,
    ]);

    /// <summary>Validates whatever the PEM reader makes of <paramref name="pem"/>, as rotor verify does.</summary>
    private static void ReadAndValidate(string pem)
    {
        var clock = Stopwatch.StartNew();
        var read = PemReader.ReadCertificates(pem, PemLimits.Chain.MaxCertificates);
        if (read.Error is not null || read.Blocks == 0) return;
        var report = read.FirstDecodes
            ? CertificateValidator.Validate(ValidationFixtures.Good() with
            {
                Leaf = read.Certificates[0],
                Chain = [.. read.Certificates.Skip(1), TestPki.Intermediate.Certificate, TestPki.Root.Certificate],
                DecodeProblems = read.Undecodable,
            })
            : CertificateValidator.NotDecodable(read.Undecodable);
        Assert.Equal(ValidationRules.All, report.Results.Select(r => r.Rule));
        Assert.All(report.Results, r => Assert.False(string.IsNullOrWhiteSpace(r.Message)));
        foreach (var c in read.Certificates)
        {
            CertificateNames.TryRead(c, out _, out _);
            CertificateValidator.DescribeKey(c);
        }
        Assert.True(clock.Elapsed < PerInput, $"took {clock.Elapsed}");
    }

    [Fact]
    public void Mutated_certificate_der_never_escapes_the_reader_or_the_validator()
    {
        var seeds = DerSeeds.Value;
        var iterations = FuzzRun.Iterations(300);
        var tried = 0;
        Gen.Select(Gen.Int[0, seeds.Length - 1], Edits).Sample(
            t =>
            {
                Interlocked.Increment(ref tried);
                ReadAndValidate(MalformedCertificates.Pem(Apply(seeds[t.Item1], t.Item2)));
            },
            iter: iterations, threads: 1);
        Assert.Equal(iterations, tried);
        FuzzRun.Record("certificate", tried);
    }

    /// <summary>Good values of the extensions the rules read, to mutate; and good key parameters and points.</summary>
    private static readonly Lazy<(string Oid, byte[] Value)[]> ExtensionSeeds = new(() =>
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("sip.example.com");
        san.AddIpAddress(System.Net.IPAddress.Parse("2001:db8::1"));
        san.AddUri(new Uri("sip:sip.example.com"));
        var leaf = TestPki.CreateLeaf();
        return
        [
            (MalformedCertificates.San, san.Build().RawData),
            (MalformedCertificates.Eku, new X509EnhancedKeyUsageExtension([new Oid(LeafOptions.ServerAuthOid)], false).RawData),
            (MalformedCertificates.Ku, new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true).RawData),
            (MalformedCertificates.Bc, new X509BasicConstraintsExtension(true, true, 3, true).RawData),
            ("2.5.29.14", new X509SubjectKeyIdentifierExtension(leaf.Certificate.PublicKey, false).RawData),
            ("2.5.29.35", X509AuthorityKeyIdentifierExtension.CreateFromCertificate(TestPki.Root.Certificate, true, true).RawData),
            ("1.2.840.10045.2.1", TestPki.CreateLeaf().Certificate.PublicKey.EncodedKeyValue.RawData), // an EC point
            ("1.2.840.113549.1.1.1", TestPki.CreateLeaf(new LeafOptions { KeyType = TestKeyType.Rsa2048 }).Certificate.PublicKey.EncodedKeyValue.RawData),
        ];
    });

    [Fact]
    public void Mutated_extensions_and_public_keys_in_properly_signed_certificates_fail_rules_not_the_validator()
    {
        var seeds = ExtensionSeeds.Value;
        var p256 = TestPki.CreateLeaf().Certificate.PublicKey.EncodedParameters!;
        var iterations = FuzzRun.Iterations(150);
        var tried = 0;
        Gen.Select(Gen.Int[0, seeds.Length - 1], Edits, Gen.Bool).Sample(
            t =>
            {
                Interlocked.Increment(ref tried);
                var (oid, value) = seeds[t.Item1];
                var mutated = Apply(value, t.Item2);
                // Key seeds go into the SubjectPublicKeyInfo (EC with mutated curve parameters half the time); the rest are
                // extensions, each replacing the good one of its kind. CertificateRequest signs whatever it is given.
                TestLeaf leaf;
                try
                {
                    leaf = oid switch
                    {
                        "1.2.840.10045.2.1" => TestPki.CreateLeaf(new LeafOptions
                        {
                            PublicKey = new PublicKey(new Oid(oid), t.Item3 ? new AsnEncodedData(Apply(p256.RawData, t.Item2)) : p256, new AsnEncodedData(mutated)),
                        }),
                        "1.2.840.113549.1.1.1" => TestPki.CreateLeaf(new LeafOptions
                        {
                            PublicKey = new PublicKey(new Oid(oid), new AsnEncodedData([0x05, 0x00]), new AsnEncodedData(mutated)),
                        }),
                        "2.5.29.14" or "2.5.29.35" => TestPki.CreateLeaf(new LeafOptions { KeyIdentifiers = false, ExtraExtensions = [new X509Extension(oid, mutated, t.Item3)] }),
                        _ => MalformedCertificates.Leaf(new X509Extension(oid, mutated, t.Item3)),
                    };
                }
                catch (CryptographicException)
                {
                    return; // CertificateRequest refuses to encode key parameters that are not one DER value: no certificate to test
                }
                var report = CertificateValidator.Validate(ValidationFixtures.Good(leaf));
                Assert.Equal(ValidationRules.All, report.Results.Select(r => r.Rule));
            },
            iter: iterations, threads: 1);
        FuzzRun.Record("certificate-extension", tried);
    }

    private static readonly Gen<char> PemChars = Gen.OneOf(['-', '-', '-', 'B', 'E', 'G', 'I', 'N', 'D', ' ', '\n', '\r', 'A', '=', '/', '!', '\0', 'é']);

    [Fact]
    public void Mutated_pem_text_never_escapes_the_reader()
    {
        var text = MalformedCertificates.Pem(MalformedCertificates.SmallLeaf().Certificate, TestPki.Intermediate.Certificate);
        var iterations = FuzzRun.Iterations(2000);
        var tried = 0;
        Gen.Select(Gen.Int[0, text.Length], Gen.Int[0, 40], PemChars.Array[0, 12]).Array[1, 3].Sample(
            edits =>
            {
                Interlocked.Increment(ref tried);
                var s = text;
                foreach (var (at, remove, insert) in edits)
                {
                    var start = Math.Min(at, s.Length);
                    s = s.Remove(start, Math.Min(remove, s.Length - start)).Insert(start, new string(insert));
                }
                var scan = PemBlocks.Scan(s, 100);
                Assert.True(scan.Ok || scan.Error!.Length > 0);
                var read = PemReader.ReadCertificates(s, 100);
                Assert.True(read.Error is not null || read.Certificates.Count + read.Undecodable.Count == read.Blocks);
            },
            iter: iterations, threads: 1);
        FuzzRun.Record("certificate-pem", tried);
    }

    [Fact]
    public void Mutated_private_keys_fail_with_a_message_that_never_quotes_them()
    {
        var ec = (ECDsa)TestKeyType.EcP256.Create();
        var rsa = (RSA)TestKeyType.Rsa1024.Create();
        (string Label, byte[] Der)[] seeds =
        [
            ("PRIVATE KEY", ec.ExportPkcs8PrivateKey()),
            ("EC PRIVATE KEY", ec.ExportECPrivateKey()),
            ("RSA PRIVATE KEY", rsa.ExportRSAPrivateKey()),
            ("PRIVATE KEY", rsa.ExportPkcs8PrivateKey()),
        ];
        var iterations = FuzzRun.Iterations(1000);
        var tried = 0;
        Gen.Select(Gen.Int[0, seeds.Length - 1], Edits).Sample(
            t =>
            {
                Interlocked.Increment(ref tried);
                var (label, der) = seeds[t.Item1];
                var mutated = Apply(der, t.Item2);
                var pem = PemEncoding.WriteString(label, mutated);
                using var key = PrivateKeyPem.TryRead(pem, out var problem, out _);
                if (key is not null) return;
                Assert.False(string.IsNullOrWhiteSpace(problem));
                var body = Convert.ToBase64String(mutated);
                if (body.Length >= 12) Assert.DoesNotContain(body[..12], problem, StringComparison.Ordinal);
            },
            iter: iterations, threads: 1);
        FuzzRun.Record("certificate-key", tried);
    }

    [Fact]
    public void Random_chains_never_escape_the_validator_and_past_the_cap_fail_chain_length()
    {
        var otherRoot = TestPki.CreateRoot("CN=Rotor Fuzz Other Root, O=Rotor Test").Certificate;
        var fiveByteIp = MalformedCertificates.Leaf(MalformedCertificates.FiveByteIp).Certificate;
        X509Certificate2[] pool = [TestPki.Root.Certificate, TestPki.Intermediate.Certificate, otherRoot, fiveByteIp, MalformedCertificates.SmallLeaf().Certificate];
        var iterations = FuzzRun.Iterations(100);
        var tried = 0;
        Gen.Int[0, pool.Length - 1].Array[0, 14].Sample(
            picks =>
            {
                Interlocked.Increment(ref tried);
                var report = CertificateValidator.Validate(ValidationFixtures.Good() with { Chain = [.. picks.Select(i => pool[i])] });
                Assert.Equal(ValidationRules.All, report.Results.Select(r => r.Rule));
                var length = report.Results.Single(r => r.Rule == ValidationRules.ChainLength);
                Assert.Equal(picks.Length > CertificateValidator.MaxChainLength ? RuleStatus.Failed : RuleStatus.Passed, length.Status);
            },
            iter: iterations, threads: 1);
        FuzzRun.Record("certificate-chain", tried);
    }
}
