using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.TruthInference;
using Labeling.Domain.Votes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
/// <item>check that no vote exists yet (on the voters the replaced item version lists, or point reads of the votes), and the stored revision of any item this process
/// has not seen at the revision the write starts from (the common conflicts are caught before anything is written);</item>
/// <item>replace each item under its ETag — the commit point; a 412 here means a concurrent writer won and the commit stops with a conflict;</item>
/// <item>create the votes (ids are the labeler ids inside the item's partition, so a vote is written at most once), and
/// update the items' index entries, the labelers' shards and the project's counter (patch increments), add the outbox
/// events, complete the lease and store the idempotency record, all at once (none depends on another, and each is keyed,
/// so re-running it is harmless).</item>
/// </list>
/// <para>The idempotency record is written with the rest, not after it: once the item is replaced the vote counted, and a
/// retry with its key gets its answer even when another of those writes failed (which event 7301 reports). A retry that
/// comes while the record is still on its way (on another instance) waits for it, up to
/// <see cref="CosmosIdempotencyStore.RecordLag"/>, rather than being refused for a vote that counted.</para>
/// <para>Once step 1 has passed, steps 2 and 3 are written to the end whatever the caller's cancellation token says (a
/// client that hangs up, an invocation the host cancels): stopping after the commit point would leave the item ahead of
/// its side records, and a retry cannot complete them (the vote is already on the item, so it is refused). For the same
/// reason a write of step 3 that fails for a reason that passes (throttled past the SDK's own retries, the service
/// unavailable, a timeout, a lost connection) is tried again, up to <see cref="TailAttempts"/> times over about
/// <see cref="TailRetryTime"/>: a 503 on the outbox create left a decided item without its <c>label.ready</c> for good
/// (a review measured it). Only the writes that are safe to repeat are retried after an answer that may mean done (a
/// timeout): the vote (whose conflict on a retry is the first try's success), the index entry, the outbox event, the
/// lease and the idempotency record; the counter's and the shards' increments are retried only when the service says it
/// did nothing (429, 449), the shards not at all (the next re-fit replaces the statistics). Only a crash of the process
/// between 2 and 3 (an instance killed) or a failure that outlasts the retries still leaves the item ahead of them: a
/// decided item whose <c>label.ready</c> is not in the outbox, a vote the <c>votes</c> container lacks until the re-fit
/// reads the items' evidence, a lease not closed; event 7301 names the item and what is missing. Nothing re-writes those;
/// SQLite writes a commit in one transaction and has no such window.</para>
/// <para>The vote path runs these steps under its project's model gate, so every sequential round trip
/// is throughput lost: the store remembers the ETag of each item and index entry it read or wrote
/// (<see cref="VersionCache{T}"/>) and writes them without reading them again; a stale ETag costs a 412
/// and a read, never a lost update.</para>
/// </remarks>
public sealed partial class CosmosItemStore : IItemStore, ISharedItemStore
{
    private const int RememberedVersions = 100_000;
    private readonly CosmosDatabase _db;
    private readonly CosmosLabelerStore _labelers;
    private readonly VersionCache<ItemVersion> _itemRevisions = new(RememberedVersions);
    private readonly VersionCache<ItemEntry> _entries = new(RememberedVersions);
    private readonly ConcurrentDictionary<string, (ProjectCounter Counter, DateTimeOffset ReadAt)> _counters = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _started = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _seeded = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    /// <summary>How many times a write after the commit point is tried before the commit is given up as incomplete.</summary>
    internal const int TailAttempts = 6;

    /// <summary>About how long the tries of one write after the commit point take, their pauses doubling from 250 ms.</summary>
    internal static readonly TimeSpan TailRetryTime = TimeSpan.FromSeconds(8);

    /// <summary>Leases this process has seen closed, shared with <see cref="CosmosLeaseStore"/> (a commit completes its lease).</summary>
    internal ClosedLeases ClosedLeases { get; } = new(RememberedVersions);

