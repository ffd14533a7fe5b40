namespace Labeling.Application.Ports;

/// <summary>
/// Deletes a project: first a mark that hides it from every read and refuses every later write of it, then its data in
/// batches. The mark stays, keeping the id from being used again (items and their events are named after it). Each step is idempotent, so a deletion cut short by a crash is finished by running the
/// steps again (<see cref="ListDeletedAsync"/> names the projects left marked).
/// </summary>
public interface IProjectPurge
{
    /// <summary>
    /// Marks a project deleted: from now on <see cref="IProjectStore"/> reads and lists it as missing, and the store refuses
    /// writes of its items, votes, leases and documents (<see cref="Problems.NotFoundException"/>). A project already
    /// marked stays marked.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="acceptedVersions">The versions the project may be at when it is marked (If-Match), or null for any; checked
    /// in the same write as the mark, so a change landing after the caller read the project is not deleted in its place.
    /// A project already marked stays marked whatever its version.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when the project is now marked (also when it already was and its purge is not over); false when there is
    /// no such project, its deletion is over, or it is not marked and at none of <paramref name="acceptedVersions"/>.</returns>
    Task<bool> MarkDeletedAsync(string projectId, IReadOnlyCollection<int>? acceptedVersions, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Lists the projects marked deleted whose data is not yet all gone.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Their ids.</returns>
    Task<IReadOnlyList<string>> ListDeletedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes up to <paramref name="limit"/> items of a marked project with what hangs on each item: its votes, leases and
    /// index entries. Each call is a short write (one transaction locally), so other projects' votes wait at most for one.
    /// </summary>
    /// <param name="projectId">The marked project.</param>
    /// <param name="limit">Items at most.</param>
    /// <param name="cancellationToken">Cancels between writes.</param>
    /// <returns>How many items were deleted; 0 when none is left.</returns>
    Task<int> PurgeItemsAsync(string projectId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the rest of a marked project — documents, labelers' statistics, counters, queued work — and, once nothing of
    /// it is left, ends the deletion (<see cref="ListDeletedAsync"/> no longer names it; the mark stays).
    /// </summary>
    /// <param name="projectId">The marked project.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>True when the deletion is over; false when items were found again (written by a step that read the project
    /// before the mark): purge them and call this again.</returns>
    Task<bool> FinishAsync(string projectId, CancellationToken cancellationToken);
}
