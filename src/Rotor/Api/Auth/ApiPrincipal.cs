namespace Rotor.Api.Auth;

/// <summary>Who made a request: the name of the token presented (what the audit log records) and its role.</summary>
public sealed record ApiPrincipal(string TokenName, ApiRole Role)
{
    /// <summary>How events name this principal as the author of a change.</summary>
    public string Actor => "token " + TokenName;

    public bool Allows(ApiRole required) => Role >= required;
}
