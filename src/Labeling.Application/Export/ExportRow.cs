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
/// <param name="DocumentId">The document that first brought the text in (its record: <c>GET …/documents/{id}</c>); null for gold items seeded by hand.</param>
/// <param name="SourceId">Where in that document the text sits: <c>row-2</c> of a CSV file, <c>line-3</c> of a JSONL file, <c>chunk-4</c>
/// (the fourth item) of a text, HTML, PDF or Word file; a long record's parts end <c>#part-N</c>; <c>gold-N</c> for a seeded gold item.</param>
public sealed record ExportRow(
    string ItemId,
    string? ExternalId,
    string Text,
    string Label,
    double Confidence,
    IReadOnlyDictionary<string, double>? Posterior,
    DecidedBy DecidedBy,
    int VoteCount,
    string? DocumentId,
    string SourceId);
