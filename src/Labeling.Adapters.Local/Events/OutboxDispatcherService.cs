using Labeling.Application.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Events;

/// <summary>Runs the <see cref="EventDispatcher"/> in the background: immediately while events are due, then every poll interval.</summary>
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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int attempted;
            try
            {
                attempted = await _dispatcher.DispatchDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(_logger, ex);
                attempted = 0;
            }

            if (attempted == 0)
            {
                await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Error, Message = "An outbox dispatch round failed; retrying")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
