namespace Rotor.Api.Auth;

/// <summary>
/// What an API token may do; each role may do what the ones below it may.
/// Viewer reads; Operator also renews, rotates and rolls back; Admin also applies and deletes
/// resources and manages tokens.
/// </summary>
public enum ApiRole
{
    Viewer = 1,
    Operator = 2,
    Admin = 3,
}
