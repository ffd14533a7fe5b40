using System.Net;
using System.Runtime.CompilerServices;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Votes;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// Items (one document each in <c>items</c>, with their truth-model evidence), votes (<c>votes</c>,
/// one partition per item), a bucketed item index in <c>index</c> (<c>{projectId}:items:{bucket}</c>)
/// for listing, counting and leasing, and sharded vote counters in <c>labelers</c>.
/// </summary>
/// <remarks>
/// <para><b>Commits are not atomic across documents.</b> The port asks for an all-or-nothing write of
/// items, votes, statistics, events, lease and idempotency record; Cosmos offers that only inside one
/// logical partition (a transactional batch, which the emulator does not serve either), and these
/// parts live in different partitions by design. So a commit is a sequence of idempotent, ordered writes:</para>
/// <list type="number">
/// <item>check every item's stored revision and that no vote exists yet (the common conflict is caught before anything is written);</item>
/// <item>replace each item under its ETag — the commit point; a 412 here means a concurrent writer won and the commit stops with a conflict;</item>
/// <item>create the votes (ids are the labeler ids inside the item's partition, so a vote is written at most once);</item>
/// <item>update the items' index entries, the labelers' shards and the project's counter shard (ETag retries), add the outbox
/// events and complete the lease, all at once (none depends on another, and each is keyed, so re-running it is harmless);</item>
/// <item>store the idempotency record, last, so that a replayed answer stands for a complete commit.</item>
/// </list>
/// <para>A crash between 2 and 5 leaves the item ahead of its side records (e.g. a decided item whose
/// <c>label.ready</c> is not yet in the outbox); the timer's batch re-fit recomputes statistics and
/// the crowd workflow's completion activity re-announces decisions, so the system converges, but
/// not within one request as SQLite does.</para>
/// </remarks>
public sealed class CosmosItemStore : IItemStore
{
    private readonly CosmosDatabase _db;
    private readonly CosmosLabelerStore _labelers;

    /// <summary>Creates the store.</summary>
    /// <param name="db">The database.</param>
    /// <param name="labelers">The labeler store, which owns the statistic shards.</param>
    public CosmosItemStore(CosmosDatabase db, CosmosLabelerStore labelers)
    {
        _db = db;
        _labelers = labelers;
    }

    private int Buckets => _db.Options.IndexBuckets;

    /// <inheritdoc />
    public async Task<Item?> GetAsync(string projectId, string itemId, CancellationToken cancellationToken)
    {
        var key = ItemKey(projectId, itemId);
        return (await CosmosDatabase.ReadAsync<ItemDoc>(_db.Items, key, key, cancellationToken).ConfigureAwait(false)).Document?.Body;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> AddNewAsync(IReadOnlyList<Item> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var added = new System.Collections.Concurrent.ConcurrentBag<string>();
        var distinct = items.GroupBy(i => i.Id, StringComparer.Ordinal).Select(g => g.First()).ToArray();
        await Parallel.ForEachAsync(distinct, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            var key = ItemKey(item.ProjectId, item.Id);
            try
            {
                // Ids come from the content hash: creating an existing id is the dedup.
                await _db.Items.CreateItemAsync(new ItemDoc(key, item, null), new PartitionKey(key), cancellationToken: ct).ConfigureAwait(false);
                added.Add(item.Id);
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                // Already there. Its index entry is (re)created below in case a crash came in between.
            }

            var partition = ItemBucket(item.ProjectId, item.Id, Buckets);
            try
            {
                await _db.Index.CreateItemAsync(new ItemEntry(item.Id, partition, item.State, item.DocumentId, item.CrowdVotes, [], null, null), new PartitionKey(partition), cancellationToken: ct).ConfigureAwait(false);
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                // The entry exists and may be further along than this item: leave it.
            }
        }).ConfigureAwait(false);
        return added.OrderBy(id => id, StringComparer.Ordinal).ToArray();
    }

