using Labeling.Adapters.Local.Hosting;
using Labeling.Application.Ports;
using Labeling.Application.Work;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Work;

/// <summary>
/// Drives the work queue like the Functions queue triggers: receives messages, hands each to the
/// handler of its queue, completes it on success and reports the failure otherwise (so it is retried,
/// then poisoned).
/// </summary>
public sealed partial class WorkQueuePump : BackgroundService
{
    private readonly IWorkQueue _queue;
    private readonly Dictionary<string, IWorkHandler> _handlers;
    private readonly WorkQueueOptions _options;
    private readonly ILogger<WorkQueuePump> _logger;

    private readonly IHostApplicationLifetime? _lifetime;

    // Failures that passed in a row, per message (gone once it completes or fails for good): its next wait doubles with each.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, int> _passing = new();

    /// <summary>Creates the pump.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="handlers">One handler per queue name.</param>
    /// <param name="options">The queue's options.</param>
    /// <param name="logger">The log.</param>
    /// <param name="lifetime">The host's lifetime: the pump takes no message before the host has started (the web server
    /// listening), so a start that fails takes no message either; null when there is no host.</param>
    public WorkQueuePump(IWorkQueue queue, IEnumerable<IWorkHandler> handlers, IOptions<WorkQueueOptions> options, ILogger<WorkQueuePump> logger, IHostApplicationLifetime? lifetime = null)
    {
        _queue = queue;
        _handlers = handlers.ToDictionary(h => h.Queue, StringComparer.Ordinal);
        _options = options.Value;
        _logger = logger;
        _lifetime = lifetime;
    }

    /// <summary>
    /// Handles up to <see cref="WorkQueueOptions.BatchSize"/> messages, one after another, each received when its turn
    /// comes: a receive counts an attempt against the message, and a message received with others but not yet handled
    /// when the server stopped would otherwise be charged an attempt it never had (an inbox file set aside as "stopped
    /// the server each time it was read" though it was never read).
    /// </summary>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>How many messages were received.</returns>
    public async Task<int> PumpOnceAsync(CancellationToken cancellationToken)
    {
        var received = 0;
        while (received < _options.BatchSize)
        {
            var messages = await _queue.ReceiveAsync(1, cancellationToken).ConfigureAwait(false);
            if (messages.Count == 0)
            {
                break;
            }

            received++;
            await HandleAsync(messages[0], cancellationToken).ConfigureAwait(false);
        }

        return received;
    }

