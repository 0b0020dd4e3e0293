using System.Diagnostics;
using System.Text;
using CsCheck;
using Rotor.Core.Resources;
using Rotor.Tests.Resources;
using Mutation = Rotor.Tests.Resources.ManifestMutations.Mutation;

namespace Rotor.Tests.Fuzz;

/// <summary>
/// ManifestParser.Parse is total and bounded: for mutated valid manifests, random text and
/// random documents of Rotor's own keys, it returns (never throws) within a bound, every error
/// is printable, and every resource it accepts holds <see cref="SpecInvariants"/>.
/// </summary>
public class ManifestFuzzTests
{
    private static readonly TimeSpan MaxPerInput = TimeSpan.FromSeconds(2);

    /// <summary>One input: bytes as a file holds them (maybe not UTF-8), or text as a caller passes it (maybe with lone surrogates).</summary>
    public sealed record Input(string Source, byte[]? Bytes, string? Text)
    {
        public override string ToString() =>
            $"{Source}: " + (Text is not null ? Escaped(Text) : Convert.ToBase64String(Bytes!));
    }

    private static string Escaped(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) && c != '\n' || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    private static readonly Gen<Mutation> GenMutation = Gen.Select(
        Gen.Int[0, Mutation.Kinds - 1], Gen.Double[0, 1], Gen.Int[0, 1_000_000], Gen.Int[1, 200],
        (kind, position, payload, count) => new Mutation(kind, position, payload, count));

    private static readonly Gen<Input> GenMutated = Gen.Select(
        Gen.Int[0, ManifestMutations.Seeds.Count - 1], GenMutation.Array[1, 6],
        (seed, mutations) => new Input("mutated", ManifestMutations.Apply(Encoding.UTF8.GetBytes(ManifestMutations.Seeds[seed]), mutations), null));

    /// <summary>A valid manifest with one to three values swapped for odd ones: reaches every field's own checks.</summary>
    private static readonly Gen<Input> GenSwapped = Gen.Select(
        Gen.Int[0, ManifestMutations.Seeds.Count - 1],
        Gen.Select(Gen.Double[0, 1], Gen.Int[0, 1_000_000], (position, value) => new Mutation(Mutation.SwapValue, position, value, 1)).Array[1, 3],
        (seed, mutations) => new Input("swapped", ManifestMutations.Apply(Encoding.UTF8.GetBytes(ManifestMutations.Seeds[seed]), mutations), null));

    private const string Alphabet = "[]{}:,-&*!|>'\"#%@`?~ \n\n\n  \t\r.\\0123456789abcdexyzAEnul\u0000\u0007\u001b\u0085\ud800\udc00\ufffe\uffff\ufeffé";

    private static readonly Gen<Input> GenRandomText =
        Gen.Char[Alphabet].Array[0, 300].Select(chars => new Input("random", null, new string(chars)));

    private static readonly string[] Keys =
    [
        "acme", "server", "email", "caBundle", "externalAccountBinding", "keyID", "keySecretRef", "keyAlgorithm", "privateKey", "algorithm",
        "size", "solvers", "selector", "dnsNames", "dnsZones", "dns01", "http01", "listen", "webroot", "rfc2136", "nameserver", "tsigKeyName",
        "tsigSecretSecretRef", "exec", "command", "timeout", "webhook", "url", "authSecretRef", "propagationTimeout", "checkNameservers",
        "authoritativePort", "maxConcurrentOrders", "cmp", "servers", "protection", "sharedSecret", "reference", "secretRef", "signer",
        "certificate", "recipient", "subject", "country", "kurWindow", "start", "end", "timeZone", "polling", "maxPolls", "messageTimeout",
        "totalTimeout", "batchSize", "ca", "selfSigned", "backdate", "intermediate", "file", "path", "pkcs12", "passwordSecretRef", "mode",
        "keyMode", "reload", "signal", "name", "pidFile", "kamailio", "ctlSocket", "certificatePath", "privateKeyPath", "tlsEndpoint",
        "kamcmd", "minReloadInterval", "reloadAttempts", "reloadTimeout", "host", "port", "sni", "sip", "commonName", "ipAddresses", "uris",
        "duration", "renewBefore", "renewBeforePercentage", "rotationPolicy", "usages", "issuerRef", "kind", "deploy", "target", "endpoints",
        "role", "group", "rotation", "overlap", "waveSize", "stagger", "healthGate", "window", "successRate", "rollbackBelow",
        "probesPerSecond", "env", "\"\\0\"", "*a", "? [a]",
    ];

