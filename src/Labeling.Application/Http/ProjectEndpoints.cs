using System.Security.Claims;
using Labeling.Application.Gold;
using Labeling.Application.Projects;
using Labeling.Application.Truth;
using Labeling.Domain.Projects;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Http;

/// <summary>Projects (created, read, changed, deleted), their progress, gold seeding, and the batch re-fit on demand.</summary>
internal static class ProjectEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/projects", async (ClaimsPrincipal user, ProjectService projects, CancellationToken ct) =>
            {
                var all = await projects.ListAsync(ct);
                return SeesEverything(user) ? Results.Ok(all) : Results.Ok(all.Select(ProjectBrief.Of).ToArray());
            })
            .RequireAuthorization(LabelingRoles.AnyRolePolicy)
            .Produces<IReadOnlyList<Project>>()
            .WithName("ListProjects").WithSummary("Lists projects (labelers see each project's labels and instructions only).");

        api.MapPost("/projects", async (CreateProjectRequest? body, ProjectService projects, CancellationToken ct) =>
            {
                var project = await projects.CreateAsync(Body.Required(body, "{\"id\":\"spam\",\"labels\":[{\"name\":\"spam\"},{\"name\":\"ham\"}]}"), ct);
                return Results.Created($"/api/projects/{project.Id}", project);
            })
            .RequireAuthorization(LabelingRoles.AdminPolicy)
            .Produces<Project>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("CreateProject").WithSummary("Creates a project (Admin).");

        api.MapGet("/projects/{projectId}", async (string projectId, ClaimsPrincipal user, HttpResponse response, ProjectService projects, CancellationToken ct) =>
            {
                var project = await projects.GetAsync(projectId, ct);
                if (!SeesEverything(user))
                {
                    // No version for a labeler: it would move with every change of routing or budget its view does not show.
                    return Results.Ok(ProjectBrief.Of(project));
                }

                response.Headers.ETag = ETagOf(project);
                return Results.Ok(project);
            })
            .RequireAuthorization(LabelingRoles.AnyRolePolicy)
            .Produces<Project>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetProject").WithSummary("Reads a project's schema, rules and routing, with its version as the ETag (labelers: its labels and instructions only, without one).");

        api.MapPatch("/projects/{projectId}", async (string projectId, UpdateProjectRequest? body, ClaimsPrincipal user, HttpRequest request, HttpResponse response, ProjectService projects, CancellationToken ct) =>
            {
                var project = await projects.UpdateAsync(
                    projectId, Body.Required(body, "{\"routing\":{\"voteBudget\":20000}}"), AcceptedVersions(request), CallerIdentity.Subject(user), ct);
                response.Headers.ETag = ETagOf(project);
                return Results.Ok(project);
            })
            .RequireAuthorization(LabelingRoles.AdminPolicy)
            .Accepts<UpdateProjectRequest>("application/merge-patch+json", "application/json")
            .Produces<Project>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithName("UpdateProject")
            .WithSummary("Changes a project's name, instructions, label descriptions, routing or text column (Admin): a JSON merge patch; If-Match with the ETag of GET makes it 412 if the project changed since.");

        api.MapDelete("/projects/{projectId}", async (string projectId, ClaimsPrincipal user, HttpRequest request, ProjectDeletion deletion, CancellationToken ct) =>
            {
                var outcome = await deletion.DeleteAsync(projectId, AcceptedVersions(request), CallerIdentity.Subject(user), ct);
                return outcome.Purged ? Results.NoContent() : Results.Accepted(uri: null, ProjectDeletionAccepted.From(outcome));
            })
            .RequireAuthorization(LabelingRoles.AdminPolicy)
            .Produces(StatusCodes.Status204NoContent)
            .Produces<ProjectDeletionAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithName("DeleteProject")
            .WithSummary("Deletes a project with its items, votes, documents' records, labelers' statistics, leases, queued work and files (Admin): 204 when its data is gone, 202 when the purge goes on in the background (the project is gone from every route either way); 404 once it is gone; If-Match with the ETag of GET makes it 412 if the project changed since.");

        api.MapGet("/projects/{projectId}/progress", async (string projectId, ProjectService projects, CancellationToken ct) =>
                Results.Ok(await projects.ProgressAsync(projectId, ct)))
            .RequireAuthorization(LabelingRoles.ReviewerPolicy)
            .Produces<ProjectProgress>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetProjectProgress").WithSummary("Counts items by state and votes used (Reviewer).");

        api.MapPost("/projects/{projectId}/gold", async (string projectId, GoldSeedRequest? body, GoldSeeding gold, CancellationToken ct) =>
                Results.Ok(await gold.SeedAsync(projectId, Body.Required(body, "{\"items\":[{\"text\":\"...\",\"label\":\"spam\"}]}"), ct)))
            .RequireAuthorization(LabelingRoles.AdminPolicy)
            .WithMetadata(RequestBodyLimit.LargeBody.Instance)
            .Produces<GoldSeedResult>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("SeedGold").WithSummary("Seeds gold items with known labels (Admin).");

        api.MapPost("/projects/{projectId}/refit", async (string projectId, [FromServices] ReliabilityRefit refit, [FromServices] IOptions<ReliabilityRefitOptions> options, CancellationToken ct) =>
                Results.Ok(RefitSummary.Of(await refit.RefitAsync(projectId, ct), options.Value.AccuracyChangeWarning)))
            .RequireAuthorization(LabelingRoles.AdminPolicy)
            .Produces<RefitSummary>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("RefitProject")
            .WithSummary("Re-fits the project's reliabilities in batch now and revises the crowd labels the fit overturns (Admin); 409 while a re-fit of the project runs.");
    }

    // A project's version, as an entity tag: "3".
    private static string ETagOf(Project project) => $"\"{project.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"";

    // If-Match (RFC 9110 13.1.1): * for any version, or a list of entity tags of which the current one must be one, compared
    // strongly: a weak tag (W/"3") never matches, nor a tag this API does not give ("03"). Absent, the change applies to
    // whatever version is current.
    private static IReadOnlyCollection<int>? AcceptedVersions(HttpRequest request)
    {
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return null;
        }

        var value = string.Join(",", values.ToArray());
        var tags = value.Split(',', StringSplitOptions.TrimEntries);
        if (tags is ["*"])
        {
            return null;
        }

        var accepted = new List<int>();
        foreach (var tag in tags)
        {
            var weak = tag.StartsWith("W/", StringComparison.Ordinal);
            var opaque = weak ? tag[2..] : tag;
            if (opaque.Length < 2 || opaque[0] != '"' || opaque[^1] != '"' || opaque.AsSpan(1, opaque.Length - 2).Contains('"'))
            {
                throw new Problems.InvalidRequestException("If-Match",
                    $"If-Match '{Problems.InvalidRequestException.Echo(value, 40)}' is not a list of entity tags: send the ETag a GET of the project gave, e.g. If-Match: \"3\", or leave it out.");
            }

            if (weak)
            {
                continue;
            }

            var text = opaque[1..^1];
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
                && string.Equals(version.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal))
            {
                accepted.Add(version);
            }
        }

        return accepted;
    }

    // Reviewers and admins read rules and routing; a labeler reads what to label.
    private static bool SeesEverything(ClaimsPrincipal user) =>
        user.IsInRole(LabelingRoles.Reviewer) || user.IsInRole(LabelingRoles.Admin);
}
