using System.Security.Cryptography.X509Certificates;

namespace Rotor.Cmp;

/// <summary>How a <see cref="CmpClient"/> runs its transactions. Immutable; validated when a client is made.</summary>
public sealed record CmpClientOptions
{
    /// <summary>How long one request may wait for its response.</summary>
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a whole transaction may take, polling waits included.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The most pollReq messages one transaction sends before it gives up (transiently).</summary>
    public int MaxPolls { get; init; } = 10;

    /// <summary>
    /// Ask for implicitConfirm in generalInfo. It takes effect only when the server echoes it;
    /// otherwise certConf is sent as usual. Off by default: with implicit confirmation the
    /// client can no longer reject a certificate it does not want.
    /// </summary>
    public bool RequestImplicitConfirm { get; init; }

    /// <summary>The recipient name (the CA); null sends the NULL-DN, or for a KUR the old certificate's issuer.</summary>
    public X500DistinguishedName? Recipient { get; init; }

    /// <summary>
    /// Trust anchors of the CMP server's own signing certificate. A signature-protected
    /// response is accepted only when its signer chains to one of these; none configured means
    /// signature-protected responses are refused.
    /// </summary>
    public IReadOnlyList<X509Certificate2> ServerTrust { get; init; } = [];

    /// <summary>Every rule the options break, each naming its fields; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MessageTimeout <= TimeSpan.Zero) errors.Add($"{nameof(MessageTimeout)} must be positive (is {MessageTimeout})");
        if (TotalTimeout <= TimeSpan.Zero) errors.Add($"{nameof(TotalTimeout)} must be positive (is {TotalTimeout})");
        if (MessageTimeout > TotalTimeout)
        {
            errors.Add($"{nameof(MessageTimeout)} ({MessageTimeout}) must not exceed {nameof(TotalTimeout)} ({TotalTimeout})");
        }
        if (MaxPolls < 0) errors.Add($"{nameof(MaxPolls)} must not be negative (is {MaxPolls})");
        return errors;
    }

    internal void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0) throw new ArgumentException("invalid CMP client options: " + string.Join("; ", errors));
    }
}
