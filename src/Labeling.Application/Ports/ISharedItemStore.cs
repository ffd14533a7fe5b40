using Labeling.Domain.Items;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Ports;

/// <summary>
/// An <see cref="IItemStore"/> that other processes write too, each with its own in-memory truth model: Cosmos DB on Azure,
/// where every Functions instance (the HTTP API's, the weak-labeling queue's, the re-fit timer's) keeps one. A step reads its
/// item with the evidence the last writer stored and puts that in its model before adding its own vote
/// (<see cref="Truth.SharedEvidence"/>), so that a vote taken on one instance is not dropped from the item's evidence by the
/// next vote on another, whose model was loaded before it. The local SQLite store has one writer, its server's one model,
/// and does not implement this.
/// </summary>
public interface ISharedItemStore
{
    /// <summary>Reads an item with the model evidence stored with it.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The item and its stored evidence (null before its first vote), or null when there is no such item.</returns>
    Task<StoredItem?> GetStoredAsync(string projectId, string itemId, CancellationToken cancellationToken);

    /// <summary>
    /// Tells the store that this process's model took in statistics another process already stored (the changes of
    /// <see cref="OnlineDawidSkene.Adopt"/>): they are not this process's to add again when it next writes those labelers.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="changes">Each moved labeler's statistics before and after the adoption.</param>
    void Adopted(string projectId, IReadOnlyList<(LabelerStatisticsState Before, LabelerStatisticsState After)> changes);
}

/// <summary>An item as stored, with the truth model's evidence for it.</summary>
/// <param name="Item">The item.</param>
/// <param name="Evidence">Its votes, gold label and posterior as the model that last wrote it held them; null before any.</param>
public sealed record StoredItem(Item Item, ItemEvidenceState? Evidence);
