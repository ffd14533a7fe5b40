using System.Collections.Concurrent;
using Labeling.Domain.Items;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// Leases this process granted that no write has ended since, as granted: a vote reads its lease twice, and these reads are
/// served from memory instead of a read connection whose page cache every commit of the others has emptied.
/// </summary>
/// <remarks>
/// <para>
/// Exact, not a cache that may be stale: a lease row changes only through <see cref="SqliteLeaseStore"/> (the grant, a
/// release) and <see cref="SqliteCommitWriter"/> (the vote that uses it), only this process writes the data folder
/// (<see cref="Hosting.DataFolderLock"/>), and each of those writes forgets the lease before it is queued, so every read
/// after it goes to the database. A grant is remembered on the writer's turn, after its rows are written, and forgotten
/// again if its transaction then fails as a whole. Expiry is not a write: an expired lease reads the same from here as
/// from its row, and callers judge it by <see cref="ItemLease.ExpiresAt"/>.
/// </para>
/// <para>
/// Leases left to expire are dropped once more than <see cref="SweepAbove"/> are held, so the memory is bounded by the
/// leases granted within one lease duration.
/// </para>
/// </remarks>
internal sealed class SqliteGrantedLeases
{
    /// <summary>How many remembered leases start a sweep of the expired ones.</summary>
    internal const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<string, ItemLease> _leases = new(StringComparer.Ordinal);
    private int _sweeping;

    /// <summary>How many leases are remembered.</summary>
    public int Count => _leases.Count;

    /// <summary>Remembers a lease just written by a grant.</summary>
    /// <param name="lease">The lease as granted.</param>
    /// <param name="now">The current time, for the sweep.</param>
    public void Remember(ItemLease lease, DateTimeOffset now)
    {
        _leases[lease.Id] = lease;
        if (_leases.Count > SweepAbove && Interlocked.Exchange(ref _sweeping, 1) == 0)
        {
            try
            {
                foreach (var (id, held) in _leases)
                {
                    if (held.ExpiresAt <= now)
                    {
                        _leases.TryRemove(KeyValuePair.Create(id, held));
                    }
                }
            }
            finally
            {
                Volatile.Write(ref _sweeping, 0);
            }
        }
    }

    /// <summary>Forgets a lease before a write that may change its row (its vote, its release) or after a grant that was not saved.</summary>
    /// <param name="leaseId">The lease id.</param>
    public void Forget(string leaseId) => _leases.TryRemove(leaseId, out _);

    /// <summary>The lease as granted, when this process granted it and nothing has ended it since.</summary>
    /// <param name="leaseId">The lease id.</param>
    /// <param name="lease">The lease.</param>
    /// <returns>True when remembered.</returns>
    public bool TryGet(string leaseId, out ItemLease lease) => _leases.TryGetValue(leaseId, out lease!);
}
