using Labeling.Domain.Projects;

namespace Labeling.Application.Ports;

/// <summary>Projects, by id. Point reads and writes only.</summary>
public interface IProjectStore
{
    /// <summary>Reads a project.</summary>
    /// <param name="projectId">The project id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The project, or null.</returns>
    Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Lists all projects (a small set; one partition).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Projects ordered by id.</returns>
    Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Creates a project unless one with the same id exists.</summary>
    /// <param name="project">The project.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when created, false when the id was taken.</returns>
    Task<bool> TryCreateAsync(Project project, CancellationToken cancellationToken);
}