    private static readonly Gen<string> GenScalar = Gen.OneOf([.. ManifestMutations.Values]);
    private static readonly Gen<string> GenKey = Gen.OneOf(Keys);
    private static readonly Gen<string> GenList = GenScalar.Array[0, 4].Select(a => "[" + string.Join(", ", a) + "]");
    private static readonly Gen<string> GenFlatMap = Gen.Select(GenKey, Gen.OneOf(GenScalar, GenList), (k, v) => $"{k}: {v}")
        .Array[0, 6].Select(a => "{" + string.Join(", ", a) + "}");
    private static readonly Gen<string> GenMap = Gen.Select(GenKey, Gen.OneOf(GenScalar, GenList, GenFlatMap, GenFlatMap.Array[1, 3].Select(a => "[" + string.Join(", ", a) + "]")), (k, v) => $"{k}: {v}")
        .Array[0, 6].Select(a => "{" + string.Join(", ", a) + "}");

    private static readonly Gen<Input> GenDocument = Gen.Select(
        Gen.OneOf(ResourceKinds.All.ToArray()), Gen.Select(GenKey, Gen.OneOf(GenScalar, GenList, GenMap)).Array[1, 8],
        (kind, fields) => new Input("document", null,
            $"apiVersion: rotor/v1\nkind: {kind}\nmetadata: {{name: n}}\nspec:\n" + string.Concat(fields.Select(f => $"  {f.Item1}: {f.Item2}\n"))));

    [Fact]
    public void Every_seed_is_valid_and_holds_the_invariants()
    {
        foreach (var seed in ManifestMutations.Seeds)
        {
            var result = ManifestParser.Parse(seed, "seed.yaml");
            Assert.Empty(result.Errors);
            Assert.NotEmpty(result.Resources);
            foreach (var resource in result.Resources) SpecInvariants.Check(resource);
        }
    }

    [Fact]
    public void Parse_is_total_and_bounded_for_mutated_random_and_generated_manifests()
    {
        var iterations = FuzzRun.Iterations(3_000);
        var tried = 0;
        Gen.Frequency((4, GenMutated), (3, GenSwapped), (1, GenRandomText), (2, GenDocument))
            .Sample(input =>
            {
                Interlocked.Increment(ref tried);
                Check(input);
            }, iter: iterations, threads: 1);
        Assert.Equal(iterations, tried);
        FuzzRun.Record("manifest", tried);
    }

    /// <summary>Parses the input as bytes and as text, and checks what came back.</summary>
    private static void Check(Input input)
    {
        var bytes = input.Bytes ?? Encoding.UTF8.GetBytes(input.Text!);
        var text = input.Text ?? Encoding.UTF8.GetString(input.Bytes!);
        var clock = Stopwatch.StartNew();
        var results = new[] { ManifestParser.Parse(bytes, "f.yaml"), ManifestParser.Parse(text, "f.yaml") };
        Assert.True(clock.Elapsed < MaxPerInput, $"took {clock.Elapsed}");
        foreach (var result in results)
        {
            foreach (var error in result.Errors)
            {
                Assert.False(string.IsNullOrEmpty(error.Rule) || string.IsNullOrEmpty(error.Field), error.ToString());
                Assert.DoesNotMatch(@"[\x00-\x1F\x7F-\x9F]", error.ToString());
            }
            foreach (var resource in result.Resources) SpecInvariants.Check(resource);
        }
    }
}
