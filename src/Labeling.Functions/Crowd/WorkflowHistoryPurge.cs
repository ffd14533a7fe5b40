using Labeling.Orchestration.Crowd;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Functions.Crowd;

/// <summary>
/// Purges the task hub of crowd workflows that ended more than <see cref="WorkflowHistoryOptions.Retention"/> ago. Every
/// item the crowd labels leaves a <c>CollectVotes</c> instance whose history the Azure Storage provider keeps in tables
/// (and blobs) until purged; without this they would grow with every item for ever, and with them the provider's
/// instance queries.
/// </summary>
public sealed partial class WorkflowHistoryPurge
{
    /// <summary>The statuses of workflows that have ended; running, pending and suspended ones are never purged.</summary>
    public static readonly IReadOnlyList<OrchestrationRuntimeStatus> Ended =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    /// <summary>Instances listed, and purged at once, per page.</summary>
    private const int PageSize = 100;

    private readonly WorkflowHistoryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkflowHistoryPurge> _logger;

    /// <summary>Creates the service.</summary>
    public WorkflowHistoryPurge(IOptions<WorkflowHistoryOptions> options, TimeProvider time, ILogger<WorkflowHistoryPurge> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Purges the ended crowd workflows created before now − retention.</summary>
    /// <remarks>
    /// Listed page by page and purged one by one rather than with one filtered purge: a filtered purge has no instance-id
    /// prefix, so it would also take other orchestrations sharing the task hub, and not every backend has it (the
    /// in-process test hub answers it with an error). The listing is of ended instances only, so a purged page does not
    /// shift the next one: its continuation token goes on from where the last page ended.
    /// </remarks>
    /// <param name="client">The Durable client.</param>
    /// <param name="cancellationToken">Cancels the purge between instances.</param>
    /// <returns>How many instances were purged.</returns>
    public async Task<int> PurgeAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        // Created before the cutoff: an instance that ended was created at least that long ago. One that ran long and ended
        // recently goes too; the retention bounds the whole instance's age.
        var cutoff = _time.GetUtcNow() - _options.Retention;
        var query = new OrchestrationQuery
        {
            CreatedTo = cutoff,
            Statuses = Ended,
            InstanceIdPrefix = CollectVotesInput.InstanceIdPrefix,
            PageSize = PageSize,
        };
        var purged = 0;
        await foreach (var page in client.GetAllInstancesAsync(query).AsPages().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var results = await Task.WhenAll(page.Values.Select(instance => client.PurgeInstanceAsync(instance.InstanceId, cancellation: cancellationToken))).ConfigureAwait(false);
            purged += results.Sum(r => r.PurgedInstanceCount);
        }

        LogPurged(_logger, purged, cutoff);
        return purged;
    }

    [LoggerMessage(EventId = 9106, Level = LogLevel.Information, Message = "Purged {Count} ended crowd workflows created before {Cutoff:O} from the task hub")]
    private static partial void LogPurged(ILogger logger, int count, DateTimeOffset cutoff);
}
