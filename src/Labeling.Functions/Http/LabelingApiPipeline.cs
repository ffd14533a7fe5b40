using Labeling.Application.Crowd;
using Labeling.Application.Http;
using Labeling.Domain.Labelers;
using Labeling.Functions.Crowd;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Functions.Http;

/// <summary>
/// The local server's HTTP API, reused as is: an ASP.NET Core pipeline (problem details, routing,
/// JWT authentication, role policies, <c>MapLabelingApi()</c>) that the catch-all <c>Api</c> HTTP
/// trigger hands each request to. Successful votes are also raised on the item's <c>CollectVotes</c> workflow.
/// </summary>
public sealed class LabelingApiPipeline
{
    /// <summary>The <see cref="HttpContext.Items"/> key under which the trigger passes its Durable client.</summary>
    public const string DurableClientItem = "labeling.durable-client";

    private readonly RequestDelegate _pipeline;

    /// <summary>Builds the pipeline over the app's services.</summary>
    /// <param name="services">The root service provider.</param>
    public LabelingApiPipeline(IServiceProvider services)
    {
        var app = new ApplicationBuilder(services);
        app.UseLabelingRefusalLog();
        app.UseLabelingResponseHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseAuthentication();
        app.UseLabelingRateLimit();
        app.UseAuthorization();
        app.UseLabelingRequestLimits();
        app.UseEndpoints(endpoints => endpoints.MapLabelingApi().AddEndpointFilter(RaiseVoteAsync));
        _pipeline = app.Build();
    }

    /// <summary>Runs a request through the API.</summary>
    /// <param name="context">The request, as the Functions ASP.NET Core integration passes it.</param>
    /// <returns>A task.</returns>
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // The Functions integration marks the request with its own endpoint; routing must choose ours.
        context.SetEndpoint(null);
        return _pipeline(context);
    }

    private static async ValueTask<object?> RaiseVoteAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var result = await next(invocation).ConfigureAwait(false);
        var http = invocation.HttpContext;
        if (result is IValueHttpResult { Value: VoteReceipt vote } && !http.Response.Headers.ContainsKey("Idempotent-Replayed")
            && http.Items[DurableClientItem] is DurableTaskClient client
            && CallerIdentity.TrySubject(http.User) is { } subject)
        {
            var workflows = http.RequestServices.GetRequiredService<CrowdWorkflows>();
            // The vote is committed: a caller hanging up now must not keep its workflow from hearing of it.
            await workflows.RaiseVoteAsync(client, vote.LeaseId, LabelerIds.Worker(subject), vote.Vote, CancellationToken.None).ConfigureAwait(false);
        }

        return result;
    }
}
