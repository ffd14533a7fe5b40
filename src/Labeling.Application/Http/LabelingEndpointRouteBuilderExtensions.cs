using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Labeling.Application.Http;

/// <summary>Maps the labeling HTTP API, shared by the local server and the Azure Functions host.</summary>
public static class LabelingEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every route under <c>/api</c>: projects, progress, documents, gold, tasks and votes, workers,
    /// items, review, export and dead letters. Authorization policies come from
    /// <see cref="LabelingServiceCollectionExtensions.AddLabelingApplication"/>; problem details from its
    /// exception handler (call <c>UseExceptionHandler()</c>).
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <returns>The <c>/api</c> group, for further conventions.</returns>
    public static RouteGroupBuilder MapLabelingApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // One tag for the whole API (method-group handlers were tagged by their class), and the refusals every route can
        // give: no or a refused token, the wrong role, the caller's rate, a store busy for a moment (503 with Retry-After).
        var api = endpoints.MapGroup("/api")
            .WithTags("Labeling")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        ProjectEndpoints.Map(api);
        DocumentEndpoints.Map(api);
        CrowdEndpoints.Map(api);
        ItemEndpoints.Map(api);
        return api;
    }
}
