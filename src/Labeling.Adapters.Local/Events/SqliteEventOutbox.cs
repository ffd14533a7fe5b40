using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Events;
using Labeling.Application.Ports;

namespace Labeling.Adapters.Local.Events;

/// <summary>The durable outbox's delivery bookkeeping in SQLite: one row per event and destination once tried.</summary>
/// <remarks>
/// An event is due for a destination when it has no delivery row for it yet, or a pending one whose retry time has come.
/// The first kind is read from a cursor per destination: every event up to it has a row for that destination (rows are
/// only ever added, and an event leaves with its rows), so a round reads from the first event not yet tried, not from the
/// oldest event kept (a week of delivered events: 81 ms a round with 200,000 kept, 393 ms with 1,000,000, before). The
/// second kind is read through the partial index of pending deliveries. A process starts its cursors at the beginning.
/// The commits holding the events read are synced to the disk before they are handed out (an <c>fsync</c> of the WAL per
/// round that has events, see <see cref="SqliteDatabase.SyncCommitsAsync"/>), so no destination gets an event a power cut
/// could take back.
/// </remarks>
public sealed class SqliteEventOutbox : IEventOutbox
{
    /// <summary>Events no delivery to <c>$dest</c> was made or tried for, after the cursor <c>$after</c>, oldest first.</summary>
    internal const string UntriedQuery = """
        SELECT o.seq, o.id, o.project_id, o.item_id, o.type, o.payload, o.created_at, 0
        FROM outbox o
        WHERE o.seq > $after AND o.seq <= $newest
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = o.id AND d.destination = $dest)
        ORDER BY o.seq LIMIT $limit
        """;

    /// <summary>Events whose delivery to <c>$dest</c> failed and is due again, oldest first.</summary>
    internal const string RetryQuery = """
        SELECT o.seq, o.id, o.project_id, o.item_id, o.type, o.payload, o.created_at, d.attempts
        FROM deliveries d JOIN outbox o ON o.id = d.event_id
        WHERE d.destination = $dest AND d.status = 'pending' AND d.next_attempt_at <= $now
        ORDER BY o.seq LIMIT $limit
        """;

    private readonly SqliteDatabase _database;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _untriedAfter = new(StringComparer.Ordinal);

    /// <summary>Creates the outbox.</summary>
    /// <param name="database">The database.</param>
    public SqliteEventOutbox(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<IReadOnlyList<DueEvent>> ReadDueAsync(string destination, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The newest event first, and the untried ones up to it: with none untried, every event up to it has a row for the
        // destination when they were read (rows are only added), and an event written in between waits for the next round.
        long newest;
        await using (var last = SqliteValues.Command(connection, "SELECT COALESCE(MAX(seq), 0) FROM outbox"))
        {
            newest = (long)(await last.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var untried = await ReadAsync(connection, UntriedQuery, destination, now, _untriedAfter.GetValueOrDefault(destination), newest, limit, cancellationToken).ConfigureAwait(false);

        // Every event between the cursor and the first one untried has a row for the destination. Only ever moved forward:
        // a round that started earlier does not take it back.
        var reached = untried.Count > 0 ? untried[0].Seq - 1 : newest;
        _untriedAfter.AddOrUpdate(destination, reached, (_, known) => Math.Max(known, reached));
        var retries = await ReadAsync(connection, RetryQuery, destination, now, after: 0, newest: long.MaxValue, limit, cancellationToken).ConfigureAwait(false);
        if (untried.Count + retries.Count > 0)
        {
            // Nothing leaves the process that a power cut could take back from the database (see SyncCommitsAsync).
            await _database.SyncCommitsAsync(cancellationToken).ConfigureAwait(false);
        }

        return [.. DueBatch.Compose(untried, retries, limit).OrderBy(d => d.Seq).Select(d => d.Due)];
    }

    private static async Task<List<(long Seq, DueEvent Due)>> ReadAsync(
        Microsoft.Data.Sqlite.SqliteConnection connection, string query, string destination, DateTimeOffset now, long after, long newest, int limit, CancellationToken cancellationToken)
    {
        await using var command = SqliteValues.Command(connection, query);
        command.Add("$dest", destination);
        command.Add("$now", SqliteValues.Time(now));
        command.Add("$after", after);
        command.Add("$newest", newest);
        command.Add("$limit", limit);
        var due = new List<(long, DueEvent)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            due.Add((reader.GetInt64(0), new DueEvent(
                new OutboxEvent(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), SqliteValues.Time(reader.GetInt64(6))),
                reader.GetInt32(7))));
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
