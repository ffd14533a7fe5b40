using Labeling.Domain.Items;

namespace Labeling.Application.Events;

/// <summary>The <c>data</c> of a <c>label.ready</c> CloudEvent.</summary>
/// <param name="Project">The project id.</param>
/// <param name="Item">The item id.</param>
/// <param name="ExternalId">The caller's id for the item, if the document carried one.</param>
/// <param name="DocumentId">The document that first brought the item's text in; absent for gold items seeded by hand.</param>
/// <param name="SourceId">Where in that document the text sits (<c>row-2</c>, <c>line-3</c>, <c>chunk-4</c>, <c>gold-1</c>; parts of a long record end <c>#part-N</c>).</param>
/// <param name="Label">The decided label.</param>
/// <param name="Confidence">Its posterior probability.</param>
/// <param name="Posterior">Every label's probability.</param>
/// <param name="DecidedBy">machine, crowd, gold or reviewer.</param>
/// <param name="Votes">How many votes (machine and crowd) the item had.</param>
/// <param name="Revision">The item revision of the decision.</param>
/// <param name="Revises">
/// Set when this event replaces an earlier <c>label.ready</c> for the same item: the revision of the decision it
/// revises (a batch re-fit of the project's reliabilities changed the label). Consumers keep the event with the
/// highest <paramref name="Revision"/> per item. Absent on first decisions.
/// </param>
public sealed record LabelReadyData(
    string Project,
    string Item,
    string? ExternalId,
    string? DocumentId,
    string? SourceId,
    string Label,
    double Confidence,
    IReadOnlyDictionary<string, double> Posterior,
    DecidedBy DecidedBy,
    int Votes,
    long Revision,
    long? Revises = null);

/// <summary>Where an item came from, as a <c>label.ready</c> event names it.</summary>
/// <param name="ExternalId">The caller's id for the item, if any.</param>
/// <param name="DocumentId">The document that first brought the text in, if any.</param>
/// <param name="SourceId">Where in that document, if known.</param>
public sealed record ItemOrigin(string? ExternalId, string? DocumentId, string? SourceId)
{
    /// <summary>An origin that names nothing.</summary>
    public static ItemOrigin None { get; } = new(null, null, null);

    /// <summary>The item's own origin.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Its external id, document and place.</returns>
    public static ItemOrigin Of(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new(item.ExternalId, item.DocumentId, item.SourceId);
    }
}
