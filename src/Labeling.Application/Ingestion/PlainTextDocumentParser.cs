using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Labeling.Application.Ingestion;

/// <summary>Reads <c>.txt</c> and <c>.md</c> files as one document cut into items by <see cref="TextSplitter"/>.</summary>
/// <remarks>
/// Streamed: the file is read a paragraph (up to the next blank line) at a time. Markdown is kept as
/// written — headings and list markers stay in the text. Items are <c>chunk-1</c>, <c>chunk-2</c>….
/// </remarks>
public sealed class PlainTextDocumentParser : IDocumentParser
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Extensions { get; } = [".txt", ".md"];

    /// <inheritdoc />
    public IAsyncEnumerable<ParsedItem> ParseAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        CancellationToken cancellationToken = default) =>
        ParserPipeline.Run(fileName, content, options, "text", ParseCoreAsync, cancellationToken);

    private static async IAsyncEnumerable<ParsedItem> ParseCoreAsync(
        Stream content,
        IngestionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new CheckedTextReader(content, options.MaxInvalidCharacterFraction);
        var paragraph = new StringBuilder();
        var chunk = 0;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is not null && line.StartsWith('\uFEFF'))
            {
                // Files saved with a byte-order mark and joined (cat a.txt b.txt): each one's mark starts a line. Left in,
                // it is invisible to a worker but not to the content hash, so the same text elsewhere is another item.
                line = line[1..];
            }

            if (line is not null && !string.IsNullOrWhiteSpace(line))
            {
                paragraph.Append(line).Append('\n');
                continue;
            }

            foreach (var text in TextSplitter.SplitParagraph(paragraph.ToString(), options.MaxItemCharacters))
            {
                yield return new ParsedItem(string.Create(CultureInfo.InvariantCulture, $"chunk-{++chunk}"), text, null, ParsedItem.NoMetadata);
            }

            paragraph.Clear();
            if (line is null)
            {
                yield break;
            }
        }
    }
}
