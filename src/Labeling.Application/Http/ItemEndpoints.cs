using System.Security.Claims;
using System.Text.Json;
using Labeling.Application.Events;
using Labeling.Application.Export;
using Labeling.Application.Items;
using Labeling.Application.Labelers;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Review;
using Labeling.Domain.Items;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Labeling.Application.Http;

/// <summary>The reviewer's API: items, labelers, review resolutions, exports, dead-lettered events and their redelivery.</summary>
internal static class ItemEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/projects/{projectId}/items", async (string projectId, string? state, string? after, int? limit, ItemQueries items, CancellationToken ct) =>
                Results.Ok(await items.ListAsync(projectId, ParseState(state), after, limit ?? 100, ct)))
            .RequireAuthorization(LabelingRoles.ReviewerPolicy)
            .Produces<IReadOnlyList<ItemView>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("ListItems").WithSummary("Pages through items, optionally of one state (Reviewer).");

        api.MapGet("/projects/{projectId}/labelers", async (string projectId, string? kind, string? after, int? limit, LabelerReliabilities labelers, CancellationToken ct) =>
                Results.Ok(await labelers.ListAsync(projectId, kind, after, limit, ct)))
            .RequireAuthorization(LabelingRoles.ReviewerPolicy)
            .Produces<LabelerReliabilityPage>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("ListLabelers").WithSummary("What the truth model has learned of each labeler — workers' confusion, rules' firing rates, silence, precision and trust — in id order (Reviewer).");

        api.MapGet("/projects/{projectId}/items/{itemId}", async (string projectId, string itemId, ItemQueries items, CancellationToken ct) =>
                Results.Ok(await items.GetAsync(projectId, itemId, ct)))
            .RequireAuthorization(LabelingRoles.ReviewerPolicy)
            .Produces<ItemView>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetItem").WithSummary("One item with its posterior, votes and how it was decided (Reviewer).");

        api.MapPost("/projects/{projectId}/items/{itemId}/resolution", async (string projectId, string itemId, ResolutionRequest? body, ClaimsPrincipal user, ReviewResolution review, ItemQueries items, CancellationToken ct) =>
            {
                await review.ResolveAsync(projectId, itemId, Body.Required(body, "{\"label\":\"spam\"}"), CallerIdentity.Subject(user), ct);
                return Results.Ok(await items.GetAsync(projectId, itemId, ct));
            })
            .RequireAuthorization(LabelingRoles.ReviewerPolicy)
            .Produces<ItemView>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("ResolveItem").WithSummary("Decides an item in needs-review (Reviewer).");

        api.MapGet("/projects/{projectId}/export", ExportAsync)
            .RequireAuthorization(LabelingRoles.ReviewerPolicy)
            .Produces(StatusCodes.Status200OK, contentType: "application/x-ndjson", additionalContentTypes: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("ExportLabels").WithSummary("Streams decided labels as JSONL (default) or CSV: ?format=jsonl|csv (Reviewer).");

        api.MapGet("/events/dead-letters", async (int? limit, IEventOutbox outbox, CancellationToken ct) =>
                Results.Ok(await outbox.ListDeadLettersAsync(PageLimit.Checked(limit ?? 100), ct)))
            .RequireAuthorization(LabelingRoles.AdminPolicy)
            .Produces<IReadOnlyList<DeadLetter>>().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("ListDeadLetters").WithSummary("Events a destination never accepted (Admin).");

        api.MapPost("/events/dead-letters/redeliver", async (string? destination, ClaimsPrincipal user, DeadLetterRedelivery redelivery, CancellationToken ct) =>
                Results.Ok(await redelivery.RedeliverAsync(destination, CallerIdentity.Subject(user), ct)))
            .RequireAuthorization(LabelingRoles.AdminPolicy)
            .Produces<DeadLetterRedeliveryResult>().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("RedeliverDeadLetters").WithSummary("Sends dead letters again, of one destination (?destination=) or all, each with every attempt again (Admin).");
    }

    private static async Task ExportAsync(string projectId, string? format, HttpContext context, LabelExport export, CancellationToken ct)
    {
        var parsed = (format ?? "jsonl").ToLowerInvariant() switch
        {
            "jsonl" => ExportFormat.Jsonl,
            "csv" => ExportFormat.Csv,
            _ => throw new InvalidRequestException("format", $"Unknown export format '{InvalidRequestException.Echo(format)}'; use jsonl or csv."),
        };
        await export.EnsureProjectAsync(projectId, ct);
        var response = context.Response;
        response.ContentType = parsed == ExportFormat.Csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{projectId}-labels.{(parsed == ExportFormat.Csv ? "csv" : "jsonl")}\"";
        await export.WriteAsync(projectId, parsed, response.Body, ct);
    }

    private static ItemState? ParseState(string? state)
    {
        if (string.IsNullOrEmpty(state))
        {
            return null;
        }

        foreach (var value in Enum.GetValues<ItemState>())
        {
            if (string.Equals(JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString()), state, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new InvalidRequestException("state", $"Unknown state '{InvalidRequestException.Echo(state)}'; use weak-labeling, auto-accepted, collecting, decided or needs-review.");
    }
}
