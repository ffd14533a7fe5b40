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

/// <summary>Projects, their progress, gold seeding, and the batch re-fit on demand.</summary>
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

        api.MapGet("/projects/{projectId}", async (string projectId, ClaimsPrincipal user, ProjectService projects, CancellationToken ct) =>
            {
                var project = await projects.GetAsync(projectId, ct);
                return SeesEverything(user) ? Results.Ok(project) : Results.Ok(ProjectBrief.Of(project));
            })
            .RequireAuthorization(LabelingRoles.AnyRolePolicy)
            .Produces<Project>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetProject").WithSummary("Reads a project's schema, rules and routing (labelers: its labels and instructions only).");

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

    // Reviewers and admins read rules and routing; a labeler reads what to label.
    private static bool SeesEverything(ClaimsPrincipal user) =>
        user.IsInRole(LabelingRoles.Reviewer) || user.IsInRole(LabelingRoles.Admin);
}
