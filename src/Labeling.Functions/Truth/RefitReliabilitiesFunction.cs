using Labeling.Application.Truth;
using Microsoft.Azure.Functions.Worker;

namespace Labeling.Functions.Truth;

/// <summary>
/// <c>RefitReliabilities</c>: the periodic batch re-fit of every project's labeler reliabilities over the
/// recent window (<see cref="ReliabilityRefit"/>), with a drift report per project. The schedule is the
/// app setting <c>RefitReliabilitiesSchedule</c> (NCRONTAB with seconds, e.g. <c>0 0 * * * *</c> for hourly).
/// </summary>
public sealed class RefitReliabilitiesFunction
{
    /// <summary>The binding expression of the schedule: the app setting's name between percent signs.</summary>
    public const string Schedule = "%RefitReliabilitiesSchedule%";

    private readonly ReliabilityRefit _refit;

    /// <summary>Creates the function.</summary>
    /// <param name="refit">The re-fit use case.</param>
    public RefitReliabilitiesFunction(ReliabilityRefit refit) => _refit = refit;

    /// <summary>Re-fits every project.</summary>
    /// <param name="timer">The timer.</param>
    /// <param name="cancellationToken">Cancels the run between projects.</param>
    /// <returns>A task.</returns>
    [Function("RefitReliabilities")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        await _refit.RefitAllAsync(cancellationToken).ConfigureAwait(false);
}
