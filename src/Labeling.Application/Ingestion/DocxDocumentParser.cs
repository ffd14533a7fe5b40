using System.IO.Packaging;
using System.Runtime.CompilerServices;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Labeling.Application.Ingestion;

/// <summary>Reads <c>.docx</c> files: the text of each paragraph in the main document, cut by <see cref="TextSplitter"/>.</summary>
/// <remarks>
/// Every Word paragraph, including those in table cells, is a paragraph for the splitting rule, so
/// each non-empty one becomes at least one item. Headers, footers, comments and footnotes are not
/// read. Legacy <c>.doc</c> files are not supported. Items are <c>chunk-N</c>. Loaded whole.
/// </remarks>
public sealed class DocxDocumentParser : IDocumentParser
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Extensions { get; } = [".docx"];

    /// <inheritdoc />
    public IAsyncEnumerable<ParsedItem> ParseAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        CancellationToken cancellationToken = default) =>
        ParserPipeline.Run(fileName, content, options, "Word (.docx)", ParseCoreAsync, cancellationToken);

    private static async IAsyncEnumerable<ParsedItem> ParseCoreAsync(
        Stream content,
        IngestionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(await PdfDocumentParser.ReadAllAsync(content, cancellationToken).ConfigureAwait(false));
        using var document = Open(buffer);
        var body = document.MainDocumentPart?.Document?.Body
            ?? throw new DocumentRejectedException("The .docx file has no document body. Open and re-save it in Word.");

        var chunk = 0;
        foreach (var paragraph in body.Descendants<Paragraph>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var text in TextSplitter.SplitParagraph(paragraph.InnerText, options.MaxItemCharacters))
            {
                yield return new ParsedItem($"chunk-{++chunk}", text, null, ParsedItem.NoMetadata);
            }
        }
    }

    private static WordprocessingDocument Open(Stream buffer)
    {
        try
        {
            return WordprocessingDocument.Open(buffer, isEditable: false);
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or FileFormatException or InvalidDataException or IOException or InvalidOperationException or System.Xml.XmlException)
        {
            throw new DocumentRejectedException(
                $"The file is not a valid .docx (a Word zip package) ({ex.GetType().Name}). Legacy .doc files must be saved as .docx first.",
                ex);
        }
    }
}
