using Labeling.Application.Ports;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// The outbox in <c>index</c>, bucketed by event id (<c>outbox:{bucket}</c>); each entry tracks its
/// deliveries per destination. Reading what is due is one single-partition query per bucket.
/// </summary>
public sealed class CosmosEventOutbox : IEventOutbox
{
    private readonly CosmosDatabase _db;

    /// <summary>Creates the outbox.</summary>
    /// <param name="db">The database.</param>
    public CosmosEventOutbox(CosmosDatabase db) => _db = db;

    /// <inheritdoc />
    public async Task<IReadOnlyList<DueEvent>> ReadDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        (await AllAsync(cancellationToken).ConfigureAwait(false))
            .Select(e => (Entry: e, Delivery: e.Deliveries.GetValueOrDefault(destination)))
            .Where(x => x.Delivery is null || (x.Delivery.DeliveredAt is null && x.Delivery.DeadAt is null && (x.Delivery.RetryAt is null || x.Delivery.RetryAt <= now)))
            .OrderBy(x => x.Entry.Body.CreatedAt).ThenBy(x => x.Entry.Id, StringComparer.Ordinal)
            .Take(limit)
            .Select(x => new DueEvent(x.Entry.Body, x.Delivery?.Attempts ?? 0))
            .ToArray();

    /// <inheritdoc />
    public Task MarkDeliveredAsync(string destination, string eventId, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateAsync(eventId, destination, d => d with { DeliveredAt = at, RetryAt = null }, cancellationToken);

    /// <inheritdoc />
    public Task MarkFailedAsync(string destination, string eventId, int attempts, DateTimeOffset? retryAt, string error, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateAsync(eventId, destination, d => d with { Attempts = attempts, RetryAt = retryAt, LastError = error, DeadAt = retryAt is null ? at : null }, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken) =>
        (await AllAsync(cancellationToken).ConfigureAwait(false))
            .SelectMany(e => e.Deliveries.Where(d => d.Value.DeadAt is not null)
                .Select(d => new DeadLetter(e.Id, d.Key, d.Value.Attempts, d.Value.LastError ?? "", d.Value.DeadAt!.Value)))
            .OrderByDescending(d => d.DeadAt)
            .Take(limit)
            .ToArray();

    private async Task<List<OutboxEntry>> AllAsync(CancellationToken cancellationToken)
    {
        var queries = Enumerable.Range(0, _db.Options.IndexBuckets).Select(b =>
            CosmosDatabase.QueryPartitionAsync<OutboxEntry>(_db.Index, "*", "partition", OutboxPartition(b), cancellationToken));
        return (await Task.WhenAll(queries).ConfigureAwait(false)).SelectMany(e => e).ToList();
    }

    private Task UpdateAsync(string eventId, string destination, Func<Delivery, Delivery> change, CancellationToken cancellationToken)
    {
        var partition = OutboxPartition(StableHash.Bucket(eventId, _db.Options.IndexBuckets));
        return OptimisticUpdate.ApplyAsync<OutboxEntry>(_db.Index, eventId, partition, current =>
        {
            if (current is null)
            {
                return null;
            }

            var deliveries = new Dictionary<string, Delivery>(current.Deliveries, StringComparer.Ordinal)
            {
                [destination] = change(current.Deliveries.GetValueOrDefault(destination) ?? new Delivery(0, null, null, null, null)),
            };
            return current with { Deliveries = deliveries };
        }, _db.Options.MaxConcurrencyRetries, cancellationToken);
    }
}
