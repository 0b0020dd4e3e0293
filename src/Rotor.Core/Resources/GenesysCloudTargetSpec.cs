namespace Rotor.Core.Resources;

/// <summary>
/// The CA trust store of a Genesys Cloud organization for BYOC Premises trunks
/// (<c>/api/v2/telephony/providers/edges/certificateauthorities</c>), reached with an OAuth
/// client-credentials grant. Genesys Cloud takes no private keys: this target only adds and
/// removes CA certificates (<c>type: REMOTE</c>, <c>services: [SIP]</c>), so it is bound with
/// <c>role: trust</c> only. <see cref="TrunkIds"/> are BYOC trunks whose connection state Rotor reads.
/// </summary>
public sealed record GenesysCloudTargetSpec
{
    /// <summary>The organization's region domain, e.g. <c>mypurecloud.com</c>, <c>mypurecloud.ie</c>, <c>usw2.pure.cloud</c>.</summary>
    public required string Region { get; init; }

    /// <summary>A secret holding the OAuth client's id.</summary>
    public required SecretRef ClientIdRef { get; init; }

    /// <summary>A secret holding the OAuth client's secret.</summary>
    public required SecretRef ClientSecretRef { get; init; }

    /// <summary>BYOC trunk ids whose <c>connectedStatus</c> and <c>inService</c> Rotor reads.</summary>
    public IReadOnlyList<string> TrunkIds { get; init; } = [];

    /// <summary>
    /// Base URL of the login host instead of <c>https://login.{region}</c>: for an HTTPS proxy or a
    /// test server. Null uses the region's.
    /// </summary>
    public string? LoginUrl { get; init; }

    /// <summary>Base URL of the API host instead of <c>https://api.{region}</c>: for an HTTPS proxy or a test server.</summary>
    public string? ApiUrl { get; init; }

    /// <summary>Per-request timeout.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public string LoginBase() => (LoginUrl ?? $"https://login.{Region}").TrimEnd('/');

    public string ApiBase() => (ApiUrl ?? $"https://api.{Region}").TrimEnd('/');

    /// <summary>
    /// Region domains of Genesys Cloud (the SDKs' PureCloudRegionHosts, without the api. prefix).
    /// </summary>
    public static readonly IReadOnlyList<string> Regions =
    [
        "mypurecloud.com", "use2.us-gov-pure.cloud", "usw2.pure.cloud", "cac1.pure.cloud", "sae1.pure.cloud",
        "mypurecloud.ie", "euw2.pure.cloud", "mypurecloud.de", "euc2.pure.cloud", "mec1.pure.cloud",
        "aps1.pure.cloud", "mypurecloud.jp", "apne2.pure.cloud", "apne3.pure.cloud", "mypurecloud.com.au",
    ];
}
