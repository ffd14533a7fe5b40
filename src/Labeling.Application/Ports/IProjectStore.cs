using Labeling.Domain.Projects;

namespace Labeling.Application.Ports;

/// <summary>Projects, by id. Point reads and writes only.</summary>
public interface IProjectStore
{
    /// <summary>
    /// Reads a project, possibly from memory: every task request and vote reads its project. A store shared by several
    /// processes may answer with a version up to its refresh period old (<c>Cosmos:ProjectRefresh</c>); a store one
    /// process owns answers with the latest. Never an older version than one this process has already returned.
    /// </summary>
    /// <param name="projectId">The project id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The project, or null.</returns>
    Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Reads the project as stored now, past any copy in memory (what a change is made from).</summary>
    /// <param name="projectId">The project id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The project, or null.</returns>
    Task<Project?> GetCurrentAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="replacement"/> over the stored project of its id only if the stored one's
    /// <see cref="Project.Version"/> is one less than the replacement's: a change made from a version another writer
    /// has since replaced is refused, not lost over.
    /// </summary>
    /// <param name="replacement">The project's next version.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when written; false when the stored version was another one, or there is no such project.</returns>
    Task<bool> TryReplaceAsync(Project replacement, CancellationToken cancellationToken);

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
