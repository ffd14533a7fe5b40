using Labeling.Application.Projects;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Hosting;

/// <summary>
/// The local host's stand-in for the Functions timer <c>FinishProjectDeletions</c>: finishes the purge of a project whose
/// <c>DELETE</c> answered 202 as soon as the request hands it over, and every <see cref="ProjectDeletionOptions.RetryInterval"/>
/// looks for deletions a failed purge left (<see cref="ProjectDeletion.FinishPendingAsync"/>). Those a crash left are
/// finished before the server listens (<see cref="LocalStartup"/>), or here when their purge fails there.
/// </summary>
public sealed partial class PendingDeletionService : BackgroundService
{
    private readonly ProjectDeletion _deletion;
    private readonly ProjectDeletionOptions _options;
    private readonly ILogger<PendingDeletionService> _logger;

    /// <summary>Creates the service.</summary>
    public PendingDeletionService(ProjectDeletion deletion, IOptions<ProjectDeletionOptions> options, ILogger<PendingDeletionService> logger)
    {
        _deletion = deletion;
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failure = new LastingFailure();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _deletion.WaitForHandoverAsync(_options.RetryInterval, stoppingToken).ConfigureAwait(false);
                try
                {
                    await _deletion.FinishPendingAsync("the background purge", stoppingToken).ConfigureAwait(false);
                    if (failure.Ended())
                    {
                        LogRecovered(_logger);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // A busy or failing store: the project stays hidden and marked, and the next round tries again. A failure
                    // that lasts (a file the server may not delete) is logged once, not every RetryInterval.
                    if (failure.IsNew(ex))
                    {
                        LogRoundFailed(_logger, ex, _options.RetryInterval);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is left is finished at the next start.
        }
    }

    [LoggerMessage(EventId = 4407, Level = LogLevel.Error, Message = "A background purge of deleted projects failed; it is tried again every {RetryInterval}, and the same failure is not logged again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, TimeSpan retryInterval);

    [LoggerMessage(EventId = 4408, Level = LogLevel.Information, Message = "The background purge of deleted projects works again")]
    private static partial void LogRecovered(ILogger logger);
}
