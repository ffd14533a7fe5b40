using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Work;

/// <summary>
/// A durable work queue in a SQLite table, with Storage Queue semantics: a received message is hidden
/// for the visibility timeout and reappears if not completed (a crash loses nothing); each receive
/// counts an attempt; a message received <see cref="WorkQueueOptions.MaxAttempts"/> times without
/// completing is poisoned (kept, never handed out again), which is logged (event 7107). A failed message waits
/// <see cref="WorkQueueOptions.RetryDelay"/>, doubled with each attempt up to <see cref="WorkQueueOptions.MaxRetryDelay"/>;
/// one given back (<see cref="ReturnAsync"/>: a failure that passes, a server that stopped) gets its attempt back.
/// </summary>
/// <remarks>
/// Each project's work is served in turn (start-time fair queuing): a message takes the turn after the later of its
/// share's last waiting message and the last turn served, and due messages are received in turn order. A project that
/// queues 4,000 batches at once takes turns 1–4,000; another's file queued meanwhile takes the turn after the one being
/// served, so it waits for one message of the first project, not for all of them. Within a share the order is the
/// order of queuing, as before; a message retried keeps its turn.
/// </remarks>
public sealed partial class SqliteWorkQueue : IWorkQueue
{
    /// <summary>The error of a message poisoned because it was received too often without completing or failing.</summary>
    public const string ReceivedWithoutCompleting = "received too often without completing";

    /// <summary>
    /// The due messages in turn order: <c>ix_queue_turn</c> serves it as it is, skipping the hidden ones on the index (a
    /// sort of every due message to hand one out took 45 ms at 300,000 waiting, under the write gate the votes wait on too).
    /// </summary>
    internal const string ReceiveQuery = """
        SELECT id, queue, payload, dequeue_count, turn FROM queue WHERE status = 'ready' AND visible_at <= $now ORDER BY turn, id LIMIT $limit
        """;

    /// <summary>
    /// Queues a message at the turn after the later of its share's last waiting message and the last turn served; both
    /// are index seeks (<c>ix_queue_share</c>, the one-row <c>queue_clock</c>).
    /// </summary>
    internal const string EnqueueQuery = """
        INSERT OR IGNORE INTO queue (queue, payload, dedup_key, share, turn, visible_at, created_at)
        VALUES ($q, $payload, $key, $share, MAX(
            COALESCE((SELECT MAX(turn) FROM queue WHERE status = 'ready' AND share = $share), 0),
            COALESCE((SELECT served FROM queue_clock WHERE id = 0), 0)) + 1, $now, $now)
        """;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly WorkQueueOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the queue.</summary>
    /// <param name="database">The database.</param>
    /// <param name="time">The clock.</param>
    /// <param name="options">The queue's options.</param>
    /// <param name="logger">Where a poisoned message is reported; default nowhere.</param>
    public SqliteWorkQueue(SqliteDatabase database, TimeProvider time, IOptions<WorkQueueOptions> options, ILogger<SqliteWorkQueue>? logger = null)
    {
        _database = database;
        _time = time;
        _options = options.Value;
        _logger = logger ?? NullLogger<SqliteWorkQueue>.Instance;
    }

    /// <inheritdoc />
    public Task EnqueueAsync(string queue, string payload, string? dedupKey, CancellationToken cancellationToken) =>
        EnqueueAsync(queue, payload, dedupKey, null, cancellationToken);

