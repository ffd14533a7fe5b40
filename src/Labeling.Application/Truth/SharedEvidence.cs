using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Truth;

/// <summary>
/// Reads an item for a step on a project's model. From a store other processes write too (<see cref="ISharedItemStore"/>),
/// the evidence stored with the item is put in the model first (<see cref="OnlineDawidSkene.Adopt"/>): the votes another
/// instance took on it since this model was loaded, or the re-fit's posterior. The step then starts from every vote the store
/// holds, and the evidence it writes back keeps them. Other stores are read as they are.
/// </summary>
public static class SharedEvidence
{
    /// <summary>Reads the item, putting its stored evidence in <paramref name="model"/> when the store is shared.</summary>
    /// <param name="items">The item store.</param>
    /// <param name="model">The project's model, held by the caller's session.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="now">Now (for a half-life's decay).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The item, or null.</returns>
    public static Task<Item?> ReadForStepAsync(this IItemStore items, ProjectTruthModel model, string itemId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(model);
        // The local store, on every vote: its own read's task, with no state machine of this method around it.
        return items is ISharedItemStore ? ReadOneAsync(items, model, itemId, now, cancellationToken) : items.GetAsync(model.Project.Id, itemId, cancellationToken);

        static async Task<Item?> ReadOneAsync(IItemStore items, ProjectTruthModel model, string itemId, DateTimeOffset now, CancellationToken cancellationToken) =>
            (await items.ReadForStepAsync(model, [itemId], now, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// An item a step listed before it took the model, as the step is to write it: from a shared store read again, with its
    /// stored evidence put in <paramref name="model"/>, and null when it is no longer in <paramref name="state"/>; from any
    /// other store (whose one model wrote what was listed) the listed item itself, with no read.
    /// </summary>
    /// <param name="items">The item store.</param>
    /// <param name="model">The project's model, held by the caller's session.</param>
    /// <param name="listed">The item as listed.</param>
    /// <param name="state">The state the step expects it in.</param>
    /// <param name="now">Now (for a half-life's decay).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The item, or null.</returns>
    public static async Task<Item?> CurrentForStepAsync(this IItemStore items, ProjectTruthModel model, Item listed, ItemState state, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listed);
        if (items is not ISharedItemStore)
        {
            return listed;
        }

        var item = await items.ReadForStepAsync(model, listed.Id, now, cancellationToken).ConfigureAwait(false);
        return item?.State == state ? item : null;
    }

    /// <summary>Reads several items at once, putting each one's stored evidence in <paramref name="model"/> when the store is shared.</summary>
    /// <param name="items">The item store.</param>
    /// <param name="model">The project's model, held by the caller's session.</param>
    /// <param name="itemIds">The items.</param>
    /// <param name="now">Now (for a half-life's decay).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The items in the order asked for, null where there is none.</returns>
    public static async Task<Item?[]> ReadForStepAsync(this IItemStore items, ProjectTruthModel model, IReadOnlyList<string> itemIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(itemIds);
        var projectId = model.Project.Id;
        if (items is not ISharedItemStore shared)
        {
            // Independent point reads: together.
            return await Task.WhenAll(itemIds.Select(id => items.GetAsync(projectId, id, cancellationToken))).ConfigureAwait(false);
        }

        var stored = await Task.WhenAll(itemIds.Select(id => shared.GetStoredAsync(projectId, id, cancellationToken))).ConfigureAwait(false);
        for (var n = 0; n < stored.Length; n++)
        {
            if (stored[n] is null)
            {
                continue;
            }

            // No stored evidence means no stored vote: votes this model holds for the item were never written (their commit
            // failed on another path), so they go too.
            var evidence = stored[n]!.Evidence
                ?? (model.EvidenceOf(itemIds[n]) is { Votes.Length: > 0 } held ? held with { Gold = null, Votes = [], Posterior = null } : null);
            if (evidence is not null)
            {
                var changes = model.Model.Adopt(evidence, now);
                if (changes.Count > 0)
                {
                    shared.Adopted(projectId, changes);
                }
            }
        }

        return [.. stored.Select(s => s?.Item)];
    }
}
