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
    private readonly CosmosItemStore _items;

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
        if (open is null || await GetAsync(open.LeaseId, cancellationToken).ConfigureAwait(false) is not { } lease || !lease.IsOpenAt(now))
        {
            return null;
        }

        var item = await _items.GetAsync(projectId, lease.ItemId, cancellationToken).ConfigureAwait(false);
        return item?.State == ItemState.Collecting ? lease : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> FindCandidatesAsync(string projectId, string workerId, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var entries = await _items.EntriesAsync(projectId, cancellationToken).ConfigureAwait(false);
        return entries
            .Where(e => e.State == ItemState.Collecting && IsFree(e, now) && !e.IsDoneBy(workerId, now))
            .OrderByDescending(e => e.CrowdVotes).ThenBy(e => e.Id, StringComparer.Ordinal)
            .Take(Math.Max(0, limit))
            .Select(e => e.Id)
            .ToArray();
    }

    /// <inheritdoc />
    public async Task<bool> TryAcquireAsync(ItemLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var partition = ItemBucket(lease.ProjectId, lease.ItemId, _db.Options.IndexBuckets);
        var (entry, etag) = await CosmosDatabase.ReadAsync<ItemEntry>(_db.Index, lease.ItemId, partition, cancellationToken).ConfigureAwait(false);
        if (entry is null || entry.State != ItemState.Collecting || !IsFree(entry, now) || entry.IsDoneBy(lease.WorkerId, now))
        {
            return false;
        }

        // The previous holder let the lease expire: that was their skip.
        var taken = entry.HeldBy is { } previous ? entry.SkippedBy(previous) : entry;
        try
        {
            await _db.Index.ReplaceItemAsync(taken with { HeldBy = lease.WorkerId, HeldUntil = lease.ExpiresAt }, entry.Id, new PartitionKey(partition),
                new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return false;
        }

        var id = "lease:" + lease.Id;
        await _db.Leases.UpsertItemAsync(new LeaseDoc(id, lease), new PartitionKey(id), cancellationToken: cancellationToken).ConfigureAwait(false);
        var pointer = OpenId(lease.ProjectId, lease.WorkerId);
        await _db.Leases.UpsertItemAsync(new OpenLeaseDoc(pointer, lease.Id), new PartitionKey(pointer), cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
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

        var partition = ItemBucket(lease.ProjectId, lease.ItemId, _db.Options.IndexBuckets);
        await OptimisticUpdate.ApplyAsync<ItemEntry>(_db.Index, lease.ItemId, partition, current =>
            current is null ? null
                : current.HeldBy == lease.WorkerId ? current.SkippedBy(lease.WorkerId) with { HeldBy = null, HeldUntil = null }
                : current.SkippedBy(lease.WorkerId),
            _db.Options.MaxConcurrencyRetries, cancellationToken).ConfigureAwait(false);
        await DeletePointerAsync(_db, lease, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Marks a lease used. Idempotent.</summary>
    internal static async Task CompleteAsync(CosmosDatabase db, string leaseId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var id = "lease:" + leaseId;
        var done = await OptimisticUpdate.ApplyAsync<LeaseDoc>(db.Leases, id, id, current =>
            current is null || current.Body.CompletedAt is not null ? null : current with { Body = current.Body with { CompletedAt = at } },
            db.Options.MaxConcurrencyRetries, cancellationToken).ConfigureAwait(false);
        if (done is not null)
        {
            await DeletePointerAsync(db, done.Body, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task DeletePointerAsync(CosmosDatabase db, ItemLease lease, CancellationToken cancellationToken)
    {
        var pointer = OpenId(lease.ProjectId, lease.WorkerId);
        try
        {
            await db.Leases.DeleteItemAsync<OpenLeaseDoc>(pointer, new PartitionKey(pointer), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Already removed by an earlier run of the same commit.
        }
    }

    private static bool IsFree(ItemEntry entry, DateTimeOffset now) => entry.HeldUntil is not { } until || until <= now;

    private static string OpenId(string projectId, string workerId) => $"open:{projectId}:{workerId}";
}
