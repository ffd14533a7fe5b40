using Labeling.Application.Projects;
using Microsoft.Azure.Functions.Worker;

namespace Labeling.Functions.Projects;

/// <summary>
/// <c>FinishProjectDeletions</c>: every five minutes, purges what is left of deleted projects — those whose <c>DELETE</c>
/// answered 202 when its time ran out (<see cref="ProjectDeletionOptions.RequestTime"/>), and those a failure or a recycled
/// instance cut short (<see cref="ProjectDeletion.FinishPendingAsync"/>). A purge that outlasts the function's timeout goes
/// on at the next run: each batch is its own write.
/// </summary>
public sealed class FinishProjectDeletionsFunction
{
    /// <summary>The schedule (NCRONTAB with seconds): every five minutes.</summary>
    public const string Schedule = "0 */5 * * * *";

    private readonly ProjectDeletion _deletion;

    /// <summary>Creates the function.</summary>
    /// <param name="deletion">The deletions.</param>
    public FinishProjectDeletionsFunction(ProjectDeletion deletion) => _deletion = deletion;

    /// <summary>Finishes every deletion not yet over that this instance is not already purging.</summary>
    /// <param name="timer">The timer.</param>
    /// <param name="cancellationToken">Stops between batches (the host's timeout or shutdown).</param>
    /// <returns>A task.</returns>
    [Function("FinishProjectDeletions")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        await _deletion.FinishPendingAsync("the FinishProjectDeletions timer", cancellationToken).ConfigureAwait(false);
}
