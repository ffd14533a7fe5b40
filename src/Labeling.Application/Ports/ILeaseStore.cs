using Labeling.Domain.Items;

namespace Labeling.Application.Ports;

/// <summary>Task leases: which worker holds which item until when.</summary>
public interface ILeaseStore
{
    /// <summary>Reads a lease by id.</summary>
    /// <param name="leaseId">The lease id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The lease, or null.</returns>
    Task<ItemLease?> GetAsync(string leaseId, CancellationToken cancellationToken);

    /// <summary>The worker's open lease in a project on an item still collecting, if any.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The lease, or null.</returns>
    Task<ItemLease?> FindOpenAsync(string projectId, string workerId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Collecting items that nobody holds and that the worker has neither voted on nor skipped (released,
    /// or let a lease on expire), those with most votes first; items of equal votes in an order of the store's (SQLite:
    /// upload order; Cosmos DB: an order per worker, so that workers asking at once do not race for one item).
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="now">The current time; leases expired by then do not hold an item.</param>
    /// <param name="limit">How many candidates.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Item ids.</returns>
    Task<IReadOnlyList<string>> FindCandidatesAsync(string projectId, string workerId, DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Grants the lease if the item is still collecting, free at <paramref name="now"/>, and neither voted on nor skipped by the worker,
    /// and the worker holds no other open lease in the project (one that <see cref="FindOpenAsync"/> would return): of two grants to
    /// one worker at once, at most one succeeds.
    /// </summary>
    /// <param name="lease">The lease to grant.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when granted; false when another worker was faster or the worker already holds a lease.</returns>
    Task<bool> TryAcquireAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Grants the first of <paramref name="leases"/> (one worker's, on different items of one project, in the order given) that
    /// <see cref="TryAcquireAsync"/> would grant, and no other: the next candidate is tried only when the one before was refused.
    /// </summary>
    /// <param name="leases">The leases to try, best first; all for the same worker and project.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The lease granted, or null when every one was refused (other workers were faster, or the worker holds an open lease).</returns>
    Task<ItemLease?> TryAcquireFirstAsync(IReadOnlyList<ItemLease> leases, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Ends an open lease without a vote: the item returns to the pool for other workers, and is
    /// remembered as skipped by this worker so it is not offered to them again.
    /// </summary>
    /// <param name="lease">The lease, as read.</param>
    /// <param name="now">The current time; a lease expired by then is not released.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when this call released it; false when it was no longer open (used, released or expired).</returns>
    Task<bool> ReleaseAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Whether a worker holds the item under a lease still open at <paramref name="now"/> (so a vote on it may be on its way).</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>True while the item is leased.</returns>
    Task<bool> IsHeldAsync(string projectId, string itemId, DateTimeOffset now, CancellationToken cancellationToken);
}
