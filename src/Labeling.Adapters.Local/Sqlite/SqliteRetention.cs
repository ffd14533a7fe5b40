using System.Globalization;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// Deletes rows nothing needs any more once they are old: used leases, stored answers of idempotent requests, and events
/// every destination has. Each kind is deleted a batch at a time, each batch its own short write transaction, so votes
/// queued meanwhile wait for one batch, not for the whole pass; a pass walks each table once, in insertion order.
/// </summary>
public sealed class SqliteRetention
{
    /// <summary>Rows deleted per write transaction.</summary>
    internal const int BatchSize = 500;

    private readonly SqliteDatabase _database;

    /// <summary>Creates the pruner.</summary>
    /// <param name="database">The database.</param>
    public SqliteRetention(SqliteDatabase database) => _database = database;

    /// <summary>Deletes leases used by a vote before <paramref name="before"/>. Leases released or left to expire (skips) stay.</summary>
    /// <param name="before">Leases completed before this time go.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many were deleted.</returns>
    public Task<int> PruneUsedLeasesAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        DeleteByRowIdAsync(
            """
            DELETE FROM leases WHERE rowid IN (
                SELECT rowid FROM leases WHERE rowid > $after AND completed_at IS NOT NULL AND completed_at < $before ORDER BY rowid LIMIT $limit)
            RETURNING rowid
            """,
            before,
            cancellationToken);

    /// <summary>Deletes the stored answers of idempotent requests made before <paramref name="before"/>.</summary>
    /// <param name="before">Answers stored before this time go.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many were deleted.</returns>
    public Task<int> PruneIdempotencyRecordsAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        DeleteByRowIdAsync(
            """
            DELETE FROM idempotency WHERE rowid IN (
                SELECT rowid FROM idempotency WHERE rowid > $after AND created_at < $before ORDER BY rowid LIMIT $limit)
            RETURNING rowid
            """,
            before,
            cancellationToken);

    /// <summary>
    /// Deletes events created before <paramref name="before"/> that every one of <paramref name="destinations"/> has, with
    /// their delivery rows. An event with a delivery still pending or dead-lettered (to any destination, configured or not)
    /// stays, so dead letters stay listed and can be requeued.
    /// </summary>
    /// <param name="before">Events created before this time may go.</param>
    /// <param name="destinations">The configured destinations' names.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many events were deleted.</returns>
    public async Task<int> PruneDeliveredEventsAsync(DateTimeOffset before, IReadOnlyCollection<string> destinations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        var names = destinations.Distinct(StringComparer.Ordinal).ToArray();
        var list = names.Length == 0 ? "NULL" : string.Join(", ", names.Select((_, i) => $"$d{i.ToString(CultureInfo.InvariantCulture)}"));
        var select = $"""
            DELETE FROM outbox WHERE seq IN (
                SELECT o.seq FROM outbox o
                WHERE o.seq > $after AND o.created_at < $before
                  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = o.id AND d.status <> 'delivered')
                  AND (SELECT COUNT(*) FROM deliveries d WHERE d.event_id = o.id AND d.destination IN ({list})) = {names.Length.ToString(CultureInfo.InvariantCulture)}
                ORDER BY o.seq LIMIT $limit)
            RETURNING seq, id
            """;
        var deleted = 0;
        long after = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ids = new List<string>(BatchSize);
            await using (var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false))
            {
                await using (var command = write.Command(select))
                {
                    command.Add("$after", after);
                    command.Add("$before", SqliteValues.Time(before));
                    command.Add("$limit", BatchSize);
                    for (var i = 0; i < names.Length; i++)
                    {
                        command.Add($"$d{i.ToString(CultureInfo.InvariantCulture)}", names[i]);
                    }

                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        after = Math.Max(after, reader.GetInt64(0));
                        ids.Add(reader.GetString(1));
                    }
                }

                await using (var deliveries = write.Command("DELETE FROM deliveries WHERE event_id = $id"))
                {
                    var id = deliveries.CreateParameter();
                    id.ParameterName = "$id";
                    deliveries.Parameters.Add(id);
                    foreach (var eventId in ids)
                    {
                        id.Value = eventId;
                        await deliveries.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            deleted += ids.Count;
            if (ids.Count < BatchSize)
            {
                return deleted;
            }
        }
    }

    /// <summary>Runs a <c>DELETE … RETURNING rowid</c> with <c>$after</c>, <c>$before</c> and <c>$limit</c> until a batch is short.</summary>
    private async Task<int> DeleteByRowIdAsync(string sql, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var deleted = 0;
        long after = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = 0;
            await using (var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false))
            {
                await using (var command = write.Command(sql))
                {
                    command.Add("$after", after);
                    command.Add("$before", SqliteValues.Time(before));
                    command.Add("$limit", BatchSize);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        after = Math.Max(after, reader.GetInt64(0));
                        batch++;
                    }
                }

                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            deleted += batch;
            if (batch < BatchSize)
            {
                return deleted;
            }
        }
    }
}