    private async Task HandleAsync(WorkMessage message, CancellationToken cancellationToken)
    {
        string? error = null;
        string? passing = null;
        if (!_handlers.TryGetValue(message.Queue, out var handler))
        {
            LogNoHandler(_logger, message.Queue, message.Id);
            error = $"No handler serves queue '{message.Queue}'.";
        }
        else
        {
            try
            {
                await handler.HandleAsync(message.Payload, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The server is stopping: the message goes back as it was, its attempt not counted (five clean stops during
                // one big file's ingest set it aside as one that "stopped the server each time").
                passing = "The server stopped while this message was being handled.";
            }
            catch (Exception ex) when (Passes(ex) is { } reason && PassingReturns(message.Id) < MaxPassingReturns)
            {
                passing = $"{ex.GetType().Name}: {ex.Message}";
                LogPassingFailure(_logger, message.Queue, message.Id, reason, RetryAfter(message.Id), ex);
            }
            catch (Exception ex)
            {
                LogFailed(_logger, message.Queue, message.Id, message.DequeueCount, ex);
                error = $"{ex.GetType().Name}: {ex.Message}";
            }
        }

        // Recorded whatever the stopping token says: an outcome lost at a stop left the message hidden for the visibility
        // timeout and charged it an attempt at the next start.
        try
        {
            if (passing is not null)
            {
                var delay = cancellationToken.IsCancellationRequested ? TimeSpan.Zero : NextPassingDelay(message.Id);
                await _queue.ReturnAsync(message, passing, delay, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            _passing.TryRemove(message.Id, out _);
            if (error is null)
            {
                await _queue.CompleteAsync(message, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await _queue.FailAsync(message, error, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Only the outcome is lost: the message stays hidden and comes back after its visibility timeout (handlers
            // are idempotent). Letting this out would leave the rest of the batch received but unhandled until then.
            LogOutcomeNotRecorded(_logger, message.Queue, message.Id, _options.VisibilityTimeout, ex);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Why a handler's failure passes, or null when it does not: the database busy or locked by another program, the disk
    /// full or failing to write (SQLite's BUSY, LOCKED, IOERR, FULL; an <see cref="IOException"/> for a full disk or quota).
    /// Such a message is given back without counting the attempt and tried again (<see cref="WorkQueueOptions.RetryDelay"/>
    /// doubling up to <see cref="WorkQueueOptions.MaxRetryDelay"/>) while the cause lasts, up to <see cref="MaxPassingReturns"/>
    /// times in a row, instead of being poisoned by five quick failures and its inbox file set aside as if it could never be read.
    /// </summary>
    /// <param name="exception">What the handler threw.</param>
    /// <returns>The reason, or null.</returns>
    public static string? Passes(Exception exception)
    {
        for (Exception? ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 }:
                    return "the database is busy";
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 }:
                    return "the disk is full";
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 10 }:
                    return "the database could not be read or written";
                case IOException io when IsDiskFull(io):
                    return "the disk is full";
            }
        }

        return null;
    }

    // ENOSPC and EDQUOT on Linux (an IOException's HResult is the errno there; 28 and 69 on macOS), ERROR_DISK_FULL and
    // ERROR_HANDLE_DISK_FULL on Windows.
    private static bool IsDiskFull(IOException exception) => exception.HResult switch
    {
        28 or 122 when OperatingSystem.IsLinux() => true,
        28 or 69 when OperatingSystem.IsMacOS() => true,
        unchecked((int)0x80070070) or unchecked((int)0x80070027) => true,
        _ => false,
    };

    /// <summary>
    /// Times in a row a message may be given back for a failure that passes before such a failure counts as an attempt
    /// again: about an hour at the default <see cref="WorkQueueOptions.MaxRetryDelay"/>. A cause that lasts longer may be
    /// the message's own (a file that fills the disk each time it is read), and counted it ends poisoned, not retried for ever.
    /// </summary>
    internal const int MaxPassingReturns = 64;

    private int PassingReturns(long messageId) => _passing.TryGetValue(messageId, out var returns) ? returns : 0;

    private TimeSpan RetryAfter(long messageId) => Backoff(_options, PassingReturns(messageId));

    // The wait before the message's next try: RetryDelay (at least the poll interval, so a busy database is not tried in
    // a tight loop) doubled for each failure that passed before, at most MaxRetryDelay.
    private TimeSpan NextPassingDelay(long messageId)
    {
        var returns = _passing.AddOrUpdate(messageId, 1, (_, n) => n + 1);
        return Backoff(_options, returns - 1);
    }

    /// <summary>The wait after <paramref name="doublings"/> failures that passed in a row (see <see cref="NextPassingDelay"/>).</summary>
    internal static TimeSpan Backoff(WorkQueueOptions options, int doublings)
    {
        var delay = options.RetryDelay > options.PollInterval ? options.RetryDelay : options.PollInterval;
        var cap = options.MaxRetryDelay > delay ? options.MaxRetryDelay : delay;
        // Doubled step by step up to the cap: no product that overflows a TimeSpan however long the spell.
        for (var n = 0; n < doublings && delay < cap; n++)
        {
            delay *= 2;
        }

        return delay > cap ? cap : delay;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await StartedAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        var failure = new LastingFailure();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                int received;
                try
                {
                    received = await PumpOnceAsync(stoppingToken).ConfigureAwait(false);
                    if (failure.Ended())
                    {
                        LogPumpRecovered(_logger);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Retried every poll interval, but a failure that lasts (the database locked or failing) is logged once.
                    if (failure.IsNew(ex))
                    {
                        LogPumpFailed(_logger, ex);
                    }

                    received = 0;
                }

                if (received == 0)
                {
                    await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the cancelled wait ends the loop. Let out, it was logged as a failed background service when a host that could not start (its port taken) stopped at once.
        }
    }

    // Hosted services start before the web server binds its port; a server that then fails to start (the port taken)
    // would have received messages, an attempt counted against each, every time it was started.
    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        if (_lifetime is null || _lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return true;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetResult()))
        {
            await started.Task.ConfigureAwait(false);
        }

        return !stoppingToken.IsCancellationRequested;
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} failed on attempt {Attempt}; it will be retried or poisoned")]
    private static partial void LogFailed(ILogger logger, string queue, long messageId, int attempt, Exception exception);

    [LoggerMessage(EventId = 7106, Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} met a failure that passes ({Reason}); it is tried again in {RetryAfter}, its attempt not counted")]
    private static partial void LogPassingFailure(ILogger logger, string queue, long messageId, string reason, TimeSpan retryAfter, Exception exception);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Error, Message = "No handler for queue {Queue} (message {MessageId})")]
    private static partial void LogNoHandler(ILogger logger, string queue, long messageId);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Error, Message = "The work queue pump failed to receive; retrying at every poll interval (the same failure is not logged again; event 7105 says when it works again)")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Error, Message = "The outcome of message {MessageId} of queue {Queue} could not be recorded; it is handled again after its visibility timeout ({VisibilityTimeout})")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, string queue, long messageId, TimeSpan visibilityTimeout, Exception exception);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Information, Message = "The work queue pump receives again")]
    private static partial void LogPumpRecovered(ILogger logger);
}
