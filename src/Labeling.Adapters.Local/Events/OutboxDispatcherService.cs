using Labeling.Adapters.Local.Hosting;
using Labeling.Application.Events;
using Labeling.Application.Ports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Events;

/// <summary>
/// Runs the <see cref="EventDispatcher"/> in the background, one loop per destination: immediately while events are
/// due for it, then every poll interval. A webhook that hangs until its timeout, or answers slowly, delays only its
/// own events, never another destination's.
/// </summary>
public sealed partial class OutboxDispatcherService : BackgroundService
{
    private readonly EventDispatcher _dispatcher;
    private readonly EventDeliveryOptions _options;
    private readonly ILogger<OutboxDispatcherService> _logger;

    /// <summary>Creates the service.</summary>
    public OutboxDispatcherService(EventDispatcher dispatcher, IOptions<EventDeliveryOptions> options, ILogger<OutboxDispatcherService> logger)
    {
        _dispatcher = dispatcher;
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_dispatcher.Sinks.Select(sink => RunAsync(sink, stoppingToken)));

    private async Task RunAsync(IEventSink sink, CancellationToken stoppingToken)
    {
        var failure = new LastingFailure();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                int attempted;
                try
                {
                    attempted = await _dispatcher.DispatchDueAsync(sink, stoppingToken).ConfigureAwait(false);
                    if (failure.Ended())
                    {
                        LogRoundRecovered(_logger, sink.Name);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Retried every poll interval, but a failure that lasts (the database locked or failing) is logged once.
                    if (failure.IsNew(ex))
                    {
                        LogRoundFailed(_logger, sink.Name, ex);
                    }

                    attempted = 0;
                }

                if (attempted == 0)
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

    [LoggerMessage(EventId = 5101, Level = LogLevel.Error, Message = "An outbox dispatch round for {Destination} failed; retrying at every poll interval (the same failure is not logged again; event 5102 says when it works again)")]
    private static partial void LogRoundFailed(ILogger logger, string destination, Exception exception);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Outbox dispatch for {Destination} works again")]
    private static partial void LogRoundRecovered(ILogger logger, string destination);
}
