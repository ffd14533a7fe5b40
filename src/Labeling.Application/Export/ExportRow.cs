using Labeling.Domain.Items;

namespace Labeling.Application.Export;

/// <summary>One exported label.</summary>
/// <param name="ItemId">The item id.</param>
/// <param name="ExternalId">The caller's id for the item.</param>
/// <param name="Text">The item text.</param>
/// <param name="Label">The decided label.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="Posterior">Probability per label.</param>
/// <param name="DecidedBy">machine, crowd, gold or reviewer.</param>
/// <param name="VoteCount">Votes on the item, machine and crowd.</param>
public sealed record ExportRow(
    string ItemId,
    string? ExternalId,
    string Text,
    string Label,
    double Confidence,
    IReadOnlyDictionary<string, double>? Posterior,
    DecidedBy DecidedBy,
    int VoteCount);
