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
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogFailed(_logger, message.Queue, message.Id, message.DequeueCount, ex);
                error = $"{ex.GetType().Name}: {ex.Message}";
            }
        }

        try
        {
            if (error is null)
            {
                await _queue.CompleteAsync(message, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _queue.FailAsync(message, error, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Only the outcome is lost: the message stays hidden and comes back after its visibility timeout (handlers
            // are idempotent). Letting this out would leave the rest of the batch received but unhandled until then.
            LogOutcomeNotRecorded(_logger, message.Queue, message.Id, _options.VisibilityTimeout, ex);
        }
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

    [LoggerMessage(EventId = 7102, Level = LogLevel.Error, Message = "No handler for queue {Queue} (message {MessageId})")]
    private static partial void LogNoHandler(ILogger logger, string queue, long messageId);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Error, Message = "The work queue pump failed to receive; retrying at every poll interval (the same failure is not logged again; event 7105 says when it works again)")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Error, Message = "The outcome of message {MessageId} of queue {Queue} could not be recorded; it is handled again after its visibility timeout ({VisibilityTimeout})")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, string queue, long messageId, TimeSpan visibilityTimeout, Exception exception);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Information, Message = "The work queue pump receives again")]
    private static partial void LogPumpRecovered(ILogger logger);
}
