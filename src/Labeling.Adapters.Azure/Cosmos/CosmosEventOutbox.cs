using System.Net;
using Labeling.Application.Ports;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// The outbox in <c>index</c>, in two places by state. An event is written to <c>outbox:pending</c>
/// and stays there while some configured sink has neither received it nor given up on it; then it
/// moves to <c>outbox:{bucket}</c> (bucketed by event id), with a <c>ttl</c> when every sink received
/// it, so delivered events expire and dead letters stay. A dispatch pass reads the pending partition
/// only: one single-partition query whose size is the backlog, not the history.
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
/// </remarks>
public sealed class CosmosEventOutbox : IEventOutbox
{
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
        var pending = await PendingAsync(cancellationToken).ConfigureAwait(false);
        await FinishMovesAsync(pending, cancellationToken).ConfigureAwait(false);
        var entries = _destinations.Contains(destination)
            ? pending
            : Merge(pending, await SettledAsync(cancellationToken).ConfigureAwait(false));
        return entries
            .Select(e => (Entry: e, Delivery: e.Deliveries.GetValueOrDefault(destination)))
            .Where(x => x.Delivery is null || (x.Delivery.DeliveredAt is null && x.Delivery.DeadAt is null && (x.Delivery.RetryAt is null || x.Delivery.RetryAt <= now)))
            .OrderBy(x => x.Entry.Body.CreatedAt).ThenBy(x => x.Entry.Id, StringComparer.Ordinal)
            .Take(limit)
            .Select(x => new DueEvent(x.Entry.Body, x.Delivery?.Attempts ?? 0))
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
                .Select(d => new DeadLetter(e.Id, d.Key, d.Value.Attempts, d.Value.LastError ?? "", d.Value.DeadAt!.Value)))
            .OrderByDescending(d => d.DeadAt)
            .Take(limit)
            .ToArray();

    /// <summary>Writes a new event to the pending partition; an event already there keeps its deliveries.</summary>
    internal static async Task AddAsync(CosmosDatabase db, OutboxEvent evt, CancellationToken cancellationToken)
    {
        try
        {
            await db.Index.CreateItemAsync(new OutboxEntry(evt.Id, OutboxPending, evt, new Dictionary<string, Delivery>(StringComparer.Ordinal)),
                new PartitionKey(OutboxPending), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // A re-run of the same commit: the entry, and whatever was delivered of it, stays.
        }
    }

    private Task<List<OutboxEntry>> PendingAsync(CancellationToken cancellationToken) =>
        CosmosDatabase.QueryPartitionAsync<OutboxEntry>(_db.Index, "*", "partition", OutboxPending, cancellationToken);

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

    private async Task FinishMovesAsync(List<OutboxEntry> pending, CancellationToken cancellationToken)
    {
        foreach (var entry in pending.Where(e => e.Settled == true).ToArray())
        {
            await MoveAsync(entry, cancellationToken).ConfigureAwait(false);
            pending.Remove(entry);
        }
    }

    private async Task UpdateAsync(string eventId, string destination, Func<Delivery, Delivery> change, CancellationToken cancellationToken)
    {
        Dictionary<string, Delivery> Apply(OutboxEntry current) => new(current.Deliveries, StringComparer.Ordinal)
        {
            [destination] = change(current.Deliveries.GetValueOrDefault(destination) ?? new Delivery(0, null, null, null, null)),
        };

        var pending = await OptimisticUpdate.ApplyAsync<OutboxEntry>(_db.Index, eventId, OutboxPending, current =>
        {
            if (current is null)
            {
                return null;
            }

            var next = current with { Deliveries = Apply(current) };
            return IsSettled(next) ? next with { Settled = true } : next;
        }, _db.Options.MaxConcurrencyRetries, cancellationToken).ConfigureAwait(false);
        if (pending is not null)
        {
            if (pending.Settled == true)
            {
                await MoveAsync(pending, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        // Already settled (a destination outside the configured sinks, or a late duplicate pass).
        var bucket = OutboxPartition(StableHash.Bucket(eventId, _db.Options.IndexBuckets));
        await OptimisticUpdate.ApplyAsync<OutboxEntry>(_db.Index, eventId, bucket, current =>
            current is null ? null : current with { Deliveries = Apply(current) },
            _db.Options.MaxConcurrencyRetries, cancellationToken).ConfigureAwait(false);
    }

    private bool IsSettled(OutboxEntry entry) =>
        _destinations.Count > 0 && _destinations.All(d => entry.Deliveries.GetValueOrDefault(d) is { } x && (x.DeliveredAt is not null || x.DeadAt is not null));

    private async Task MoveAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var bucket = OutboxPartition(StableHash.Bucket(entry.Id, _db.Options.IndexBuckets));
        var delivered = entry.Deliveries.Values.All(d => d.DeadAt is null);
        var settled = entry with { Partition = bucket, Settled = true, Ttl = delivered ? (int)_db.Options.DeliveredEventRetention.TotalSeconds : null };
        await _db.Index.UpsertItemAsync(settled, new PartitionKey(bucket), cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await _db.Index.DeleteItemAsync<OutboxEntry>(entry.Id, new PartitionKey(OutboxPending), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Another pass finished the same move.
        }
    }
}
