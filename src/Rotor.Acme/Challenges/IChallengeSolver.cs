namespace Rotor.Acme.Challenges;

/// <summary>What a solver must put in place for one challenge.</summary>
public sealed record ChallengeRequest(
    string Identifier,
    string Token,
    string KeyAuthorization,
    string Dns01Value)
{
    /// <summary>The DNS name of the TXT record for DNS-01 (the wildcard label dropped).</summary>
    public string Dns01RecordName => "_acme-challenge." + (Identifier.StartsWith("*.", StringComparison.Ordinal) ? Identifier[2..] : Identifier).TrimEnd('.');

    /// <summary>Never prints the key authorization.</summary>
    public override string ToString() => $"ChallengeRequest({Identifier})";
}

/// <summary>
/// Proves control of an identifier for one challenge type. Contract: <see cref="PresentAsync"/>
/// returns only when the proof is visible to the CA (DNS propagation included), or throws;
/// <see cref="CleanupAsync"/> is always called after present, success or not, and is idempotent.
/// Thread-safe: several identifiers are presented at once.
/// </summary>
public interface IChallengeSolver
{
    /// <summary><c>dns-01</c> or <c>http-01</c>.</summary>
    string ChallengeType { get; }

    Task PresentAsync(ChallengeRequest request, IProgress<string>? progress, CancellationToken cancellationToken);

    Task CleanupAsync(ChallengeRequest request, CancellationToken cancellationToken);
}
