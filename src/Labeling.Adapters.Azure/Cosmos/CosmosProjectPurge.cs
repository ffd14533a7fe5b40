using System.Net;
using Labeling.Application.Ports;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// Deletes projects from Cosmos DB (<see cref="IProjectPurge"/>), by point deletes and single-partition queries only (no
/// transactional batch or cross-partition query, which the service limits and the tests' server lacks). The mark is the
/// project document's <c>DeletedAt</c>; other instances read it within <see cref="CosmosOptions.ProjectRefresh"/>. An item
/// goes with its votes (its own partition), its open lease and its index entry, the entry last, so an item cut off half
/// deleted is found again by the next pass. The project document stays (with <c>PurgedAt</c>) and keeps the id from being
/// used again. Leases already used or released and stored answers of idempotent requests are left to their time to live.
/// </summary>
public sealed class CosmosProjectPurge : IProjectPurge
{
    // Items deleted at once: each is a query and a few point deletes, a handful of request units each.
    private const int Parallel = 16;

    private readonly CosmosDatabase _db;
    private readonly CosmosProjectStore _projects;
    private readonly TimeProvider _time;

    /// <summary>Creates the purge.</summary>
    /// <param name="db">The database.</param>
    /// <param name="projects">The project store, whose memory of the project this instance drops.</param>
    /// <param name="time">The clock (the system's when null).</param>
    public CosmosProjectPurge(CosmosDatabase db, CosmosProjectStore projects, TimeProvider? time = null)
    {
        _db = db;
        _projects = projects;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<bool> MarkDeletedAsync(string projectId, IReadOnlyCollection<int>? acceptedVersions, DateTimeOffset at, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (stored, etag) = await CosmosDatabase.ReadAsync<ProjectDoc>(_db.Projects, projectId, projectId, cancellationToken).ConfigureAwait(false);
            if (stored is null or { PurgedAt: not null })
            {
                return false;
            }

            if (stored.DeletedAt is not null)
            {
                _projects.Forget(projectId);
                return true;
            }

            // Checked on the version the mark replaces (If-Match on its ETag): a PATCH that lands after the caller read the
            // project is not deleted in place of the version the caller read.
            if (acceptedVersions is not null && !acceptedVersions.Contains(stored.Body.Version))
            {
                return false;
            }

            try
            {
                await _db.Projects.ReplaceItemAsync(
                    stored with { DeletedAt = at }, projectId, new PartitionKey(projectId),
                    new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
                _projects.Forget(projectId);
                return true;
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed && attempt < 5)
            {
                // A PATCH of the project landed between the read and the mark: read the version it wrote (and check it).
                continue;
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListDeletedAsync(CancellationToken cancellationToken)
    {
        var entries = await CosmosDatabase.QueryPartitionAsync<ProjectEntry>(_db.Index, "*", "partition", ProjectsPartition, cancellationToken).ConfigureAwait(false);
        var deleted = new List<string>();
        foreach (var entry in entries.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            var stored = (await CosmosDatabase.ReadAsync<ProjectDoc>(_db.Projects, entry.Id, entry.Id, cancellationToken).ConfigureAwait(false)).Document;
            if (stored is { DeletedAt: not null, PurgedAt: null })
            {
                deleted.Add(entry.Id);
            }
        }

        return deleted;
    }

    /// <inheritdoc />
    public async Task<int> PurgeItemsAsync(string projectId, int limit, CancellationToken cancellationToken)
    {
        for (var bucket = 0; bucket < _db.Options.IndexBuckets; bucket++)
        {
            var partition = ItemsPartition(projectId, bucket);
            var batch = await FirstEntriesAsync(partition, limit, cancellationToken).ConfigureAwait(false);
            if (batch.Length == 0)
            {
                continue;
            }

            await System.Threading.Tasks.Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken },
                async (entry, ct) => await PurgeItemAsync(projectId, entry, ct).ConfigureAwait(false)).ConfigureAwait(false);
            return batch.Length;
        }

        return 0;
    }

    // One page of at most `limit` entries, not the bucket: a batch reads what it deletes, so a project of n items costs about
    // n entries read in all rather than n² / limit.
    private async Task<ItemEntry[]> FirstEntriesAsync(string partition, int limit, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.partition = @pk").WithParameter("@pk", partition);
        using var feed = _db.Index.GetItemQueryIterator<ItemEntry>(
            query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(partition), MaxItemCount = Math.Max(1, limit) });
        while (feed.HasMoreResults)
        {
            var page = await feed.ReadNextAsync(cancellationToken).ConfigureAwait(false);
            if (page.Count > 0)
            {
                return [.. page.Take(limit)];
            }
        }

        return [];
    }

    private async Task PurgeItemAsync(string projectId, ItemEntry entry, CancellationToken cancellationToken)
    {
        var key = ItemKey(projectId, entry.Id);
        var votes = await CosmosDatabase.QueryPartitionAsync<string>(_db.Votes, "VALUE c.id", "itemId", key, cancellationToken).ConfigureAwait(false);
        foreach (var vote in votes)
        {
            await CosmosDatabase.DeleteIfPresentAsync(_db.Votes, vote, key, cancellationToken).ConfigureAwait(false);
        }

        if (entry.HeldBy is { } worker)
        {
            // The holder's open lease, so the worker is not sent back to an item that is gone.
            var pointer = $"open:{projectId}:{worker}";
            if ((await CosmosDatabase.ReadAsync<OpenLeaseDoc>(_db.Leases, pointer, pointer, cancellationToken).ConfigureAwait(false)).Document is { } open)
            {
                await CosmosDatabase.DeleteIfPresentAsync(_db.Leases, open.LeaseId, open.LeaseId, cancellationToken).ConfigureAwait(false);
            }

            await CosmosDatabase.DeleteIfPresentAsync(_db.Leases, pointer, pointer, cancellationToken).ConfigureAwait(false);
        }

        await CosmosDatabase.DeleteIfPresentAsync(_db.Items, key, key, cancellationToken).ConfigureAwait(false);
        await CosmosDatabase.DeleteIfPresentAsync(_db.Index, entry.Id, entry.Partition, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> FinishAsync(string projectId, CancellationToken cancellationToken)
    {
        if (await PurgeItemsAsync(projectId, 1, cancellationToken).ConfigureAwait(false) > 0)
        {
            return false;
        }

        var documents = await CosmosDatabase.QueryPartitionAsync<string>(_db.Index, "VALUE c.id", "partition", DocumentsPartition(projectId), cancellationToken).ConfigureAwait(false);
        foreach (var document in documents)
        {
            await CosmosDatabase.DeleteIfPresentAsync(_db.Index, document, DocumentsPartition(projectId), cancellationToken).ConfigureAwait(false);
        }

        var labelers = await CosmosDatabase.QueryPartitionAsync<string>(_db.Index, "VALUE c.id", "partition", LabelersPartition(projectId), cancellationToken).ConfigureAwait(false);
        foreach (var labeler in labelers)
        {
            for (var shard = 0; shard < _db.Options.StatisticShards; shard++)
            {
                var id = ShardId(projectId, labeler, shard);
                await CosmosDatabase.DeleteIfPresentAsync(_db.Labelers, id, id, cancellationToken).ConfigureAwait(false);
            }

            await CosmosDatabase.DeleteIfPresentAsync(_db.Index, labeler, LabelersPartition(projectId), cancellationToken).ConfigureAwait(false);
        }

        await CosmosDatabase.DeleteIfPresentAsync(_db.Labelers, CounterId(projectId), CounterId(projectId), cancellationToken).ConfigureAwait(false);
        await CosmosDatabase.DeleteIfPresentAsync(_db.Labelers, StatisticsMarkId(projectId), StatisticsMarkId(projectId), cancellationToken).ConfigureAwait(false);

        var (stored, etag) = await CosmosDatabase.ReadAsync<ProjectDoc>(_db.Projects, projectId, projectId, cancellationToken).ConfigureAwait(false);
        if (stored is { PurgedAt: null })
        {
            try
            {
                await _db.Projects.ReplaceItemAsync(
                    stored with { PurgedAt = _time.GetUtcNow() }, projectId, new PartitionKey(projectId),
                    new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                // Nothing but a purge writes a marked project (a PATCH of it is refused): a second DELETE, finishing at the
                // same time, ended the deletion first. Its 204 and this one's are both right.
            }
        }

        return true;
    }
}
