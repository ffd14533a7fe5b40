using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Labeling.Functions.Crowd;

/// <summary>
/// <c>PurgeWorkflowHistory</c>: once a day, removes the task hub's record of crowd workflows that ended more than
/// <see cref="WorkflowHistoryOptions.Retention"/> ago (<see cref="WorkflowHistoryPurge"/>).
/// </summary>
public sealed class PurgeWorkflowHistoryFunction
{
    /// <summary>The schedule (NCRONTAB with seconds): 03:30 UTC every day.</summary>
    public const string Schedule = "0 30 3 * * *";

    private readonly WorkflowHistoryPurge _purge;

    /// <summary>Creates the function.</summary>
    /// <param name="purge">The purge.</param>
    public PurgeWorkflowHistoryFunction(WorkflowHistoryPurge purge) => _purge = purge;

    /// <summary>Purges ended workflows past their retention.</summary>
    /// <param name="timer">The timer.</param>
    /// <param name="client">The Durable client.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    /// <returns>A task.</returns>
    [Function("PurgeWorkflowHistory")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        await _purge.PurgeAsync(client, cancellationToken).ConfigureAwait(false);
}