    /// <inheritdoc />
    public async Task<int> CountFromDocumentAsync(string projectId, string documentId, CancellationToken cancellationToken) =>
        (await EntriesAsync(projectId, cancellationToken).ConfigureAwait(false)).Count(e => e.DocumentId == documentId);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Item>> ListAsync(string projectId, ItemState? state, string? afterId, int limit, CancellationToken cancellationToken)
    {
        var ids = (await EntriesAsync(projectId, cancellationToken).ConfigureAwait(false))
            .Where(e => state is null || e.State == state)
            .Select(e => e.Id)
            .Where(id => afterId is null || string.CompareOrdinal(id, afterId) > 0)
            .Order(StringComparer.Ordinal)
            .Take(Math.Max(0, limit))
            .ToArray();
        return await ReadItemsAsync(projectId, ids, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Vote>> GetVotesAsync(string projectId, string itemId, CancellationToken cancellationToken)
    {
        var votes = await CosmosDatabase.QueryPartitionAsync<VoteDoc>(_db.Votes, "*", "itemId", ItemKey(projectId, itemId), cancellationToken).ConfigureAwait(false);
        return votes.Select(v => v.Body).OrderBy(v => v.At).ThenBy(v => v.LabelerId, StringComparer.Ordinal).ToArray();
    }

    /// <inheritdoc />
    public async Task<ProjectCounts> CountAsync(string projectId, CancellationToken cancellationToken)
    {
        var byState = (await EntriesAsync(projectId, cancellationToken).ConfigureAwait(false))
            .GroupBy(e => e.State).ToDictionary(g => g.Key, g => g.Count());
        var counters = await CountersAsync(projectId, cancellationToken).ConfigureAwait(false);
        return new ProjectCounts(byState, counters.Sum(c => c.CrowdVotes), counters.Sum(c => c.MachineVotes));
    }

    /// <inheritdoc />
    public async Task<long> CountCrowdVotesAsync(string projectId, CancellationToken cancellationToken) =>
        (await CountersAsync(projectId, cancellationToken).ConfigureAwait(false)).Sum(c => c.CrowdVotes);

    /// <inheritdoc />
    public Task<int> CountVotesByAsync(string projectId, string labelerId, CancellationToken cancellationToken) =>
        _labelers.CountVotesAsync(projectId, labelerId, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<Item> ReadLabeledAsync(string projectId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var ids = (await EntriesAsync(projectId, cancellationToken).ConfigureAwait(false))
            .Where(e => e.State is ItemState.AutoAccepted or ItemState.Decided)
            .Select(e => e.Id).Order(StringComparer.Ordinal).ToArray();
        foreach (var chunk in ids.Chunk(100))
        {
            foreach (var item in await ReadItemsAsync(projectId, chunk, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }

    /// <inheritdoc />
    public async Task CommitAsync(ItemCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var projectId = commit.ProjectId;

        // 1. Check before writing anything; the reads are independent, so they go out together.
        var itemReads = commit.Items.Select(w =>
        {
            var key = ItemKey(projectId, w.Item.Id);
            return CosmosDatabase.ReadAsync<ItemDoc>(_db.Items, key, key, cancellationToken);
        }).ToArray();

        // A query rather than a point read: the emulator fails point reads of missing documents in containers keyed by another property than /id.
        var voteReads = commit.Votes.Select(v =>
            CosmosDatabase.QueryPartitionAsync<VoteDoc>(_db.Votes, "*", "itemId", ItemKey(projectId, v.ItemId), cancellationToken)).ToArray();
        await Task.WhenAll(itemReads.Cast<Task>().Concat(voteReads)).ConfigureAwait(false);

        var etags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < commit.Items.Count; i++)
        {
            var write = commit.Items[i];
            var (stored, etag) = await itemReads[i].ConfigureAwait(false);
            if (stored is null || stored.Body.Revision != write.Item.Revision - 1)
            {
                throw new ConcurrencyConflictException($"Item '{write.Item.Id}' is at revision {stored?.Body.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, not {write.Item.Revision - 1}; reload it and try again.");
            }

            etags[write.Item.Id] = etag!;
        }

        for (var i = 0; i < commit.Votes.Count; i++)
        {
            var vote = commit.Votes[i];
            if ((await voteReads[i].ConfigureAwait(false)).Any(v => v.Id == vote.LabelerId))
            {
                throw new ConcurrencyConflictException($"'{vote.LabelerId}' has already voted on item '{vote.ItemId}'.");
            }
        }

        // 2. The commit point: each item under its ETag.
        foreach (var write in commit.Items)
        {
            var key = ItemKey(projectId, write.Item.Id);
            try
            {
                await _db.Items.ReplaceItemAsync(new ItemDoc(key, write.Item, write.Evidence), key, new PartitionKey(key),
                    new ItemRequestOptions { IfMatchEtag = etags[write.Item.Id] }, cancellationToken).ConfigureAwait(false);
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                throw new ConcurrencyConflictException($"Item '{write.Item.Id}' changed while this step was being written; reload it and try again.");
            }
        }

        // 3. Votes, at most once each (the weak-label step writes one per machine labeler, independently).
        await Task.WhenAll(commit.Votes.Select(async vote =>
        {
            var partition = ItemKey(projectId, vote.ItemId);
            try
            {
                await _db.Votes.CreateItemAsync(new VoteDoc(vote.LabelerId, partition, vote), new PartitionKey(partition), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                throw new ConcurrencyConflictException($"'{vote.LabelerId}' has already voted on item '{vote.ItemId}'.");
            }
        })).ConfigureAwait(false);

        // 4. Index entries, labeler shards, counters, outbox, lease: each keyed and idempotent, none
        // reading another's result, so they go out together (the vote path runs under the project's
        // model gate, where every sequential round trip is throughput lost).
        var sideWrites = new List<Task>();
        var voters = commit.Votes.Where(v => v.Kind == LabelerKind.Worker).ToLookup(v => v.ItemId, v => v.LabelerId, StringComparer.Ordinal);
        foreach (var write in commit.Items)
        {
            sideWrites.Add(UpdateEntryAsync(write.Item, voters[write.Item.Id], commit.CompletedLeaseId is not null, cancellationToken));
        }

        var shardKey = commit.Items.FirstOrDefault()?.Item.Id ?? commit.Votes.FirstOrDefault()?.ItemId ?? projectId;
        var votesBy = commit.Votes.GroupBy(v => v.LabelerId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (commit.Statistics.Count > 0 || commit.TrackIncrements.Count > 0 || votesBy.Count > 0)
        {
            sideWrites.Add(_labelers.ApplyAsync(projectId, shardKey, commit.Statistics, commit.TrackIncrements, votesBy, cancellationToken));
        }

        var crowd = commit.Votes.Count(v => v.Kind == LabelerKind.Worker);
        if (commit.Votes.Count > 0)
        {
            var id = CounterId(projectId, StableHash.Bucket(shardKey, _db.Options.StatisticShards));
            var machine = commit.Votes.Count - crowd;
            sideWrites.Add(OptimisticUpdate.ApplyAsync<CounterShard>(_db.Labelers, id, id, current =>
            {
                var doc = current ?? new CounterShard(id, 0, 0);
                return doc with { CrowdVotes = doc.CrowdVotes + crowd, MachineVotes = doc.MachineVotes + machine };
            }, _db.Options.MaxConcurrencyRetries, cancellationToken));
        }

        sideWrites.AddRange(commit.Events.Select(evt => CosmosEventOutbox.AddAsync(_db, evt, cancellationToken)));
        if (commit.CompletedLeaseId is { } leaseId)
        {
            sideWrites.Add(CosmosLeaseStore.CompleteAsync(_db, leaseId, commit.Votes.FirstOrDefault()?.At ?? commit.Items.FirstOrDefault()?.Item.UpdatedAt ?? DateTimeOffset.UnixEpoch, cancellationToken));
        }

        await Task.WhenAll(sideWrites).ConfigureAwait(false);

        // 5. The idempotency record last: a retry that finds it replays the answer, so everything it stands for is written.
        if (commit.Idempotency is { } record)
        {
            var id = CosmosIdempotencyStore.IdFor(record.CallerId, record.Key);
            await _db.Leases.UpsertItemAsync(new IdempotencyDoc(id, record), new PartitionKey(id), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every index entry of a project: one single-partition query per bucket.</summary>
    internal async Task<List<ItemEntry>> EntriesAsync(string projectId, CancellationToken cancellationToken)
    {
        var queries = Enumerable.Range(0, Buckets).Select(b =>
            CosmosDatabase.QueryPartitionAsync<ItemEntry>(_db.Index, "*", "partition", $"{projectId}:items:{b}", cancellationToken));
        return (await Task.WhenAll(queries).ConfigureAwait(false)).SelectMany(e => e).ToList();
    }

    private async Task UpdateEntryAsync(Item item, IEnumerable<string> newVoters, bool releaseHold, CancellationToken cancellationToken)
    {
        var partition = ItemBucket(item.ProjectId, item.Id, Buckets);
        var added = newVoters.ToArray();
        await OptimisticUpdate.ApplyAsync<ItemEntry>(_db.Index, item.Id, partition, current =>
        {
            var entry = current ?? new ItemEntry(item.Id, partition, item.State, item.DocumentId, 0, [], null, null);
            var voters = entry.Voters.Union(added, StringComparer.Ordinal).ToArray();
            var release = releaseHold && entry.HeldBy is not null && added.Contains(entry.HeldBy, StringComparer.Ordinal);
            return entry with
            {
                State = item.State,
                CrowdVotes = item.CrowdVotes,
                Voters = voters,
                HeldBy = release ? null : entry.HeldBy,
                HeldUntil = release ? null : entry.HeldUntil,
            };
        }, _db.Options.MaxConcurrencyRetries, cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<CounterShard>> CountersAsync(string projectId, CancellationToken cancellationToken)
    {
        var reads = Enumerable.Range(0, _db.Options.StatisticShards).Select(shard =>
        {
            var id = CounterId(projectId, shard);
            return CosmosDatabase.ReadAsync<CounterShard>(_db.Labelers, id, id, cancellationToken);
        });
        return (await Task.WhenAll(reads).ConfigureAwait(false)).Select(r => r.Document).OfType<CounterShard>().ToList();
    }

    private async Task<IReadOnlyList<Item>> ReadItemsAsync(string projectId, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var reads = ids.Select(id => GetAsync(projectId, id, cancellationToken));
        return (await Task.WhenAll(reads).ConfigureAwait(false)).OfType<Item>().ToArray();
    }
}
