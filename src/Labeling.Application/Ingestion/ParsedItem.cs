namespace Labeling.Application.Ingestion;

/// <summary>One piece of a document that becomes one item for labeling.</summary>
/// <param name="SourceId">
/// Where the item sits in its file, unique within the file: <c>chunk-3</c> (txt, md, html, docx,
/// pdf), <c>row-2</c> (csv; the header is row 1, as a spreadsheet shows it), <c>line-7</c> (jsonl,
/// 1-based), <c>index-0</c> (json array, 0-based). A record longer than
/// <see cref="IngestionOptions.MaxItemCharacters"/> is split and its parts get a <c>#part-N</c>
/// suffix, e.g. <c>row-2#part-1</c>.
/// </param>
/// <param name="Text">The item text, whitespace-normalised, never empty, at most <see cref="IngestionOptions.MaxItemCharacters"/> long.</param>
/// <param name="ExternalId">The value of the configured id column or field, if one is configured and not empty.</param>
/// <param name="Metadata">
/// Other values found with the text: for csv the other columns, for json/jsonl the other top-level
/// scalar fields, for pdf the page number. Empty when there are none. The parsers read them, but
/// ingestion does not store them: an item keeps its text, external id and source id (README,
/// "Documents and items").
/// </param>
public sealed record ParsedItem(
    string SourceId,
    string Text,
    string? ExternalId,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>An empty metadata dictionary, shared.</summary>
    public static IReadOnlyDictionary<string, string> NoMetadata { get; } =
        new Dictionary<string, string>(0, StringComparer.Ordinal);
}
