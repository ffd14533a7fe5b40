namespace Labeling.Application.Ports;

/// <summary>
/// The files a project leaves beside its records: stored uploads, copies of ingested and quarantined documents with their
/// reasons, and drift reports. Deleted with the project (<see cref="Projects.ProjectDeletion"/>) once its items are gone.
/// </summary>
public interface IProjectFiles
{
    /// <summary>Deletes every file of a deleted project; idempotent (a purge cut short runs it again).</summary>
    /// <param name="projectId">The project, already marked deleted (<see cref="IProjectPurge.MarkDeletedAsync"/>).</param>
    /// <param name="cancellationToken">Cancels between files.</param>
    /// <returns>How many files were deleted.</returns>
    Task<int> DeleteAsync(string projectId, CancellationToken cancellationToken);
}
