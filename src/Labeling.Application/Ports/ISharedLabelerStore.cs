namespace Labeling.Application.Ports;

/// <summary>
/// A labeler store that several processes share (Cosmos DB on Azure, where the API, the weak-labeling queue and the
/// timers run on instances of their own). The hourly re-fit on one instance replaces the statistics every other
/// instance's model was loaded with; each replacement leaves a new mark, and <see cref="Truth.ProjectModels"/> loads a
/// project's model again when the mark differs from the one it loaded under, so the re-fit's reliabilities reach every
/// instance. The local SQLite store has one process, whose re-fit drops its own model, and does not implement this.
/// </summary>
public interface ISharedLabelerStore
{
    /// <summary>
    /// The mark of the project's last statistics replacement (a re-fit), as this process knows it: read again from the
    /// store once its copy is older than the store's refresh period, and a replacement made by this process at once.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The mark, or null before the project's first re-fit.</returns>
    Task<string?> StatisticsMarkAsync(string projectId, CancellationToken cancellationToken);
}