    /// <summary>Creates the store.</summary>
    /// <param name="db">The database.</param>
    /// <param name="labelers">The labeler store, which owns the statistic shards.</param>
    /// <param name="time">The clock for the vote counter's freshness; default the system clock.</param>
    /// <param name="logger">Where a commit left incomplete is reported; default nowhere.</param>
    public CosmosItemStore(CosmosDatabase db, CosmosLabelerStore labelers, TimeProvider? time = null, ILogger<CosmosItemStore>? logger = null)
    {
        _db = db;
        _labelers = labelers;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<CosmosItemStore>.Instance;
    }

    /// <summary>
    /// How long a read of a project's vote counter stands in for the stored one. Every task request, vote and
    /// workflow step asks for the count (for the budget); within one instance the remembered value also takes
    /// this instance's own increments, so it lags only other instances' votes, by at most this long — no more
    /// than the budget check already races them, since the check and the vote are not one atomic step.
    /// </summary>
    public static readonly TimeSpan CounterFreshness = TimeSpan.FromSeconds(1);

    private int Buckets => _db.Options.IndexBuckets;

    /// <inheritdoc />
    public async Task<Item?> GetAsync(string projectId, string itemId, CancellationToken cancellationToken) =>
        (await GetStoredAsync(projectId, itemId, cancellationToken).ConfigureAwait(false))?.Item;

    /// <inheritdoc />
    public async Task<StoredItem?> GetStoredAsync(string projectId, string itemId, CancellationToken cancellationToken)
    {
        var key = ItemKey(projectId, itemId);
        var (doc, etag) = await CosmosDatabase.ReadAsync<ItemDoc>(_db.Items, key, key, cancellationToken).ConfigureAwait(false);
        _itemRevisions.Set(key, new ItemVersion(doc?.Body.Revision ?? 0, doc?.Voters), etag);
        return doc is null ? null : new StoredItem(doc.Body, doc.Evidence);
    }

