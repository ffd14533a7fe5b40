using System.Globalization;
using System.Net;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// Task leases. The hold on an item lives in its index entry (<c>heldBy</c>, <c>heldUntil</c>), so
/// granting a lease is one ETag-guarded replace: of two workers racing for an item, exactly one wins.
/// The lease itself (<c>lease:{id}</c>) and the worker's open-lease pointer (<c>open:{project}:{worker}</c>)
/// are point documents in <c>leases</c>. Skips live in the entry too (<c>skippers</c>): a release adds
/// the worker, and so does the next grant of an item whose hold expired; until then an expired hold of
/// the asking worker counts as their skip.
/// </summary>
public sealed class CosmosLeaseStore : ILeaseStore
{
    private readonly CosmosDatabase _db;
    private static readonly string CollectingState = System.Text.Json.JsonSerializer.Serialize(ItemState.Collecting, Labeling.Application.LabelingJson.Options).Trim('"');
    private readonly CosmosItemStore _items;
    private int _rotation;

    /// <summary>Creates the store.</summary>
    /// <param name="db">The database.</param>
    /// <param name="items">The item store, whose index entries carry the holds.</param>
    public CosmosLeaseStore(CosmosDatabase db, CosmosItemStore items)
    {
        _db = db;
        _items = items;
    }

    /// <inheritdoc />
    public async Task<ItemLease?> GetAsync(string leaseId, CancellationToken cancellationToken)
    {
        var id = "lease:" + leaseId;
        return (await CosmosDatabase.ReadAsync<LeaseDoc>(_db.Leases, id, id, cancellationToken).ConfigureAwait(false)).Document?.Body;
    }

