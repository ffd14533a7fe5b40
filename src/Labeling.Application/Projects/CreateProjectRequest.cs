using Labeling.Domain.Projects;
using Labeling.Domain.Routing;

namespace Labeling.Application.Projects;

/// <summary>The body of <c>POST /api/projects</c>.</summary>
/// <param name="Id">Letters, digits and dashes.</param>
/// <param name="Name">Human-readable name; defaults to the id.</param>
/// <param name="TaskKind">Only <c>single-label</c> today; the default.</param>
/// <param name="Labels">At least two labels.</param>
/// <param name="Instructions">Guidance shown with every task.</param>
/// <param name="Rules">Keyword/regex rules (machine labelers).</param>
/// <param name="Routing">Targets and limits; defaults apply to missing values.</param>
/// <param name="TextColumn">CSV column / JSON field holding the text, e.g. <c>CONTENT</c>.</param>
public sealed record CreateProjectRequest(
    string? Id,
    string? Name,
    TaskKind? TaskKind,
    IReadOnlyList<LabelRequest>? Labels,
    string? Instructions,
    IReadOnlyList<RuleRequest>? Rules,
    RoutingSettings? Routing,
    string? TextColumn);
