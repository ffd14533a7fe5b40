using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Labeling.Application.Events;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// The outbox in <c>index</c>, in two places by state. An event is written to <c>outbox:pending</c>
/// and stays there while some configured sink has neither received it nor given up on it; then it
/// moves to <c>outbox:{bucket}</c> (bucketed by event id), with a <c>ttl</c> when every sink received
/// it, so delivered events expire and dead letters stay. A dispatch pass reads the pending partition
/// only, leaving out what its destination has had: its retries, then never-tried events in pages until
/// it has its batch. What it is sent is about the batch it delivers and the retries in flight, not the
/// backlog, nor the history.
/// </summary>
/// <remarks>
/// <para>The pending partition is one logical partition on purpose: its entries are transient (gone once
/// delivered), so it stays far below a partition's limits, and reading what is due stays one query.</para>
/// <para>A move is an upsert into the bucket, then a delete from pending; a crash in between leaves the
/// entry in both places, marked settled, and the next pass finishes the move. Readers prefer the copy
/// in pending, whose deliveries are the newest.</para>
/// <para>"Every sink" is the sinks registered when this process runs: a sink added later does not get
/// settled history. Reading for a destination that is not a configured sink falls back to every entry
/// still stored (pending and settled, until their <c>ttl</c>).</para>
/// <para>A requeued dead letter goes back to pending (a copy of its settled entry, the dead deliveries due again); the
/// settled copy stays until the entry settles again and overwrites it, and the pending copy is the one that counts.
/// A move deletes the pending copy only in the version it moved (If-Match), so a requeue that wrote in between
/// is not deleted with it.</para>
/// </remarks>
public sealed class CosmosEventOutbox : IEventOutbox
{
    // Entries read per query page while requeueing: one page in memory at a time, however long the history.
    private const int RequeuePageSize = 100;

    // Pending entries whose delivery to @dest is not over (Done, which entries written before it existed lack), and
    // settled ones a crash left behind, for the pass to finish their move. No ORDER BY: that takes a query plan, which
    // the emulator the tests run on does not serve. A partition's entries come in the order the service keeps them (about
    // that of writing, not promised; one commit's events are written at once, in no order), and a batch is sorted oldest
    // first among the pages read: events go out about in order, as README's consumers are told to expect.
    private const string OpenForDestination =
        "SELECT * FROM c WHERE c.partition = @pk AND (c.settled = true OR NOT IS_DEFINED(c.done) OR NOT ARRAY_CONTAINS(c.done, @dest))";

    // The same, in the two parts a dispatch pass reads apart: the events @dest has never been tried with (and settled
    // leftovers), and its retries (tried, not over; with the entries written before Tried existed, which the pass sorts
    // out itself). Read as one, a page of never-tried events could fill a batch before a retry due was reached.
    private const string UntriedForDestination =
        "SELECT * FROM c WHERE c.partition = @pk AND (c.settled = true OR (IS_DEFINED(c.tried) AND NOT ARRAY_CONTAINS(c.tried, @dest)))";

    private const string RetriesForDestination =
        "SELECT * FROM c WHERE c.partition = @pk AND (NOT IS_DEFINED(c.tried) OR (ARRAY_CONTAINS(c.tried, @dest) AND NOT ARRAY_CONTAINS(c.done, @dest)))";

    private readonly CosmosDatabase _db;
    private readonly HashSet<string> _destinations;

    /// <summary>Creates the outbox.</summary>
    /// <param name="db">The database.</param>
    /// <param name="sinks">The sinks the dispatcher delivers to; an event settles once each has it (or gave up).</param>
    public CosmosEventOutbox(CosmosDatabase db, IEnumerable<IEventSink> sinks)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        _db = db;
        _destinations = sinks.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DueEvent>> ReadDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var configured = _destinations.Contains(destination);
        var pending = configured
            ? await OpenBatchAsync(destination, now, limit, cancellationToken).ConfigureAwait(false)
            : await PendingAsync(cancellationToken).ConfigureAwait(false);
        await FinishMovesAsync(pending, cancellationToken).ConfigureAwait(false);
        var entries = configured ? pending : Merge(pending, await SettledAsync(cancellationToken).ConfigureAwait(false));
        var due = entries.Where(e => IsDue(e, destination, now)).OrderBy(e => e.Body.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
        return DueBatch.Compose(due.Where(e => IsUntried(e, destination)), due.Where(e => !IsUntried(e, destination)).ToList(), limit)
            .OrderBy(e => e.Body.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal)
            .Select(e => new DueEvent(e.Body, e.Deliveries.GetValueOrDefault(destination)?.Attempts ?? 0))
            .ToArray();
    }

