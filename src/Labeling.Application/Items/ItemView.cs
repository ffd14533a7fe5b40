using Labeling.Domain.Items;

namespace Labeling.Application.Items;

/// <summary>An item as the API shows it: its text, state, posterior, votes and how it was decided.</summary>
/// <param name="Id">The item id.</param>
/// <param name="ProjectId">The project.</param>
/// <param name="DocumentId">The document that brought it in.</param>
/// <param name="SourceId">Where in the document.</param>
/// <param name="ExternalId">The caller's id.</param>
/// <param name="Text">The text.</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="Gold">True for gold items.</param>
/// <param name="Label">The decided label.</param>
/// <param name="Confidence">The decided label's probability.</param>
/// <param name="DecidedBy">machine, crowd, gold or reviewer.</param>
/// <param name="Posterior">Probability per label.</param>
/// <param name="Reason">Why the item is where it is.</param>
/// <param name="Revision">Its revision.</param>
/// <param name="Votes">Every vote, oldest first; null in lists.</param>
public sealed record ItemView(
    string Id,
    string ProjectId,
    string? DocumentId,
    string SourceId,
    string? ExternalId,
    string Text,
    ItemState State,
    bool Gold,
    string? Label,
    double? Confidence,
    DecidedBy? DecidedBy,
    IReadOnlyDictionary<string, double>? Posterior,
    string? Reason,
    long Revision,
    IReadOnlyList<VoteView>? Votes)
{
    /// <summary>
    /// While a re-check has the item back in the crowd pool: the revision whose <c>label.ready</c> consumers hold (the
    /// label they keep until the item is decided again, which revises it). Null otherwise.
    /// </summary>
    public long? ReopenedFromRevision { get; init; }
}
