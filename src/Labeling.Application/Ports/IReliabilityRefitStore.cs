using Labeling.Application.Truth;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Ports;

/// <summary>Where a batch re-fit of reliabilities writes: the re-fitted labeler statistics and the drift report.</summary>
public interface IReliabilityRefitStore
{
    /// <summary>
    /// Replaces labelers' statistics and a capability's class-count correction with re-fitted values (the whole value, not
    /// a change to add); <see cref="ILabelerStore.LoadTruthStateAsync"/> returns them from then on.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="statistics">The re-fitted statistics, one per labeler and capability.</param>
    /// <param name="classCounts">The re-fitted class counts' difference from the sum of the stored posteriors (<see cref="ClassCountsState"/>).</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>A task.</returns>
    Task ReplaceStatisticsAsync(string projectId, IReadOnlyList<LabelerStatisticsState> statistics, ClassCountsState classCounts, CancellationToken cancellationToken);

    /// <summary>Keeps a drift report where people can read it.</summary>
    /// <param name="report">The report.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Where the report was stored (a blob name, a file path).</returns>
    Task<string> SaveDriftReportAsync(DriftReport report, CancellationToken cancellationToken);
}