    /// <inheritdoc />
    public Task MarkDeliveredAsync(string destination, string eventId, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateAsync(eventId, destination, d => d with { DeliveredAt = at, RetryAt = null }, cancellationToken);

    /// <inheritdoc />
    public Task MarkFailedAsync(string destination, string eventId, int attempts, DateTimeOffset? retryAt, string error, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateAsync(eventId, destination, d => d with { Attempts = attempts, RetryAt = retryAt, LastError = error, DeadAt = retryAt is null ? at : null }, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken) =>
        Merge(await PendingAsync(cancellationToken).ConfigureAwait(false), await SettledAsync(cancellationToken).ConfigureAwait(false))
            .SelectMany(e => e.Deliveries.Where(d => d.Value.DeadAt is not null)
                .Select(d => new DeadLetter(e.Id, d.Key, d.Value.Attempts, d.Value.LastError ?? "", d.Value.DeadAt!.Value, e.Body.ProjectId, e.Body.ItemId)))
            .OrderByDescending(d => d.DeadAt)
            .Take(limit)
            .ToArray();

    /// <inheritdoc />
    public async Task<int> RequeueDeadLettersAsync(string? destination, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Pending first, then the buckets: an entry a requeue moves to pending meanwhile has no dead letter left to find.
        var requeued = 0;
        foreach (var partition in new[] { OutboxPending }.Concat(Enumerable.Range(0, _db.Options.IndexBuckets).Select(OutboxPartition)))
        {
            var query = new QueryDefinition("SELECT * FROM c WHERE c.partition = @pk").WithParameter("@pk", partition);
            using var feed = _db.Index.GetItemQueryIterator<OutboxEntry>(
                query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(partition), MaxItemCount = RequeuePageSize });
            while (feed.HasMoreResults)
            {
                foreach (var entry in await feed.ReadNextAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (DeadFor(entry, destination).Any())
                    {
                        requeued += await RequeueAsync(entry.Id, destination, now, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        return requeued;
    }

    /// <inheritdoc />
    public async Task<int> ResumeAsync(string destination, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Only pending entries wait for a retry; each write is guarded by the entry's ETag, and a delivery that was made,
        // dead-lettered or made due meanwhile is left as it is.
        var resumed = 0;
        await foreach (var page in OpenForAsync(OpenForDestination, destination, RequeuePageSize, cancellationToken).ConfigureAwait(false))
        {
            foreach (var entry in page)
            {
                if (entry.Deliveries.GetValueOrDefault(destination) is { DeliveredAt: null, DeadAt: null, RetryAt: { } retryAt } && retryAt > now)
                {
                    await UpdateAsync(entry.Id, destination, d => d is { DeliveredAt: null, DeadAt: null } && d.RetryAt > now ? d with { RetryAt = now } : d, cancellationToken).ConfigureAwait(false);
                    resumed++;
                }
            }
        }

        return resumed;
    }

    /// <summary>Writes a new event to the pending partition; an event already there keeps its deliveries.</summary>
    internal static async Task AddAsync(CosmosDatabase db, OutboxEvent evt, CancellationToken cancellationToken)
    {
        try
        {
            await db.Index.CreateItemAsync(new OutboxEntry(evt.Id, OutboxPending, evt, new Dictionary<string, Delivery>(StringComparer.Ordinal), Done: [], Tried: []),
                new PartitionKey(OutboxPending), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // A re-run of the same commit: the entry, and whatever was delivered of it, stays.
        }
    }

    private static bool IsUntried(OutboxEntry entry, string destination) => entry.Deliveries.GetValueOrDefault(destination) is null;

    private static bool IsDue(OutboxEntry entry, string destination, DateTimeOffset now) =>
        entry.Deliveries.GetValueOrDefault(destination) switch
        {
            null => true,
            { IsOver: true } => false,
            { RetryAt: { } retryAt } => retryAt <= now,
            _ => true,
        };

    private Task<List<OutboxEntry>> PendingAsync(CancellationToken cancellationToken) =>
        CosmosDatabase.QueryPartitionAsync<OutboxEntry>(_db.Index, "*", "partition", OutboxPending, cancellationToken);

    // Every retry of the destination (due or waiting for its time: a pass picks the oldest due, wherever the partition
    // keeps it), then pages of the batch's size until the batch can be filled with never-tried events: a backlog costs
    // each pass about one page besides the retries, and entries waiting only for another sink are not read at all.
    private async Task<List<OutboxEntry>> OpenBatchAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var entries = new List<OutboxEntry>();
        await foreach (var page in OpenForAsync(RetriesForDestination, destination, RequeuePageSize, cancellationToken).ConfigureAwait(false))
        {
            entries.AddRange(page);
        }

        var untried = entries.Count(e => IsUntried(e, destination));
        var ids = entries.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        if (untried < limit)
        {
            await foreach (var page in OpenForAsync(UntriedForDestination, destination, Math.Max(1, limit), cancellationToken).ConfigureAwait(false))
            {
                // An entry written between the two reads can be in both; the pass takes it once.
                var fresh = page.Where(e => ids.Add(e.Id)).ToList();
                entries.AddRange(fresh);
                untried += fresh.Count(e => IsUntried(e, destination));
                if (untried >= limit)
                {
                    break;
                }
            }
        }

        return entries;
    }

    /// <summary>
    /// The pending entries <paramref name="queryText"/> picks for <paramref name="destination"/>, in the order the partition returns them,
    /// a page of up to <paramref name="pageSize"/> at a time; the caller stops reading when it has what it needs.
    /// </summary>
    private async IAsyncEnumerable<FeedResponse<OutboxEntry>> OpenForAsync(string queryText, string destination, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new QueryDefinition(queryText).WithParameter("@pk", OutboxPending).WithParameter("@dest", destination);
        using var feed = _db.Index.GetItemQueryIterator<OutboxEntry>(
            query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(OutboxPending), MaxItemCount = pageSize });
        while (feed.HasMoreResults)
        {
            yield return await feed.ReadNextAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<List<OutboxEntry>> SettledAsync(CancellationToken cancellationToken)
    {
        var queries = Enumerable.Range(0, _db.Options.IndexBuckets).Select(b =>
            CosmosDatabase.QueryPartitionAsync<OutboxEntry>(_db.Index, "*", "partition", OutboxPartition(b), cancellationToken));
        return (await Task.WhenAll(queries).ConfigureAwait(false)).SelectMany(e => e).ToList();
    }

    private static List<OutboxEntry> Merge(List<OutboxEntry> pending, List<OutboxEntry> settled)
    {
        var ids = pending.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        return [.. pending, .. settled.Where(e => !ids.Contains(e.Id))];
    }

    private static IEnumerable<string> DeadFor(OutboxEntry entry, string? destination) =>
        entry.Deliveries.Where(d => d.Value.DeadAt is not null && (destination is null || d.Key == destination)).Select(d => d.Key);

    private async Task FinishMovesAsync(List<OutboxEntry> pending, CancellationToken cancellationToken)
    {
        foreach (var entry in pending.Where(e => e.Settled == true).ToArray())
        {
            // The query gives no ETag; read the entry for one (a leftover of a crash, rare). One requeued meanwhile stays.
            var (current, etag) = await CosmosDatabase.ReadAsync<OutboxEntry>(_db.Index, entry.Id, OutboxPending, cancellationToken).ConfigureAwait(false);
            if (current?.Settled == true)
            {
                await MoveAsync(current, etag!, cancellationToken).ConfigureAwait(false);
            }

            pending.Remove(entry);
        }
    }

    /// <summary>
    /// Requeues one entry's dead letters in its pending copy, which counts when there is one, else in a new pending
    /// copy of its settled entry; each write is conditional, so of two requeues (or a requeue and a dispatch pass)
    /// one wins and the other reads again.
    /// </summary>
    private async Task<int> RequeueAsync(string eventId, string? destination, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var bucket = OutboxPartition(StableHash.Bucket(eventId, _db.Options.IndexBuckets));
        for (var attempt = 0; attempt < _db.Options.MaxConcurrencyRetries; attempt++)
        {
            var (pending, etag) = await CosmosDatabase.ReadAsync<OutboxEntry>(_db.Index, eventId, OutboxPending, cancellationToken).ConfigureAwait(false);
            var source = pending ?? (await CosmosDatabase.ReadAsync<OutboxEntry>(_db.Index, eventId, bucket, cancellationToken).ConfigureAwait(false)).Document;
            var dead = source is null ? [] : DeadFor(source, destination).ToArray();
            if (dead.Length == 0)
            {
                return 0;
            }

            var deliveries = new Dictionary<string, Delivery>(source!.Deliveries, StringComparer.Ordinal);
            foreach (var name in dead)
            {
                deliveries[name] = deliveries[name] with { Attempts = 0, RetryAt = now, DeadAt = null };
            }

            var requeued = source.WithDeliveries(deliveries) with { Partition = OutboxPending, Settled = null, Ttl = null };
            try
            {
                if (pending is null)
                {
                    await _db.Index.CreateItemAsync(requeued, new PartitionKey(OutboxPending), cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _db.Index.ReplaceItemAsync(requeued, eventId, new PartitionKey(OutboxPending), new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken).ConfigureAwait(false);
                }

                return dead.Length;
            }
            catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                // A dispatch pass or another requeue wrote (or moved) the entry since it was read: read again.
                await Task.Delay(Random.Shared.Next(1, 5 + (attempt * 3)), cancellationToken).ConfigureAwait(false);
            }
        }

        throw new ConcurrencyConflictException(string.Create(CultureInfo.InvariantCulture, $"Outbox entry '{eventId}' kept changing under {_db.Options.MaxConcurrencyRetries} attempts to requeue it; try again."));
    }

    private async Task UpdateAsync(string eventId, string destination, Func<Delivery, Delivery> change, CancellationToken cancellationToken)
    {
        Dictionary<string, Delivery> Apply(OutboxEntry current) => new(current.Deliveries, StringComparer.Ordinal)
        {
            [destination] = change(current.Deliveries.GetValueOrDefault(destination) ?? new Delivery(0, null, null, null, null)),
        };

        var (pending, etag) = await OptimisticUpdate.ApplyAsync<OutboxEntry>(_db.Index, eventId, OutboxPending, current =>
        {
            if (current is null)
            {
                return null;
            }

            var next = current.WithDeliveries(Apply(current));
            return IsSettled(next) ? next with { Settled = true } : next;
        }, _db.Options.MaxConcurrencyRetries, null, cancellationToken).ConfigureAwait(false);
        if (pending is not null)
        {
            if (pending.Settled == true)
            {
                await MoveAsync(pending, etag!, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        // Already settled (a destination outside the configured sinks, or a late duplicate pass).
        var bucket = OutboxPartition(StableHash.Bucket(eventId, _db.Options.IndexBuckets));
        await OptimisticUpdate.ApplyAsync<OutboxEntry>(_db.Index, eventId, bucket, current =>
            current is null ? null : current.WithDeliveries(Apply(current)),
            _db.Options.MaxConcurrencyRetries, cancellationToken).ConfigureAwait(false);
    }

    private bool IsSettled(OutboxEntry entry) =>
        _destinations.Count > 0 && _destinations.All(d => entry.Deliveries.GetValueOrDefault(d) is { } x && (x.DeliveredAt is not null || x.DeadAt is not null));

    private async Task MoveAsync(OutboxEntry entry, string etag, CancellationToken cancellationToken)
    {
        var bucket = OutboxPartition(StableHash.Bucket(entry.Id, _db.Options.IndexBuckets));
        var delivered = entry.Deliveries.Values.All(d => d.DeadAt is null);
        var settled = entry with { Partition = bucket, Settled = true, Ttl = delivered ? (int)_db.Options.DeliveredEventRetention.TotalSeconds : null };
        await _db.Index.UpsertItemAsync(settled, new PartitionKey(bucket), cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await _db.Index.DeleteItemAsync<OutboxEntry>(entry.Id, new PartitionKey(OutboxPending), new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.PreconditionFailed)
        {
            // Another pass finished the same move, or a requeue made the pending copy due again: it stays, and counts.
        }
    }
}
