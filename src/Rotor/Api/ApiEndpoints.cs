using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Rotor.Api;

/// <summary>
/// The operator API under <c>/api/v1</c>: every route names the least role it needs. Viewer reads;
/// Operator acts on certificates (renew, rotate, rollback); Admin applies and deletes resources
/// and manages tokens. Every change is an event naming the token that made it.
/// </summary>
public static partial class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    public static void Map(WebApplication app, RotorHost host)
    {
        var api = app.MapGroup(Prefix);
        MapCertificates(api, host);
        MapResources(api, host);
        MapObservations(api, host);
        MapTokens(api, host);
        ApiOpenApi.Map(api, app);
    }
}
