namespace Labeling.Application.Ingestion;

/// <summary>Turns one uploaded file of a given format into items for labeling.</summary>
/// <remarks>
/// Items are yielded as the file is read: txt, md, csv and jsonl are streamed; json, html, pdf and
/// docx are loaded whole (bounded by <see cref="IngestionOptions.MaxFileBytes"/>). Any problem with
/// the file surfaces as a <see cref="DocumentRejectedException"/> while enumerating — possibly after
/// some items were already yielded — so the caller can quarantine the file and move on.
/// </remarks>
public interface IDocumentParser
{
    /// <summary>The file extensions this parser reads, lower case with the leading dot (".csv").</summary>
    IReadOnlyCollection<string> Extensions { get; }

    /// <summary>Reads <paramref name="content"/> and yields its items in document order.</summary>
    /// <param name="fileName">The file's name, used in rejection reasons.</param>
    /// <param name="content">The raw bytes; read once, not disposed.</param>
    /// <param name="options">Column and field names, size limits.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <exception cref="DocumentRejectedException">The file cannot be parsed; see its <c>Reason</c>.</exception>
    IAsyncEnumerable<ParsedItem> ParseAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        CancellationToken cancellationToken = default);
}
