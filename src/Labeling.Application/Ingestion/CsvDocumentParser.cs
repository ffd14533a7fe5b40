using System.Globalization;
using System.Runtime.CompilerServices;
using CsvHelper;

namespace Labeling.Application.Ingestion;

/// <summary>Reads <c>.csv</c> files: one item per row, text from <see cref="IngestionOptions.TextColumn"/>.</summary>
/// <remarks>
/// Comma-separated with RFC 4180 quoting: a quoted field may hold commas, line breaks and doubled
/// quotes. A header row is required; the text and id columns are found in it case-insensitively
/// (an exact-case match wins). Every row must have as many fields as the header and correct
/// quoting; otherwise the file is rejected naming the row, since a broken quote silently merges
/// rows. Items are <c>row-N</c> with N the row as a spreadsheet numbers it (header = row 1, empty
/// lines not counted); the other columns are read as metadata, which ingestion does not store. A row with an empty text cell yields no
/// item. Streamed.
/// </remarks>
public sealed class CsvDocumentParser : IDocumentParser
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Extensions { get; } = [".csv"];

    /// <inheritdoc />
    public IAsyncEnumerable<ParsedItem> ParseAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        CancellationToken cancellationToken = default) =>
        ParserPipeline.Run(fileName, content, options, "CSV", ParseCoreAsync, cancellationToken);

    private static async IAsyncEnumerable<ParsedItem> ParseCoreAsync(
        Stream content,
        IngestionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var text = new CheckedTextReader(content, options.MaxInvalidCharacterFraction);
        var csvOptions = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = true,
            TrackLineNumbers = true,
            IncludeValuesInExceptions = false,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Skip,
            OnMalformedRecord = record => throw text.NotTextOr(Malformed(record)),
        };
        using var csv = CsvReader.Create(text, csvOptions, leaveOpen: true);

        await csv.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        var header = csv.Headers.ToArray();
        if (header.Length == 0)
        {
            throw text.NotTextOr(new DocumentRejectedException(
                $"The CSV file is empty; it needs a header row naming its columns, including '{options.TextColumn}'."));
        }

        var textIndex = FindColumn(header, options.TextColumn, options.TextColumnAdvice("Ingestion:TextColumn", "column"), text);
        var idIndex = options.IdColumn is { Length: > 0 } idColumn
            ? FindColumn(header, idColumn, "Set Ingestion:IdColumn.", text)
            : -1;

        while (await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                if (i != textIndex && i != idIndex)
                {
                    metadata.TryAdd(header[i], csv.GetString(i));
                }
            }

            var id = idIndex >= 0 ? csv.GetString(idIndex) : null;
            var sourceId = string.Create(CultureInfo.InvariantCulture, $"row-{csv.RowNumber + 1}");
            foreach (var item in RecordItems.Create(sourceId, csv.GetString(textIndex), id, metadata, options.MaxItemCharacters))
            {
                yield return item;
            }
        }
    }

    private static DocumentRejectedException Malformed(CsvMalformedRecord record)
    {
        var what = record.Reason switch
        {
            CsvMalformedReason.FieldCountMismatch => "has a different number of fields from the header. Quote fields that contain commas",
            CsvMalformedReason.UnterminatedQuote => "opens a quoted field that is never closed. Close the quote",
            CsvMalformedReason.StrayQuote => "has a quote inside an unquoted field. Quote the whole field and double the quotes inside it (\"\")",
            CsvMalformedReason.TextAfterClosingQuote => "has text after a closing quote. Double the quotes inside a quoted field (\"\")",
            CsvMalformedReason.LineBreakInQuotes => "has a line break inside quotes where none is allowed",
            _ => $"is malformed ({record.Reason})",
        };
        return new DocumentRejectedException(string.Create(CultureInfo.InvariantCulture, $"Row {record.RecordNumber} (line {record.LineNumber}) {what}."));
    }

    private static int FindColumn(string[] header, string column, string advice, CheckedTextReader text)
    {
        var exact = Array.IndexOf(header, column);
        if (exact >= 0)
        {
            return exact;
        }

        var index = Array.FindIndex(header, h => string.Equals(h.Trim(), column.Trim(), StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            return index;
        }

        var present = string.Join(", ", header.Select(h => RecordItems.Snippet(h)));
        var hint = header.Length == 1 && (header[0].Contains(';', StringComparison.Ordinal) || header[0].Contains('\t', StringComparison.Ordinal))
            ? " The file looks separated by ';' or tabs; save it as comma-separated."
            : string.Empty;
        throw text.NotTextOr(new DocumentRejectedException($"CSV has no column '{column}'; columns present: {present}. {advice}{hint}"));
    }
}
