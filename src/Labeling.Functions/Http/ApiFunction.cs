using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Labeling.Functions.Http;

/// <summary>
/// <c>Api</c>: every <c>/api/...</c> request (host.json sets an empty route prefix) goes through the
/// shared HTTP API. Anonymous at the Functions level: authentication is the Entra ID JWT checked
/// inside the pipeline, with the Labeler / Reviewer / Admin app roles. Every method is bound, HEAD and OPTIONS too, so the
/// pipeline answers and logs each request as the local server does (a method the trigger left out was answered by the
/// Functions host, outside the refusal log).
/// </summary>
public sealed class ApiFunction
{
    private readonly LabelingApiPipeline _pipeline;

    /// <summary>Creates the function.</summary>
    /// <param name="pipeline">The API pipeline.</param>
    public ApiFunction(LabelingApiPipeline pipeline) => _pipeline = pipeline;

    /// <summary>Handles one request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="client">The Durable client, for raising votes on crowd workflows.</param>
    /// <returns>A task; the pipeline writes the response.</returns>
    [Function("Api")]
    public Task RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", "post", "put", "patch", "delete", "options", Route = "api/{*path}")] HttpRequest request,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.HttpContext.Items[LabelingApiPipeline.DurableClientItem] = client;
        return _pipeline.InvokeAsync(request.HttpContext);
    }
}
