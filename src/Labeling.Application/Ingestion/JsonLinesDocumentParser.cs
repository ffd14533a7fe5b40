using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Labeling.Application.Ingestion;

/// <summary>Reads <c>.jsonl</c> files: one JSON object per line, one item per object.</summary>
/// <remarks>
/// Text comes from <see cref="IngestionOptions.JsonTextField"/>, the id from
/// <see cref="IngestionOptions.JsonIdField"/>; both may be dotted paths into nested objects. Blank
/// lines are skipped; a line holding a bare string is taken as the text. A null or empty text yields
/// no item; a missing text field rejects the file. Items are <c>line-N</c> (1-based). Streamed.
/// </remarks>
public sealed class JsonLinesDocumentParser : IDocumentParser
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Extensions { get; } = [".jsonl"];

    /// <inheritdoc />
    public IAsyncEnumerable<ParsedItem> ParseAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        CancellationToken cancellationToken = default) =>
        ParserPipeline.Run(fileName, content, options, "JSON Lines", ParseCoreAsync, cancellationToken);

    private static async IAsyncEnumerable<ParsedItem> ParseCoreAsync(
        Stream content,
        IngestionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new CheckedTextReader(content, options.MaxInvalidCharacterFraction);
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (line.StartsWith('\uFEFF'))
            {
                // Files saved with a byte-order mark and joined (cat a.jsonl b.jsonl): each one's mark starts a line.
                line = line[1..];
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var document = Parse(line, lineNumber);
            foreach (var item in JsonFields.ToItems(document.RootElement, string.Create(CultureInfo.InvariantCulture, $"line-{lineNumber}"), string.Create(CultureInfo.InvariantCulture, $"Line {lineNumber}"), options, "JSON Lines"))
            {
                yield return item;
            }
        }
    }

    private static JsonDocument Parse(string line, int lineNumber)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            if (line.AsSpan().IndexOfAny('\uFFFD', '\0') >= 0)
            {
                throw new DocumentRejectedException(
                    string.Create(CultureInfo.InvariantCulture, $"Line {lineNumber} is not valid JSON and holds bytes that are not UTF-8 text. Check the file is JSON Lines saved as UTF-8."),
                    ex);
            }

            var column = ex.BytePositionInLine is { } position ? string.Create(CultureInfo.InvariantCulture, $" near byte {position + 1}") : string.Empty;
            throw new DocumentRejectedException(
                string.Create(CultureInfo.InvariantCulture, $"Line {lineNumber} is not valid JSON{column}: \"{RecordItems.Snippet(line)}\". Each line must be one complete JSON object."),
                ex);
        }
    }
}