    /// <inheritdoc />
    public async Task<ItemLease?> FindOpenAsync(string projectId, string workerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pointer = OpenId(projectId, workerId);
        var open = (await CosmosDatabase.ReadAsync<OpenLeaseDoc>(_db.Leases, pointer, pointer, cancellationToken).ConfigureAwait(false)).Document;
        return open is null ? null : await IsOpenAsync(projectId, open.LeaseId, now, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// <para>Most votes first, as the port asks: items the crowd has started on (collecting, with votes) come
    /// before fresh ones, so that items are finished rather than each given one vote. Those are the items this
    /// instance knows to be started (<see cref="CosmosItemStore.StartedAsync"/>: its own grants and votes, and
    /// what its queries returned); a grant checks the stored entry, so a stale one only costs a retry. The
    /// order matters for the labels, not only for latency: the online model counts an item's posterior in the
    /// class prior and its voters' statistics only from its second vote, so a pool spread thin (one vote on
    /// each item) leaves the prior where the rules' votes put it (spam) and two honest "ham" votes then fail
    /// to decide an item while one "spam" among two decides it — the full YouTube corpus fell to 82 %.</para>
    /// <para>Among items with as many votes, each worker has an order of its own (<see cref="TieBreak"/>): in one order for
    /// all, concurrent workers raced for the same first item, each loser paying a failed replace and a read per candidate,
    /// and with 96 at once over 200 free items only 38 were given one (the others got 204s with items free).</para>
    /// <para>Fresh items come from the buckets, starting from a bucket that rotates per call (so concurrent
    /// workers start in different places and rarely race for the same item), stopping as soon as
    /// <paramref name="limit"/> candidates are found; each read is one single-partition query that the service
    /// filters to collecting items the worker has neither voted on, skipped nor held, read a page at a time until enough are free. Holds are checked here,
    /// against <paramref name="now"/>.</para>
    /// </remarks>
    public async Task<IReadOnlyList<string>> FindCandidatesAsync(string projectId, string workerId, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return [];
        }

        var found = (await _items.StartedAsync(projectId, cancellationToken).ConfigureAwait(false))
            .Where(e => IsFree(e, now) && !e.IsDoneBy(workerId, now))
            .OrderByDescending(e => e.CrowdVotes).ThenBy(e => TieBreak(workerId, e.Id)).ThenBy(e => e.Id, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
        var buckets = _db.Options.IndexBuckets;
        var start = (int)((uint)Interlocked.Increment(ref _rotation) % (uint)buckets);
        var fresh = new List<ItemEntry>();
        for (var i = 0; i < buckets && found.Count + fresh.Count < limit; i++)
        {
            fresh.AddRange(await PoolAsync(projectId, (start + i) % buckets, workerId, limit - found.Count - fresh.Count,
                e => e.State == ItemState.Collecting && IsFree(e, now) && !e.IsDoneBy(workerId, now) && !found.Exists(f => f.Id == e.Id),
                cancellationToken).ConfigureAwait(false));
        }

        return found
            .Concat(fresh.OrderByDescending(e => e.CrowdVotes).ThenBy(e => TieBreak(workerId, e.Id)).ThenBy(e => e.Id, StringComparer.Ordinal))
            .Take(limit)
            .Select(e => e.Id)
            .ToArray();
    }

    /// <inheritdoc />
    /// <remarks>
    /// <para>First the worker's open-lease pointer is read: a pointer to a lease that is still open (as
    /// <see cref="FindOpenAsync"/> judges it) refuses the grant before the item is touched. Then the hold: the
    /// entry is usually the version the candidate query just returned, so it is one replace under that ETag
    /// with no read; if the entry changed since (a vote, another worker's hold), it is read and judged again
    /// once. Then the lease document, and last the pointer, written under the version read at the start
    /// (created if there was none): of two grants to one worker at once (a client retrying a request whose
    /// answer it lost), exactly one moves the pointer; the other lets its hold go without counting it as a
    /// skip, marks its lease released and is refused. The lease is written before the pointer, so a pointer
    /// always names a written lease and the refused request finds the winner's with <see cref="FindOpenAsync"/>.</para>
    /// </remarks>
    public async Task<bool> TryAcquireAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return await GrantAsync(lease, now, cancellationToken).ConfigureAwait(false) == Grant.Granted;
    }

    /// <summary>
    /// The place of <paramref name="itemId"/> among items of equal votes for <paramref name="workerId"/>: a hash of both (FNV-1a),
    /// the same on every instance and every call, different from one worker to the next.
    /// </summary>
    /// <param name="workerId">The worker.</param>
    /// <param name="itemId">The item.</param>
    /// <returns>The sort key.</returns>
    internal static uint TieBreak(string workerId, string itemId)
    {
        var hash = 2166136261u;
        foreach (var c in workerId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        hash = (hash ^ '\n') * 16777619u;
        foreach (var c in itemId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    /// <summary><see cref="TryAcquireAsync"/>, telling a refusal for the worker's open lease from the others.</summary>
    private async Task<Grant> GrantAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pointer = OpenId(lease.ProjectId, lease.WorkerId);
        var (open, pointerETag) = await CosmosDatabase.ReadAsync<OpenLeaseDoc>(_db.Leases, pointer, pointer, cancellationToken).ConfigureAwait(false);
        if (open is not null && await IsOpenAsync(lease.ProjectId, open.LeaseId, now, cancellationToken).ConfigureAwait(false) is not null)
        {
            return Grant.WorkerHoldsLease;
        }

        var partition = ItemBucket(lease.ProjectId, lease.ItemId, _db.Options.IndexBuckets);
        var held = false;
        if (_items.RememberedEntry(lease.ItemId) is { } remembered && CanTake(remembered.Entry, lease, now))
        {
            held = await TryHoldAsync(remembered.Entry, remembered.ETag, lease, partition, cancellationToken).ConfigureAwait(false);
        }

        if (!held)
        {
            var (entry, etag) = await CosmosDatabase.ReadAsync<ItemEntry>(_db.Index, lease.ItemId, partition, cancellationToken).ConfigureAwait(false);
            if (entry is null || !CanTake(entry, lease, now) || !await TryHoldAsync(entry, etag!, lease, partition, cancellationToken).ConfigureAwait(false))
            {
                return Grant.Refused;
            }
        }

        var id = "lease:" + lease.Id;
        _items.ClosedLeases.Remove(lease.Id);
        await _db.Leases.UpsertItemAsync(new LeaseDoc(id, lease), new PartitionKey(id), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
        try
        {
            var claim = new OpenLeaseDoc(pointer, lease.Id);
            _ = pointerETag is null
                ? await _db.Leases.CreateItemAsync(claim, new PartitionKey(pointer), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false)
                : await _db.Leases.ReplaceItemAsync(claim, pointer, new PartitionKey(pointer), new ItemRequestOptions { IfMatchEtag = pointerETag, EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            await UndoAsync(lease, partition, now, cancellationToken).ConfigureAwait(false);
            return Grant.Refused;
        }

        return Grant.Granted;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The candidates are tried one by one (each grant is several conditional writes). After a refusal the worker's open lease
    /// is looked up: when a concurrent request of the same worker has been granted one, every further candidate would be refused.
    /// That look-up is the next grant's own first step (the pointer check of <see cref="TryAcquireAsync"/>), so it is not made
    /// twice; a refusal by that check ends the round, and after the last candidate there is nothing left to stop.
    /// </remarks>
    public async Task<ItemLease?> TryAcquireFirstAsync(IReadOnlyList<ItemLease> leases, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leases);
        foreach (var lease in leases)
        {
            ArgumentNullException.ThrowIfNull(lease);
            switch (await GrantAsync(lease, now, cancellationToken).ConfigureAwait(false))
            {
                case Grant.Granted:
                    return lease;
                case Grant.WorkerHoldsLease:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The lease if it is open at <paramref name="now"/> on an item still collecting (what <see cref="FindOpenAsync"/> returns); else null.
    /// A lease this process has seen closed is not read: the worker's open-lease pointer usually names the lease it just voted with.
    /// </summary>
    private async Task<ItemLease?> IsOpenAsync(string projectId, string leaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_items.ClosedLeases.Contains(leaseId))
        {
            return null;
        }

        if (await GetAsync(leaseId, cancellationToken).ConfigureAwait(false) is not { } lease)
        {
            return null;
        }

        if (lease.CompletedAt is not null || lease.ReleasedAt is not null)
        {
            _items.ClosedLeases.Add(leaseId);
        }

        if (!lease.IsOpenAt(now))
        {
            return null;
        }

        var item = await _items.GetAsync(projectId, lease.ItemId, cancellationToken).ConfigureAwait(false);
        return item?.State == ItemState.Collecting ? lease : null;
    }

    /// <summary>Takes back a grant that lost the worker's pointer: the hold goes (not as a skip) and the lease reads as released.</summary>
    private async Task UndoAsync(ItemLease lease, string partition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (entry, etag) = await OptimisticUpdate.ApplyAsync<ItemEntry>(_db.Index, lease.ItemId, partition, current =>
            current is not null && current.HeldBy == lease.WorkerId ? current with { HeldBy = null, HeldUntil = null, ETag = null } : null,
            _db.Options.MaxConcurrencyRetries, _items.RememberedEntry(lease.ItemId), cancellationToken).ConfigureAwait(false);
        if (entry is not null)
        {
            _items.RememberEntry(entry, etag);
        }

        var id = "lease:" + lease.Id;
        if (await PatchUpdate.TryApplyAsync<LeaseDoc>(_db.Leases, id, id, [PatchOperation.Set("/body/releasedAt", now)], cancellationToken).ConfigureAwait(false))
        {
            _items.ClosedLeases.Add(lease.Id);
        }
    }

    /// <inheritdoc />
    public async Task<bool> IsHeldAsync(string projectId, string itemId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (entry, _) = await CosmosDatabase.ReadAsync<ItemEntry>(_db.Index, itemId, ItemBucket(projectId, itemId, _db.Options.IndexBuckets), cancellationToken).ConfigureAwait(false);
        return entry is not null && !IsFree(entry, now);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The lease document first, then the index entry: a crash in between leaves the item held until the
    /// lease's expiry, which counts as the same skip, so the pool converges.
    /// </remarks>
    public async Task<bool> ReleaseAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var id = "lease:" + lease.Id;
        var released = false;
        await OptimisticUpdate.ApplyAsync<LeaseDoc>(_db.Leases, id, id, current =>
        {
            released = current is not null && current.Body.IsOpenAt(now);
            return released ? current! with { Body = current.Body with { ReleasedAt = now } } : null;
        }, _db.Options.MaxConcurrencyRetries, cancellationToken).ConfigureAwait(false);
        if (!released)
        {
            return false;
        }

        _items.ClosedLeases.Add(lease.Id);

        var partition = ItemBucket(lease.ProjectId, lease.ItemId, _db.Options.IndexBuckets);
        var (entry, etag) = await OptimisticUpdate.ApplyAsync<ItemEntry>(_db.Index, lease.ItemId, partition, current =>
            current is null ? null
                : current.HeldBy == lease.WorkerId ? current.SkippedBy(lease.WorkerId) with { HeldBy = null, HeldUntil = null, ETag = null }
                : current.SkippedBy(lease.WorkerId) with { ETag = null },
            _db.Options.MaxConcurrencyRetries, _items.RememberedEntry(lease.ItemId), cancellationToken).ConfigureAwait(false);
        if (entry is not null)
        {
            _items.RememberEntry(entry, etag);
        }

        return true;
    }

    /// <summary>
    /// Marks a lease used: one patch, no read. Idempotent (a re-run of the commit sets the same time). The
    /// worker's open-lease pointer stays: it points at a used lease, which reads as "no open lease", and
    /// the worker's next grant overwrites it; deleting it here would be one more write per vote.
    /// </summary>
    internal static async Task CompleteAsync(CosmosDatabase db, ClosedLeases closed, string leaseId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var id = "lease:" + leaseId;
        // Used, the lease expires after UsedLeaseRetention (the container's per-item ttl); released and open ones stay.
        var ttl = (int)db.Options.UsedLeaseRetention.TotalSeconds;
        if (await PatchUpdate.TryApplyAsync<LeaseDoc>(db.Leases, id, id, [PatchOperation.Set("/body/completedAt", at), PatchOperation.Set("/ttl", ttl)], cancellationToken).ConfigureAwait(false))
        {
            closed.Add(leaseId);
        }
    }

    /// <summary>
    /// How many entries a bucket's read returns, per candidate asked for: the service filters out what the worker has voted
    /// on, skipped or holds, but another worker's hold is judged here (against the time), so a few more than asked are read.
    /// </summary>
    internal const int PoolReadFactor = 4;

    /// <summary>
    /// Up to <paramref name="wanted"/> of one bucket's collecting entries the worker has not voted on, skipped or held, that
    /// <paramref name="takeable"/> accepts (another worker's hold is judged there, against the time).
    /// </summary>
    /// <remarks>
    /// Read in pages of <see cref="PoolReadFactor"/> times <paramref name="wanted"/>, stopping once enough are found: a lease
    /// wants a few candidates, and reading a whole bucket made each task request cost request units in proportion to the
    /// project's size (a project of a million items holds about 60,000 collecting entries a bucket). Pages go on past
    /// entries other workers hold, so holds at the front of a bucket never hide the free items behind them.
    /// </remarks>
    private async Task<List<ItemEntry>> PoolAsync(string projectId, int bucket, string workerId, int wanted, Func<ItemEntry, bool> takeable, CancellationToken cancellationToken)
    {
        var partition = ItemsPartition(projectId, bucket);
        // Absent properties are undefined, and a comparison with undefined is not true: hence IS_DEFINED.
        var query = new QueryDefinition(
                "SELECT * FROM c WHERE c.partition = @pk AND c.state = @state"
                + " AND NOT ARRAY_CONTAINS(c.voters, @worker)"
                + " AND (NOT IS_DEFINED(c.skippers) OR IS_NULL(c.skippers) OR NOT ARRAY_CONTAINS(c.skippers, @worker))"
                + " AND (NOT IS_DEFINED(c.heldBy) OR IS_NULL(c.heldBy) OR c.heldBy != @worker)")
            .WithParameter("@pk", partition)
            .WithParameter("@state", CollectingState)
            .WithParameter("@worker", workerId);
        var pool = new List<ItemEntry>();
        using var feed = _db.Index.GetItemQueryIterator<ItemEntry>(query, requestOptions: new QueryRequestOptions
        {
            PartitionKey = new PartitionKey(partition),
            MaxItemCount = PoolReadFactor * Math.Max(1, wanted),
        });
        while (pool.Count < wanted && feed.HasMoreResults)
        {
            foreach (var entry in await feed.ReadNextAsync(cancellationToken).ConfigureAwait(false))
            {
                _items.RememberEntry(entry, entry.ETag);
                if (takeable(entry))
                {
                    pool.Add(entry);
                }
            }
        }

        return pool;
    }

    private static bool CanTake(ItemEntry entry, ItemLease lease, DateTimeOffset now) =>
        entry.State == ItemState.Collecting && IsFree(entry, now) && !entry.IsDoneBy(lease.WorkerId, now);

    /// <summary>Writes the hold under the entry's ETag; false when the entry changed since that version.</summary>
    private async Task<bool> TryHoldAsync(ItemEntry entry, string etag, ItemLease lease, string partition, CancellationToken cancellationToken)
    {
        // The previous holder let the lease expire: that was their skip.
        var taken = (entry.HeldBy is { } previous ? entry.SkippedBy(previous) : entry) with { HeldBy = lease.WorkerId, HeldUntil = lease.ExpiresAt, ETag = null };
        try
        {
            var response = await _db.Index.ReplaceItemAsync(taken, entry.Id, new PartitionKey(partition),
                new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
            _items.RememberEntry(taken, response.ETag);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            _items.RememberEntry(entry, null);
            return false;
        }
    }

    private static bool IsFree(ItemEntry entry, DateTimeOffset now) => entry.HeldUntil is not { } until || until <= now;

    private static string OpenId(string projectId, string workerId) => $"open:{projectId}:{workerId}";

    /// <summary>How a grant ended.</summary>
    private enum Grant
    {
        /// <summary>The lease was granted.</summary>
        Granted,

        /// <summary>Refused before the item was touched: the worker's pointer names a lease still open.</summary>
        WorkerHoldsLease,

        /// <summary>Refused: the item could not be taken, or a concurrent grant to the worker moved its pointer first.</summary>
        Refused,
    }
}
