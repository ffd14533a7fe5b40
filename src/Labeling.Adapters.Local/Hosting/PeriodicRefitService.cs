using Labeling.Application.Truth;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// The local host's stand-in for the Functions timer <c>RefitReliabilities</c>: re-fits every project every
/// <see cref="ReliabilityRefitOptions.Interval"/> (first one interval after start; <c>00:00:00</c> turns it off).
/// </summary>
public sealed partial class PeriodicRefitService : BackgroundService
{
    private readonly ReliabilityRefit _refit;
    private readonly TimeProvider _time;
    private readonly ReliabilityRefitOptions _options;
    private readonly ILogger<PeriodicRefitService> _logger;

    /// <summary>Creates the service.</summary>
    public PeriodicRefitService(ReliabilityRefit refit, TimeProvider time, IOptions<ReliabilityRefitOptions> options, ILogger<PeriodicRefitService> logger)
    {
        _refit = refit;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Interval <= TimeSpan.Zero)
        {
            LogOff(_logger);
            return;
        }

        using var timer = new PeriodicTimer(_options.Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var reports = await _refit.RefitAllAsync(stoppingToken).ConfigureAwait(false);
                    LogRound(_logger, reports.Count, reports.Sum(r => r.RevisedCount));
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // One failed round (a locked file, a project deleted meanwhile) must not stop the schedule.
                    LogRoundFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the wait for the next round ends here. Thrown out, it was logged as a failed background service
            // (critical) when a host that could not start stopped at once.
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Periodic re-fit is off (Refit:Interval is 00:00:00)")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Information, Message = "Periodic re-fit of {Projects} projects done; {Revised} labels revised")]
    private static partial void LogRound(ILogger logger, int projects, int revised);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Error, Message = "A periodic re-fit failed; the next runs on schedule")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
