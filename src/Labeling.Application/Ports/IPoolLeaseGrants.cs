using Labeling.Domain.Items;

namespace Labeling.Application.Ports;

/// <summary>
/// A lease store that finds a worker's next item and grants it in one step, where <see cref="ILeaseStore.FindCandidatesAsync"/>
/// followed by <see cref="ILeaseStore.TryAcquireFirstAsync"/> would take two and race other workers for the candidates between them.
/// </summary>
/// <remarks>
/// The item granted is the first that <see cref="ILeaseStore.FindCandidatesAsync"/> would list, and it is granted under the rules of
/// <see cref="ILeaseStore.TryAcquireAsync"/>: nothing is granted to a worker who holds an open lease in the project. A store may
/// serve a worker who is skipping item after item from where its last search ended instead (SQLite, past many releases); the
/// items that moved ahead of it meanwhile come once nothing is left after it.
/// </remarks>
public interface IPoolLeaseGrants
{
    /// <summary>Grants the worker the first item of its pool, if there is one and the worker holds no open lease in the project.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="leaseId">The id of the lease to grant.</param>
    /// <param name="now">The current time; leases expired by then do not hold an item.</param>
    /// <param name="expiresAt">When the lease expires.</param>
    /// <param name="cancellationToken">Cancels the write while it waits.</param>
    /// <returns>
    /// The lease granted, or null when the worker's pool is empty or the worker holds an open lease. A store may find some workers'
    /// next items and grant them in two steps, as <see cref="ILeaseStore.FindCandidatesAsync"/> and
    /// <see cref="ILeaseStore.TryAcquireFirstAsync"/> do (SQLite: a worker who has skipped many items); it then also returns null
    /// when other workers took every item it found in a few rounds.
    /// </returns>
    Task<ItemLease?> TryAcquireNextAsync(string projectId, string workerId, string leaseId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}
