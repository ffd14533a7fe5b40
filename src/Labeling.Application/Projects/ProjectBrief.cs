using Labeling.Domain.Projects;

namespace Labeling.Application.Projects;

/// <summary>
/// What a labeler reads of a project: what to label and how. The rules (what the machine labelers look
/// for) and the routing (when the crowd is asked, how many votes are enough) are for reviewers and admins:
/// a worker who knew them could answer to the rules instead of to the item.
/// </summary>
/// <param name="Id">The project id.</param>
/// <param name="Name">Its display name.</param>
/// <param name="Kind">The task kind.</param>
/// <param name="Labels">The labels with their descriptions.</param>
/// <param name="Instructions">The instructions for workers.</param>
public sealed record ProjectBrief(string Id, string Name, TaskKind Kind, IReadOnlyList<LabelDefinition> Labels, string Instructions)
{
    /// <summary>The brief of a project.</summary>
    /// <param name="project">The project.</param>
    /// <returns>The brief.</returns>
    public static ProjectBrief Of(Project project)
    {
        ArgumentNullException.ThrowIfNull(project);
        return new ProjectBrief(project.Id, project.Name, project.Schema.Kind, project.Schema.Labels, project.Schema.Instructions);
    }
}
