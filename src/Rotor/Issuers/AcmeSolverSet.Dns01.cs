using Rotor.Acme.Challenges;
using Rotor.Acme.Challenges.Dns01;
using Rotor.Core.Resources;
using Rotor.Keys;

namespace Rotor.Issuers;

internal sealed partial class AcmeSolverSet
{
    /// <summary>A DNS-01 solver for one manifest entry: the provider it names, with the propagation settings.</summary>
    private static async Task<IChallengeSolver> CreateDns01Async(Dns01SolverSpec spec, string baseDirectory, TimeProvider time, CancellationToken cancellationToken)
    {
        IDns01Provider provider;
        if (spec.Rfc2136 is { } rfc)
        {
            provider = new Rfc2136Provider(new Rfc2136Options
            {
                Server = rfc.Nameserver,
                KeyName = rfc.TsigKeyName,
                Algorithm = TsigAlgorithm(rfc.TsigAlgorithm),
                Secret = await SecretResolver.ResolveAsync(rfc.TsigSecretSecretRef, baseDirectory, cancellationToken),
            }, time);
        }
        else if (spec.Exec is { } exec)
        {
            provider = new ExecProvider(new ExecProviderOptions
            {
                Program = Path.IsPathRooted(exec.Command) || !exec.Command.Contains('/', StringComparison.Ordinal)
                    ? exec.Command
                    : Path.GetFullPath(Path.Combine(baseDirectory, exec.Command)),
                Timeout = exec.Timeout,
            }, time);
        }
        else
        {
            var hook = spec.Webhook!;
            provider = new WebhookProvider(new WebhookProviderOptions
            {
                Endpoint = new Uri(hook.Url),
                BearerToken = hook.AuthSecretRef is { } secret ? await SecretResolver.ResolveAsync(secret, baseDirectory, cancellationToken) : null,
            }, timeProvider: time);
        }
        return new Dns01Solver(provider, new Dns01SolverOptions
        {
            Resolvers = spec.Resolvers,
            CheckNameservers = spec.CheckNameservers,
            AuthoritativePort = spec.AuthoritativePort,
            PropagationTimeout = spec.PropagationTimeout,
        }, time);
    }

    /// <summary>cert-manager writes HMACSHA256; BIND and RFC 8945 write hmac-sha256. Both are accepted.</summary>
    private static string TsigAlgorithm(string name) =>
        name.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal) switch
        {
            "HMACSHA1" => "hmac-sha1",
            "HMACSHA384" => "hmac-sha384",
            "HMACSHA512" => "hmac-sha512",
            _ => "hmac-sha256",
        };
}