    /// <inheritdoc />
    public async Task EnqueueAsync(string queue, string payload, string? dedupKey, string? share, CancellationToken cancellationToken)
    {
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var command = write.Command(EnqueueQuery);
        command.Add("$q", queue);
        command.Add("$payload", payload);
        command.Add("$key", dedupKey);
        command.Add("$share", share ?? string.Empty);
        command.Add("$now", SqliteValues.Time(_time.GetUtcNow()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WorkMessage>> ReceiveAsync(int limit, CancellationToken cancellationToken)
    {
        var now = SqliteValues.Time(_time.GetUtcNow());
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var connection = write.Connection;
        var transaction = write.Transaction;
        var due = new List<(long Id, string Queue, string Payload, int Count)>();
        long? served = null;
        await using (var select = SqliteValues.Command(connection, ReceiveQuery, transaction))
        {
            select.Add("$now", now);
            select.Add("$limit", limit);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                due.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
                served = reader.GetInt64(4); // in turn order: the last read is the latest turn
            }
        }

        var messages = new List<WorkMessage>(due.Count);
        var poisoned = new List<(long Id, string Queue, int Count)>();
        foreach (var (id, queue, payload, count) in due)
        {
            if (count >= _options.MaxAttempts)
            {
                poisoned.Add((id, queue, count));
                // Received that often and never completed: the handler crashes the process or never finishes.
                await using var poison = SqliteValues.Command(connection, "UPDATE queue SET status = 'poison', last_error = COALESCE(last_error, $crashed) WHERE id = $id", transaction);
                poison.Add("$id", id);
                poison.Add("$crashed", ReceivedWithoutCompleting);
                await poison.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var receipt = Guid.NewGuid().ToString("N");
            await using var hide = SqliteValues.Command(connection, "UPDATE queue SET visible_at = $visible, dequeue_count = dequeue_count + 1, receipt = $r WHERE id = $id", transaction);
            hide.Add("$visible", now + (long)_options.VisibilityTimeout.TotalMilliseconds);
            hide.Add("$r", receipt);
            hide.Add("$id", id);
            await hide.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            messages.Add(new WorkMessage(id, queue, payload, count + 1, receipt));
        }

        if (served is { } turn)
        {
            // The clock only moves on: a retried message served late keeps its early turn but does not take the clock back.
            await using var clock = SqliteValues.Command(connection, """
                INSERT INTO queue_clock (id, served) VALUES (0, $turn) ON CONFLICT (id) DO UPDATE SET served = MAX(served, excluded.served)
                """, transaction);
            clock.Add("$turn", turn);
            await clock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (id, queue, count) in poisoned)
        {
            LogPoisoned(_logger, id, queue, count, ReceivedWithoutCompleting);
        }

        return messages;
    }

    /// <inheritdoc />
    public async Task CompleteAsync(WorkMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var command = write.Command("DELETE FROM queue WHERE id = $id AND receipt = $r");
        command.Add("$id", message.Id);
        command.Add("$r", message.Receipt);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Retried after <see cref="WorkQueueOptions.RetryDelay"/> doubled for each attempt before this one, at most
    /// <see cref="WorkQueueOptions.MaxRetryDelay"/>; poisoned (and logged, event 7107) after the last attempt.
    /// </remarks>
    public async Task FailAsync(WorkMessage message, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(error);
        error = error.Length > 2000 ? error[..2000] : error;
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var command = write.Command("""
            UPDATE queue SET status = CASE WHEN dequeue_count >= $max THEN 'poison' ELSE 'ready' END,
                             visible_at = $now + MIN($delay << MIN(MAX(dequeue_count - 1, 0), 30), $cap), last_error = $error
            WHERE id = $id AND receipt = $r
            RETURNING status, dequeue_count
            """);
        command.Add("$max", _options.MaxAttempts);
        command.Add("$now", SqliteValues.Time(_time.GetUtcNow()));
        command.Add("$delay", (long)_options.RetryDelay.TotalMilliseconds);
        command.Add("$cap", (long)Math.Max(_options.MaxRetryDelay.TotalMilliseconds, _options.RetryDelay.TotalMilliseconds));
        command.Add("$error", error);
        command.Add("$id", message.Id);
        command.Add("$r", message.Receipt);
        (string Status, int Count)? outcome = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                outcome = (reader.GetString(0), reader.GetInt32(1));
            }
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (outcome is ("poison", var count))
        {
            LogPoisoned(_logger, message.Id, message.Queue, count, error);
        }
    }

    /// <inheritdoc />
    public async Task ReturnAsync(WorkMessage message, string reason, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(reason);
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var command = write.Command("""
            UPDATE queue SET visible_at = $visible, dequeue_count = MAX(dequeue_count - 1, 0)
            WHERE id = $id AND receipt = $r AND status = 'ready'
            """);
        // The reason is not kept as the last error: a message poisoned later by receives without an outcome (it crashed the
        // server) would be set aside with it ("failed") instead of as one that stopped the server each time.
        command.Add("$visible", SqliteValues.Time(_time.GetUtcNow() + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay)));
        command.Add("$id", message.Id);
        command.Add("$r", message.Receipt);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets aside every poisoned message of <paramref name="queue"/> (kept with its error, no longer counted as poisoned by
    /// <see cref="CountAsync"/> nor found by <see cref="FindPoisonedAsync"/>): the caller has queued their work again.
    /// </summary>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many were set aside.</returns>
    public async Task<int> SetAsidePoisonedAsync(string queue, CancellationToken cancellationToken)
    {
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var command = write.Command("UPDATE queue SET dedup_key = NULL, status = 'set-aside' WHERE status = 'poison' AND queue = $q");
        command.Add("$q", queue);
        var count = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>
    /// The poisoned message queued with <paramref name="dedupKey"/>, if there is one: how often it was received
    /// and the last error (a message that crashed the process every time has no error of its own).
    /// </summary>
    /// <param name="dedupKey">The key the message was queued with.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The receives and last error, or null when no message with that key was poisoned.</returns>
    /// <remarks>
    /// The dedup key only holds while a message waits, so whoever queues work again and again (the inbox scan)
    /// asks here first: work that was poisoned once would only crash or fail again.
    /// </remarks>
    public async Task<(int Attempts, string Error)?> FindPoisonedAsync(string dedupKey, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT dequeue_count, last_error FROM queue WHERE status = 'poison' AND dedup_key = $key ORDER BY id DESC LIMIT 1");
        command.Add("$key", dedupKey);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (reader.GetInt32(0), reader.IsDBNull(1) ? string.Empty : reader.GetString(1));
    }

    /// <summary>
    /// Lets work queued with <paramref name="dedupKey"/> be queued again although a message with that key was poisoned: the
    /// poisoned one (kept with its error as set aside, no longer counted as poisoned) no longer answers <see cref="FindPoisonedAsync"/> for it. Called once the
    /// work's file has been set aside, so that the same file put back after the cause is fixed is read again.
    /// </summary>
    /// <param name="dedupKey">The key.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    public async Task ReleasePoisonedKeyAsync(string dedupKey, CancellationToken cancellationToken)
    {
        await using var write = await _database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        // Kept, with its error, as 'set-aside': its file waits in quarantine with the reason, which the document list shows,
        // so it no longer keeps /health degraded (a poisoned row counted for ever, the file read again or not).
        await using var command = write.Command("UPDATE queue SET dedup_key = NULL, status = 'set-aside' WHERE status = 'poison' AND dedup_key = $key");
        command.Add("$key", dedupKey);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<(int Waiting, int Poisoned)> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqliteValues.Command(connection, "SELECT COALESCE(SUM(status = 'ready'), 0), COALESCE(SUM(status = 'poison'), 0) FROM queue");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    [LoggerMessage(EventId = 7107, Level = LogLevel.Error, Message = "Message {MessageId} of queue {Queue} is poisoned after {Attempts} attempts and is not handled again: {Error}")]
    private static partial void LogPoisoned(ILogger logger, long messageId, string queue, int attempts, string error);
}
