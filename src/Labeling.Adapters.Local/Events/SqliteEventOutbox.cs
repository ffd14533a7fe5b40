using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Local.Events;

/// <summary>The durable outbox's delivery bookkeeping in SQLite: one row per event and destination once tried.</summary>
public sealed class SqliteEventOutbox : IEventOutbox
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the outbox.</summary>
    /// <param name="database">The database.</param>
    public SqliteEventOutbox(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<IReadOnlyList<DueEvent>> ReadDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, """
            SELECT o.id, o.project_id, o.item_id, o.type, o.payload, o.created_at, COALESCE(d.attempts, 0)
            FROM outbox o LEFT JOIN deliveries d ON d.event_id = o.id AND d.destination = $dest
            WHERE d.event_id IS NULL OR (d.status = 'pending' AND d.next_attempt_at <= $now)
            ORDER BY o.seq LIMIT $limit
            """);
        command.Add("$dest", destination);
        command.Add("$now", SqliteValues.Time(now));
        command.Add("$limit", limit);
        var due = new List<DueEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            due.Add(new DueEvent(
                new OutboxEvent(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), SqliteValues.Time(reader.GetInt64(5))),
                reader.GetInt32(6)));
        }

        return due;
    }

    /// <inheritdoc />
    public async Task MarkDeliveredAsync(string destination, string eventId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var command = write.Command("""
            INSERT INTO deliveries (event_id, destination, status, attempts, updated_at) VALUES ($e, $d, 'delivered', 0, $at)
            ON CONFLICT (event_id, destination) DO UPDATE SET status = 'delivered', next_attempt_at = NULL, updated_at = excluded.updated_at
            """);
        command.Add("$e", eventId);
        command.Add("$d", destination);
        command.Add("$at", SqliteValues.Time(at));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task MarkFailedAsync(string destination, string eventId, int attempts, DateTimeOffset? retryAt, string error, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var command = write.Command("""
            INSERT INTO deliveries (event_id, destination, status, attempts, next_attempt_at, last_error, updated_at)
            VALUES ($e, $d, $status, $attempts, $next, $error, $at)
            ON CONFLICT (event_id, destination) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
                next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error, updated_at = excluded.updated_at
            """);
        command.Add("$e", eventId);
        command.Add("$d", destination);
        command.Add("$status", retryAt is null ? "dead" : "pending");
        command.Add("$attempts", attempts);
        command.Add("$next", retryAt is { } r ? SqliteValues.Time(r) : null);
        command.Add("$error", error.Length > 2000 ? error[..2000] : error);
        command.Add("$at", SqliteValues.Time(at));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<int> RequeueDeadLettersAsync(string? destination, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One statement under the write lock: a row is requeued by one call only, and the dispatcher never holds a dead row.
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var command = write.Command("""
            UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $now, updated_at = $now
            WHERE status = 'dead' AND ($dest IS NULL OR destination = $dest)
            """);
        command.Add("$dest", destination);
        command.Add("$now", SqliteValues.Time(now));
        var requeued = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return requeued;
    }

    /// <inheritdoc />
    public async Task<int> ResumeAsync(string destination, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var command = write.Command("""
            UPDATE deliveries SET next_attempt_at = $now, updated_at = $now
            WHERE destination = $dest AND status = 'pending' AND next_attempt_at > $now
            """);
        command.Add("$dest", destination);
        command.Add("$now", SqliteValues.Time(now));
        var resumed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return resumed;
    }

    /// <summary>
    /// How many deliveries to <paramref name="destinations"/> are dead-lettered (read through the partial index of dead
    /// deliveries). Those of a destination no longer configured are left out: nothing can send them again (redelivery
    /// takes a configured destination), so they would keep the server degraded for good.
    /// </summary>
    /// <param name="destinations">The configured destinations.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The count.</returns>
    public async Task<long> CountDeadLettersAsync(IEnumerable<string> destinations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = 0L;
        foreach (var destination in destinations.Distinct(StringComparer.Ordinal))
        {
            await using var command = SqliteValues.Command(connection, "SELECT COUNT(*) FROM deliveries WHERE status = 'dead' AND destination = $dest");
            command.Add("$dest", destination);
            total += (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        return total;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, """
            SELECT d.event_id, d.destination, d.attempts, COALESCE(d.last_error, ''), d.updated_at, o.project_id, o.item_id
            FROM deliveries d LEFT JOIN outbox o ON o.id = d.event_id
            WHERE d.status = 'dead' ORDER BY d.updated_at DESC LIMIT $limit
            """);
        command.Add("$limit", limit);
        var dead = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            dead.Add(new DeadLetter(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), SqliteValues.Time(reader.GetInt64(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return dead;
    }
}
