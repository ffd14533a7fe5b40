using Labeling.Domain.Labelers;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Ports;

/// <summary>Labelers' learned statistics and track records, partitioned by project.</summary>
public interface ILabelerStore
{
    /// <summary>The track records of a project's machine labelers (rules, LLMs, models).</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Track records by labeler id.</returns>
    Task<IReadOnlyDictionary<string, MachineTrack>> GetMachineTracksAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>
    /// The project's whole online truth model: every labeler's statistics and every item's evidence,
    /// as <see cref="OnlineDawidSkene.FromState"/> takes it.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="labels">The schema's labels in order.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state.</returns>
    Task<OnlineDawidSkeneState> LoadTruthStateAsync(string projectId, IReadOnlyList<string> labels, CancellationToken cancellationToken);
}