    /// <inheritdoc />
    public void Adopted(string projectId, IReadOnlyList<(LabelerStatisticsState Before, LabelerStatisticsState After)> changes) =>
        _labelers.Rebase(projectId, changes);

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
                var created = await _db.Items.CreateItemAsync(new ItemDoc(key, item, null, []), new PartitionKey(key), cancellationToken: ct).ConfigureAwait(false);
                _itemRevisions.Set(key, new ItemVersion(item.Revision, []), created.ETag);
                added.Add(item.Id);
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                // Already there. Its index entry is (re)created below in case a crash came in between.
            }

            var partition = ItemBucket(item.ProjectId, item.Id, Buckets);
            try
            {
                var entry = new ItemEntry(item.Id, partition, item.State, item.DocumentId, item.CrowdVotes, [], null, null);
                var created = await _db.Index.CreateItemAsync(entry, new PartitionKey(partition), cancellationToken: ct).ConfigureAwait(false);
                _entries.Set(item.Id, entry, created.ETag);
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                // The entry exists and may be further along than this item: leave it.
            }
        }).ConfigureAwait(false);
        return added.OrderBy(id => id, StringComparer.Ordinal).ToArray();
    }

    /// <inheritdoc />
    /// <remarks>The ids of the document's entries, a query per bucket: what it reads is the document's items, not the project's.</remarks>
    public async Task<int> CountFromDocumentAsync(string projectId, string documentId, CancellationToken cancellationToken) =>
        (await EachBucketAsync(projectId, "SELECT VALUE c.id FROM c WHERE c.partition = @pk AND c.documentId = @document",
            q => q.WithParameter("@document", documentId), cancellationToken).ConfigureAwait(false)).Sum(ids => ids.Count);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Item>> ListAsync(string projectId, ItemState? state, string? afterId, int limit, CancellationToken cancellationToken)
    {
        // The ids after the cursor in the state, from every bucket; the page is the first of them in id order. Without ORDER BY
        // (which takes a query plan, and the Cosmos DB server the tests run cannot give one) a bucket cannot stop at the page.
        var where = "c.partition = @pk" + (state is null ? "" : " AND c.state = @state") + (afterId is null ? "" : " AND c.id > @after");
        var buckets = await EachBucketAsync(projectId, $"SELECT VALUE c.id FROM c WHERE {where}", q =>
        {
            q = state is { } s ? q.WithParameter("@state", StateName(s)) : q;
            return afterId is null ? q : q.WithParameter("@after", afterId);
        }, cancellationToken).ConfigureAwait(false);
        var ids = buckets.SelectMany(b => b)
            .Where(id => afterId is null || string.CompareOrdinal(id, afterId) > 0)
            .Order(StringComparer.Ordinal)
            .ToArray();
        // An item that left the state between its index entry and its read is not this page's: the next ids fill its place,
        // so a page is short only at the end (a page cut short, or empty, told the client there was no more).
        var page = new List<Item>(Math.Max(0, Math.Min(limit, ids.Length)));
        for (var next = 0; next < ids.Length && page.Count < limit;)
        {
            var chunk = ids.AsSpan(next, Math.Min(limit - page.Count, ids.Length - next)).ToArray();
            next += chunk.Length;
            var items = await ReadItemsAsync(projectId, chunk, cancellationToken).ConfigureAwait(false);
            page.AddRange(state is { } wanted ? items.Where(i => i.State == wanted) : items);
        }

        return page;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Vote>> GetVotesAsync(string projectId, string itemId, CancellationToken cancellationToken)
    {
        var votes = await CosmosDatabase.QueryPartitionAsync<VoteDoc>(_db.Votes, "*", "itemId", ItemKey(projectId, itemId), cancellationToken).ConfigureAwait(false);
        return votes.Select(v => v.Body).OrderBy(v => v.At).ThenBy(v => v.LabelerId, StringComparer.Ordinal).ToArray();
    }

    /// <inheritdoc />
    /// <remarks>One entry at most from each bucket, all buckets at once: a worker told there is no task reads a few
    /// entries, not the project's index.</remarks>
    public async Task<bool> AnyInStateAsync(string projectId, ItemState state, CancellationToken cancellationToken) =>
        (await EachBucketAsync(projectId, "SELECT TOP 1 VALUE c.id FROM c WHERE c.partition = @pk AND c.state = @state",
            q => q.WithParameter("@state", StateName(state)), cancellationToken).ConfigureAwait(false)).Any(ids => ids.Count > 0);

    /// <inheritdoc />
    /// <remarks>Every index entry's state (only that: a word each, not the entry with its voters), one query per bucket.</remarks>
    public async Task<ProjectCounts> CountAsync(string projectId, CancellationToken cancellationToken)
    {
        var states = await EachBucketAsync(projectId, "SELECT VALUE c.state FROM c WHERE c.partition = @pk", q => q, cancellationToken).ConfigureAwait(false);
        var names = Enum.GetValues<ItemState>().ToDictionary(StateName, s => s, StringComparer.Ordinal);
        var byState = states.SelectMany(b => b)
            .GroupBy(name => names[name]).ToDictionary(g => g.Key, g => g.Count());
        var counter = await CounterAsync(projectId, cancellationToken).ConfigureAwait(false);
        return new ProjectCounts(byState, counter?.CrowdVotes ?? 0, counter?.MachineVotes ?? 0);
    }

    /// <inheritdoc />
    public async Task<long> CountCrowdVotesAsync(string projectId, CancellationToken cancellationToken) =>
        (await CounterAsync(projectId, cancellationToken).ConfigureAwait(false))?.CrowdVotes ?? 0;

    /// <inheritdoc />
    public Task<LabelerVotes> CountVotesByAsync(string projectId, string labelerId, CancellationToken cancellationToken) =>
        _labelers.CountVotesAsync(projectId, labelerId, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<Item> ReadLabeledAsync(string projectId, CancellationToken cancellationToken) =>
        ReadWhereAsync(projectId, [ItemState.AutoAccepted, ItemState.Decided], cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<Item> ReadInStateAsync(string projectId, ItemState state, CancellationToken cancellationToken) =>
        ReadWhereAsync(projectId, [state], cancellationToken);

    // The ids in the states from every bucket of the index (ids only: not the entries with their voters, nor into the
    // vote path's version cache), then the items in chunks, in id order. An item whose state changed between its index
    // entry and its read (a re-fit re-opening a decided item during an export) is left out: the export read such an
    // item without its label, and its CSV broke off at the empty cell.
    private async IAsyncEnumerable<Item> ReadWhereAsync(string projectId, ItemState[] states, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var names = states.Select((state, n) => (string.Create(CultureInfo.InvariantCulture, $"@s{n}"), StateName(state))).ToArray();
        var buckets = await EachBucketAsync(
            projectId,
            $"SELECT VALUE c.id FROM c WHERE c.partition = @pk AND c.state IN ({string.Join(", ", names.Select(n => n.Item1))})",
            q => names.Aggregate(q, (query, name) => query.WithParameter(name.Item1, name.Item2)),
            cancellationToken).ConfigureAwait(false);
        var ids = buckets.SelectMany(b => b).Order(StringComparer.Ordinal).ToArray();
        foreach (var chunk in ids.Chunk(100))
        {
            foreach (var item in await ReadItemsAsync(projectId, chunk, cancellationToken).ConfigureAwait(false))
            {
                if (states.Contains(item.State))
                {
                    yield return item;
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task CommitAsync(ItemCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var projectId = commit.ProjectId;

        // 1. Check before writing anything; the reads are independent, so they go out together.
        var versions = await CheckAsync(commit, cancellationToken).ConfigureAwait(false);

        // Past the checks the commit is written to the end (the remarks say why): the caller's token stops nothing after here.
        cancellationToken.ThrowIfCancellationRequested();
        var written = CancellationToken.None;

        // 2. The commit point: each item under its ETag (different items, so together), listing the labelers whose votes follow.
        var replaced = await Task.WhenAll(commit.Items.Select(async write =>
        {
            var key = ItemKey(projectId, write.Item.Id);
            var (known, etag) = versions[write.Item.Id];
            var voters = known.Voters is null ? null
                : known.Voters.Union(commit.Votes.Where(v => v.ItemId == write.Item.Id).Select(v => v.LabelerId), StringComparer.Ordinal).ToArray();
            try
            {
                var response = await _db.Items.ReplaceItemAsync(new ItemDoc(key, write.Item, write.Evidence, voters), key, new PartitionKey(key),
                    new ItemRequestOptions { IfMatchEtag = etag, EnableContentResponseOnWrite = false }, written).ConfigureAwait(false);
                _itemRevisions.Set(key, new ItemVersion(write.Item.Revision, voters), response.ETag);
                return null;
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                _itemRevisions.Forget(key);
                return write.Item.Id;
            }
        })).ConfigureAwait(false);
        if (replaced.FirstOrDefault(id => id is not null) is { } lost)
        {
            throw new ConcurrencyConflictException($"Item '{lost}' changed while this step was being written; reload it and try again.");
        }

        // 3. Votes, index entries, labeler shards, counter, outbox, lease: each keyed and idempotent, none
        // reading another's result, so they go out together.
        var writes = new List<Task>();
        writes.AddRange(commit.Votes.Select(vote => TailAsync($"vote of {vote.LabelerId} on {vote.ItemId}", Retry.Always, retried => CreateVoteAsync(projectId, vote, retried, written))));
        var voters = commit.Votes.Where(v => v.Kind == LabelerKind.Worker).ToLookup(v => v.ItemId, v => v.LabelerId, StringComparer.Ordinal);
        foreach (var write in commit.Items)
        {
            writes.Add(TailAsync($"index entry of {write.Item.Id}", Retry.Always, _ => UpdateEntryAsync(write.Item, voters[write.Item.Id], commit.CompletedLeaseId is not null, written)));
        }

        var shardKey = commit.Items.FirstOrDefault()?.Item.Id ?? commit.Votes.FirstOrDefault()?.ItemId ?? projectId;
        var votesBy = commit.Votes.GroupBy(v => v.LabelerId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var unsureBy = commit.Votes.Where(v => v.Label is null).GroupBy(v => v.LabelerId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (commit.Statistics.Count > 0 || commit.TrackIncrements.Count > 0 || votesBy.Count > 0)
        {
            writes.Add(TailAsync("labeler statistics", Retry.Never, _ => _labelers.ApplyAsync(projectId, shardKey, commit.Statistics, commit.TrackIncrements, votesBy, written, unsureBy)));
        }

        if (commit.Votes.Count > 0)
        {
            var crowd = commit.Votes.Count(v => v.Kind == LabelerKind.Worker);
            writes.Add(TailAsync("vote counter", Retry.WhenNotDone, _ => AddToCounterAsync(projectId, crowd, commit.Votes.Count - crowd, written)));
        }

        writes.AddRange(commit.Events.Select(evt => TailAsync($"event {evt.Id}", Retry.Always, _ => CosmosEventOutbox.AddAsync(_db, evt, written))));
        if (commit.CompletedLeaseId is { } leaseId)
        {
            var at = commit.Votes.FirstOrDefault()?.At ?? commit.Items.FirstOrDefault()?.Item.UpdatedAt ?? DateTimeOffset.UnixEpoch;
            writes.Add(TailAsync($"lease {leaseId}", Retry.Always, _ => CosmosLeaseStore.CompleteAsync(_db, ClosedLeases, leaseId, at, written)));
        }

        // The stored answer with the rest, whatever becomes of the rest: past the commit point the vote counted, and a retry
        // with its key must get its answer. Written last, after the others, it was never written when one of them failed
        // (a statistics shard's 503), and the retry of a vote that counted was answered 409 "already used".
        if (commit.Idempotency is { } record)
        {
            var id = CosmosIdempotencyStore.IdFor(record.CallerId, record.Key);
            writes.Add(TailAsync($"idempotency record {record.Key}", Retry.Always, _ => _db.Leases.UpsertItemAsync(new IdempotencyDoc(id, record, (int)_db.Options.IdempotencyRetention.TotalSeconds), new PartitionKey(id),
                new ItemRequestOptions { EnableContentResponseOnWrite = false }, written)));
        }

        try
        {
            await Task.WhenAll(writes).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var missing = string.Join(", ", writes.Where(w => w.IsFaulted).Select(w => ((TailFailure)w.Exception!.InnerException!).What));
            LogCommitIncomplete(_logger, projectId, string.Join(", ", commit.Items.Select(i => string.Create(CultureInfo.InvariantCulture, $"{i.Item.Id} r{i.Item.Revision}"))), missing, ex);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(Unwrapped(ex));
            throw;
        }
    }

    private enum Retry
    {
        /// <summary>Safe to repeat: retried after any failure that passes.</summary>
        Always,

        /// <summary>An increment: retried only when the service says it did nothing.</summary>
        WhenNotDone,

        /// <summary>Not retried.</summary>
        Never,
    }

    // One write after the commit point, tried again while it fails for a reason that passes (see the remarks). Its last
    // failure comes out as a TailFailure naming the write, holding the original.
    private static async Task TailAsync(string what, Retry retry, Func<bool, Task> write)
    {
        var pause = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write(attempt > 1).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (attempt < TailAttempts && Passes(ex, retry))
            {
                await Task.Delay(pause).ConfigureAwait(false);
                pause *= 2;
            }
            catch (Exception ex)
            {
                throw new TailFailure(what, ex);
            }
        }
    }

    private static bool Passes(Exception ex, Retry retry) => retry switch
    {
        Retry.Never => false,
        Retry.WhenNotDone => ex is CosmosException { StatusCode: HttpStatusCode.TooManyRequests or (HttpStatusCode)449 },
        _ => ex switch
        {
            CosmosException { StatusCode: HttpStatusCode.TooManyRequests or (HttpStatusCode)449 or HttpStatusCode.ServiceUnavailable
                or HttpStatusCode.RequestTimeout or HttpStatusCode.Gone or HttpStatusCode.InternalServerError } => true,
            HttpRequestException or TimeoutException => true,
            OperationCanceledException => true, // the writes take no token that cancels: this is the SDK's request timeout
            _ => false,
        },
    };

    // What the caller sees: the write's own exception (a conflict stays a conflict), not the wrapper.
    private static Exception Unwrapped(Exception ex) => (ex is AggregateException a ? a.InnerException! : ex) is TailFailure tail ? tail.InnerException! : ex;

    private sealed class TailFailure(string what, Exception inner) : Exception($"The {what} could not be written: {inner.Message}", inner)
    {
        public string What { get; } = what;
    }

    [LoggerMessage(EventId = 7301, Level = LogLevel.Error, Message = "A commit in project {ProjectId} is incomplete: item(s) {Items} are written, but not the {Missing}; nothing writes those later (README, Known limits)")]
    private static partial void LogCommitIncomplete(ILogger logger, string projectId, string items, string missing, Exception exception);

    /// <summary>The version of an item's index entry this process last saw, for a write without a read.</summary>
    internal (ItemEntry Entry, string ETag)? RememberedEntry(string itemId) =>
        _entries.TryGet(itemId, out var entry, out var etag) ? (entry, etag) : null;

    /// <summary>Remembers an index entry's version (null forgets it), and whether the crowd has started on the item.</summary>
    internal void RememberEntry(ItemEntry entry, string? etag)
    {
        _entries.Set(entry.Id, entry with { ETag = null }, etag);
        var started = _started.GetOrAdd(ProjectOf(entry), _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        if (etag is not null && entry.State == ItemState.Collecting && entry.CrowdVotes > 0)
        {
            started.TryAdd(entry.Id, 0);
        }
        else
        {
            started.TryRemove(entry.Id, out _);
        }
    }

    /// <summary>
    /// Collecting items with crowd votes, as this instance last saw their index entries: the "most votes first"
    /// candidates, which no single bucket query can find. Hints only: a grant checks the stored entry. The first
    /// call for a project in a process reads every bucket once to learn them.
    /// </summary>
    internal async Task<IReadOnlyList<ItemEntry>> StartedAsync(string projectId, CancellationToken cancellationToken)
    {
        if (_seeded.TryAdd(projectId, 0))
        {
            try
            {
                await EntriesAsync(projectId, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _seeded.TryRemove(projectId, out _);
                throw;
            }
        }

        var entries = new List<ItemEntry>();
        if (_started.TryGetValue(projectId, out var started))
        {
            foreach (var id in started.Keys)
            {
                if (_entries.TryGet(id, out var entry, out _) && entry.State == ItemState.Collecting && entry.CrowdVotes > 0)
                {
                    entries.Add(entry);
                }
                else
                {
                    started.TryRemove(id, out _);
                }
            }
        }

        return entries;
    }

    private static string ProjectOf(ItemEntry entry) => entry.Partition[..entry.Partition.LastIndexOf(":items:", StringComparison.Ordinal)];

    // One single-partition query of strings in each of the project's index buckets, all at once: @pk is the bucket, and
    // parameters adds the query's others.
    private async Task<List<string>[]> EachBucketAsync(string projectId, string sql, Func<QueryDefinition, QueryDefinition> parameters, CancellationToken cancellationToken)
    {
        var queries = Enumerable.Range(0, Buckets).Select(b =>
        {
            var partition = ItemsPartition(projectId, b);
            return CosmosDatabase.QueryAsync<string>(_db.Index, parameters(new QueryDefinition(sql).WithParameter("@pk", partition)), partition, cancellationToken);
        });
        return await Task.WhenAll(queries).ConfigureAwait(false);
    }

    // A state as the index stores it (the application's JSON name).
    private static string StateName(ItemState state) =>
        System.Text.Json.JsonSerializer.Serialize(state, Labeling.Application.LabelingJson.Options).Trim('"');

    /// <summary>Every index entry of a project: one single-partition query per bucket.</summary>
    internal async Task<List<ItemEntry>> EntriesAsync(string projectId, CancellationToken cancellationToken)
    {
        var queries = Enumerable.Range(0, Buckets).Select(b =>
            CosmosDatabase.QueryPartitionAsync<ItemEntry>(_db.Index, "*", "partition", ItemsPartition(projectId, b), cancellationToken));
        var entries = (await Task.WhenAll(queries).ConfigureAwait(false)).SelectMany(e => e).ToList();
        foreach (var entry in entries)
        {
            RememberEntry(entry, entry.ETag);
        }

        return entries;
    }

    /// <summary>
    /// Step 1 of a commit: no vote may exist yet, and every item must be stored at the revision the write
    /// starts from. Items this process last saw at that revision are not read again: the replace's
    /// If-Match on the remembered ETag checks the same thing. A vote on such an item whose version lists its
    /// voters is not read either: the labeler is not among them, and that version is the one replaced (a vote
    /// is created only after a version listing its labeler, so an unlisted labeler has none). Returns the version
    /// and ETag to replace each item under.
    /// </summary>
    private async Task<Dictionary<string, (ItemVersion Version, string ETag)>> CheckAsync(ItemCommit commit, CancellationToken cancellationToken)
    {
        var projectId = commit.ProjectId;
        var versions = new Dictionary<string, (ItemVersion Version, string ETag)>(StringComparer.Ordinal);
        var unknown = new List<ItemWrite>();
        foreach (var write in commit.Items)
        {
            if (_itemRevisions.TryGet(ItemKey(projectId, write.Item.Id), out var known, out var etag) && known.Revision == write.Item.Revision - 1)
            {
                versions[write.Item.Id] = (known, etag);
            }
            else
            {
                unknown.Add(write);
            }
        }

        foreach (var vote in commit.Votes)
        {
            if (versions.TryGetValue(vote.ItemId, out var known) && known.Version.Voters is { } listed && listed.Contains(vote.LabelerId, StringComparer.Ordinal))
            {
                throw new ConcurrencyConflictException($"'{vote.LabelerId}' has already voted on item '{vote.ItemId}'.");
            }
        }

        var itemReads = unknown.Select(w =>
        {
            var key = ItemKey(projectId, w.Item.Id);
            return CosmosDatabase.ReadAsync<ItemDoc>(_db.Items, key, key, cancellationToken);
        }).ToArray();

        // Point reads: a vote's id is its labeler's id inside the item's partition.
        var unlisted = commit.Votes.Where(v => !(versions.TryGetValue(v.ItemId, out var known) && known.Version.Voters is not null)).ToArray();
        var voteReads = unlisted.Select(v =>
            CosmosDatabase.ReadAsync<VoteDoc>(_db.Votes, v.LabelerId, ItemKey(projectId, v.ItemId), cancellationToken)).ToArray();
        await Task.WhenAll(itemReads.Cast<Task>().Concat(voteReads)).ConfigureAwait(false);

        for (var i = 0; i < unknown.Count; i++)
        {
            var write = unknown[i];
            var (stored, etag) = await itemReads[i].ConfigureAwait(false);
            if (stored is null || stored.Body.Revision != write.Item.Revision - 1)
            {
                throw new ConcurrencyConflictException(string.Create(CultureInfo.InvariantCulture, $"Item '{write.Item.Id}' is at revision {stored?.Body.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, not {write.Item.Revision - 1}; reload it and try again."));
            }

            versions[write.Item.Id] = (new ItemVersion(stored.Body.Revision, stored.Voters), etag!);
        }

        for (var i = 0; i < unlisted.Length; i++)
        {
            if ((await voteReads[i].ConfigureAwait(false)).Document is not null)
            {
                var vote = unlisted[i];
                throw new ConcurrencyConflictException($"'{vote.LabelerId}' has already voted on item '{vote.ItemId}'.");
            }
        }

        return versions;
    }

    private async Task CreateVoteAsync(string projectId, Vote vote, bool retried, CancellationToken cancellationToken)
    {
        var partition = ItemKey(projectId, vote.ItemId);
        try
        {
            await _db.Votes.CreateItemAsync(new VoteDoc(vote.LabelerId, partition, vote), new PartitionKey(partition),
                new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict && retried)
        {
            // The try before failed after the service had written it (a timeout): the item's replace, under its ETag, let no
            // other commit add this labeler's vote in between.
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            throw new ConcurrencyConflictException($"'{vote.LabelerId}' has already voted on item '{vote.ItemId}'.");
        }
    }

    private async Task UpdateEntryAsync(Item item, IEnumerable<string> newVoters, bool releaseHold, CancellationToken cancellationToken)
    {
        var partition = ItemBucket(item.ProjectId, item.Id, Buckets);
        var added = newVoters.ToArray();
        var (entry, etag) = await OptimisticUpdate.ApplyAsync<ItemEntry>(_db.Index, item.Id, partition, current =>
        {
            if (current is { Revision: { } stored } && stored > item.Revision)
            {
                // A later commit of the item wrote the entry first (a retry of this one came after it): its state stands.
                return null;
            }

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
                ETag = null,
                Revision = item.Revision,
            };
        }, _db.Options.MaxConcurrencyRetries, RememberedEntry(item.Id), cancellationToken).ConfigureAwait(false);
        if (entry is not null)
        {
            RememberEntry(entry, etag);
        }
    }

    /// <summary>
    /// Adds a commit's votes to the project's counter: one patch increment, applied atomically by the
    /// service, so concurrent commits never retry each other on this hot document (one logical partition
    /// takes ~10,000 RU/s, some 1,000 increments a second, far above a crowd's vote rate; a weak-label
    /// batch counts its machine votes in one increment). The first commit of a project creates it.
    /// </summary>
    private async Task AddToCounterAsync(string projectId, int crowd, int machine, CancellationToken cancellationToken)
    {
        var id = CounterId(projectId);
        PatchOperation[] increments = [PatchOperation.Increment("/crowdVotes", crowd), PatchOperation.Increment("/machineVotes", machine)];
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await PatchUpdate.TryApplyAsync<ProjectCounter>(_db.Labelers, id, id, increments, cancellationToken).ConfigureAwait(false))
            {
                Counted(projectId, crowd, machine);
                return;
            }

            try
            {
                await _db.Labelers.CreateItemAsync(new ProjectCounter(id, crowd, machine), new PartitionKey(id),
                    new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
                Counted(projectId, crowd, machine);
                return;
            }
            catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                // Another commit created it first: increment theirs.
            }
        }

        throw new ConcurrencyConflictException($"The vote counter '{id}' could be neither incremented nor created; try again.");
    }

    private async Task<ProjectCounter?> CounterAsync(string projectId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_counters.TryGetValue(projectId, out var known) && now - known.ReadAt < CounterFreshness)
        {
            return known.Counter;
        }

        var id = CounterId(projectId);
        var counter = (await CosmosDatabase.ReadAsync<ProjectCounter>(_db.Labelers, id, id, cancellationToken).ConfigureAwait(false)).Document;
        if (counter is not null)
        {
            _counters[projectId] = (counter, now);
        }

        return counter;
    }

    /// <summary>Adds this instance's own increments to the remembered counter, so that it does not lag them.</summary>
    private void Counted(string projectId, int crowd, int machine) =>
        _counters.AddOrUpdate(
            projectId,
            _ => (new ProjectCounter(CounterId(projectId), crowd, machine), DateTimeOffset.MinValue),
            (_, known) => (known.Counter with { CrowdVotes = known.Counter.CrowdVotes + crowd, MachineVotes = known.Counter.MachineVotes + machine }, known.ReadAt));

    private async Task<IReadOnlyList<Item>> ReadItemsAsync(string projectId, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var reads = ids.Select(id => GetAsync(projectId, id, cancellationToken));
        return (await Task.WhenAll(reads).ConfigureAwait(false)).OfType<Item>().ToArray();
    }

    /// <summary>What the store remembers of an item version it read or wrote: its revision and voters (null: not listed).</summary>
    private sealed record ItemVersion(long Revision, string[]? Voters);
}
