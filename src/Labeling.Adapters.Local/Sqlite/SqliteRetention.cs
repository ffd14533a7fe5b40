using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Sqlite;

/// <summary>
/// Deletes rows nothing needs any more once they are old: used leases, stored answers of idempotent requests, and events
/// every destination has. Each kind goes a batch at a time: the batch's rows are found on a read connection, which takes
/// no lock, and deleted by row id in a short write transaction that checks the condition again. Votes queued meanwhile
/// wait for one batch's deletes, never for a scan of the table; a pass walks each table once, in insertion order.
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
        PruneAsync(
            "SELECT rowid, NULL FROM leases WHERE rowid > $after AND completed_at IS NOT NULL AND completed_at < $before ORDER BY rowid LIMIT $limit",
            ["DELETE FROM leases WHERE rowid = $row AND completed_at IS NOT NULL AND completed_at < $before"],
            before,
            [],
            cancellationToken);

    /// <summary>Deletes the stored answers of idempotent requests made before <paramref name="before"/>.</summary>
    /// <param name="before">Answers stored before this time go.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many were deleted.</returns>
    public Task<int> PruneIdempotencyRecordsAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        PruneAsync(
            "SELECT rowid, NULL FROM idempotency WHERE rowid > $after AND created_at < $before ORDER BY rowid LIMIT $limit",
            ["DELETE FROM idempotency WHERE rowid = $row AND created_at < $before"],
            before,
            [],
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
    public Task<int> PruneDeliveredEventsAsync(DateTimeOffset before, IReadOnlyCollection<string> destinations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        var names = destinations.Distinct(StringComparer.Ordinal).ToArray();
        var list = names.Length == 0 ? "NULL" : string.Join(", ", names.Select((_, i) => $"$d{i.ToString(CultureInfo.InvariantCulture)}"));
        var settled = $"""
            o.created_at < $before
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = o.id AND d.status <> 'delivered')
              AND (SELECT COUNT(*) FROM deliveries d WHERE d.event_id = o.id AND d.destination IN ({list})) = {names.Length.ToString(CultureInfo.InvariantCulture)}
            """;
        return PruneAsync(
            $"SELECT o.seq, o.id FROM outbox o WHERE o.seq > $after AND {settled} ORDER BY o.seq LIMIT $limit",
            [
                // The event first, under the same condition; its deliveries only if it went (changes() of the statement before).
                $"DELETE FROM outbox AS o WHERE o.seq = $row AND {settled}",
                "DELETE FROM deliveries WHERE event_id = $key AND changes() > 0",
            ],
            before,
            [.. names.Select((name, i) => ($"$d{i.ToString(CultureInfo.InvariantCulture)}", (object)name))],
            cancellationToken);
    }

    /// <summary>
    /// Finds up to <see cref="BatchSize"/> rows with <paramref name="select"/> (row id and a key, after <c>$after</c>) on a
    /// read connection, then runs <paramref name="deletes"/> for each (<c>$row</c>, <c>$key</c>) in one write transaction;
    /// the first delete's changes count the row. Repeats until a batch is short.
    /// </summary>
    private async Task<int> PruneAsync(string select, string[] deletes, DateTimeOffset before, (string Name, object Value)[] parameters, CancellationToken cancellationToken)
    {
        var deleted = 0;
        long after = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = new List<(long Row, string? Key)>(BatchSize);
            await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
            await using (var find = SqliteValues.Command(connection, select))
            {
                find.Add("$after", after);
                find.Add("$before", SqliteValues.Time(before));
                find.Add("$limit", BatchSize);
                AddAll(find, parameters);
                await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    batch.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
                }
            }

            if (batch.Count > 0)
            {
                after = batch[^1].Row;
                await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
                var commands = deletes.Select(write.Command).ToArray();
                try
                {
                    foreach (var (row, key) in batch)
                    {
                        var first = true;
                        foreach (var command in commands)
                        {
                            command.Parameters.Clear();
                            command.Add("$row", row);
                            command.Add("$key", key);
                            command.Add("$before", SqliteValues.Time(before));
                            AddAll(command, parameters);
                            var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                            if (first)
                            {
                                deleted += changed;
                                first = false;
                            }
                        }
                    }
                }
                finally
                {
                    foreach (var command in commands)
                    {
                        await command.DisposeAsync().ConfigureAwait(false);
                    }
                }

                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            if (batch.Count < BatchSize)
            {
                return deleted;
            }
        }
    }

    private static void AddAll(SqliteCommand command, (string Name, object Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (command.CommandText.Contains(name, StringComparison.Ordinal))
            {
                command.Add(name, value);
            }
        }
    }
}
