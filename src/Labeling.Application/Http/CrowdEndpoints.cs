using System.Security.Claims;
using Labeling.Application.Crowd;
using Labeling.Application.Problems;
using Labeling.Application.Workers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Labeling.Application.Http;

/// <summary>The crowd worker's API: take a task, vote or skip it, see one's own reliability.</summary>
internal static class CrowdEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private const int MaxKeyLength = 200;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/projects/{projectId}/tasks/next", async (string projectId, ClaimsPrincipal user, HttpResponse response, TaskLeasing leasing, CancellationToken ct) =>
            {
                var worker = CallerIdentity.WorkerId(user);
                if (await leasing.NextAsync(projectId, worker, ct) is { } task)
                {
                    return Results.Ok(task);
                }

                // A bare 204 could not tell a worker's UI "come back in a minute" from "this project is done".
                var why = await leasing.WhyNoTaskAsync(projectId, worker, ct);
                response.Headers[NoTask.Header] = why.Reason;
                if (why.RetryAfterSeconds is { } seconds)
                {
                    response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return Results.NoContent();
            })
            .RequireAuthorization(LabelingRoles.LabelerPolicy)
            .Produces<TaskAssignment>().Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("NextTask").WithSummary("Leases the next item to label to the caller; 204 when there is none, with a Labeling-No-Task header saying why (budget-spent, preparing, all-leased, all-answered, pool-empty) and Retry-After when asking again may help; 403 with reason 'worker-retired' when the project offers the caller no more tasks because its votes carry too little information (Labeler).");

        api.MapPost("/tasks/{leaseId}/votes", async (
                string leaseId,
                VoteRequest? body,
                [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
                ClaimsPrincipal user,
                HttpResponse response,
                VoteRecording votes,
                CancellationToken ct) =>
            {
                var request = Body.Required(body, "{\"label\":\"spam\",\"unsure\":false}");
                if (idempotencyKey is { Length: 0 or > MaxKeyLength })
                {
                    throw new InvalidRequestException(IdempotencyKeyHeader, $"The Idempotency-Key header must be 1 to {MaxKeyLength} characters; a UUID works well.");
                }

                var outcome = await votes.SubmitAsync(leaseId, CallerIdentity.WorkerId(user), request, idempotencyKey, ct);
                if (outcome.Replayed)
                {
                    response.Headers["Idempotent-Replayed"] = "true";
                }

                return Results.Ok(VoteReceipt.Of(outcome.Result));
            })
            .RequireAuthorization(LabelingRoles.LabelerPolicy)
            .Produces<VoteReceipt>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithName("SubmitVote").WithSummary("Votes on a leased task: answers the vote recorded and the item's state; idempotent with an Idempotency-Key header (Labeler).");

        api.MapPost("/tasks/{leaseId}/release", async (string leaseId, ClaimsPrincipal user, TaskRelease release, CancellationToken ct) =>
            {
                await release.ReleaseAsync(leaseId, CallerIdentity.WorkerId(user), ct);
                return Results.NoContent();
            })
            .RequireAuthorization(LabelingRoles.LabelerPolicy)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("ReleaseTask").WithSummary("Skips a leased task without voting: the item goes back to the pool and is not offered to the caller again; idempotent (Labeler).");

        api.MapGet("/workers/me", async (ClaimsPrincipal user, WorkerStatistics statistics, CancellationToken ct) =>
                Results.Ok(await statistics.ForWorkerAsync(CallerIdentity.WorkerId(user), ct)))
            .RequireAuthorization(LabelingRoles.LabelerPolicy)
            .Produces<WorkerReliability>()
            .WithName("MyReliability").WithSummary("The caller's learned reliability per project (Labeler).");
    }
}
