using System.Globalization;
using System.Runtime.CompilerServices;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Labeling.Application.Ingestion;

/// <summary>Reads <c>.pdf</c> files: the text layer of each page, cut by <see cref="TextSplitter"/>.</summary>
/// <remarks>
/// Text is extracted per page in content order, a paragraph (text after a gap wider than its lines' spacing) an item of
/// its own, and the pages are joined in order; each item
/// carries the page it came from as metadata <c>page</c> (1-based; not stored by ingestion) and a paragraph never spans two
/// pages. A PDF with pages but no text layer (a scan) is rejected, since it would silently produce
/// nothing to label. Items are <c>chunk-N</c>, numbered across the document. Loaded whole; what its streams
/// may unpack to is limited by <see cref="UnpackBudget"/>, how deep its syntax may nest by <see cref="PdfNesting"/>, and how
/// much text and drawing one page may hold by <see cref="PdfPageLimits"/>, checked before the page is loaded.
/// </remarks>
public sealed class PdfDocumentParser : IDocumentParser
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Extensions { get; } = [".pdf"];

    /// <inheritdoc />
    public IAsyncEnumerable<ParsedItem> ParseAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        CancellationToken cancellationToken = default) =>
        ParserPipeline.Run(fileName, content, options, "PDF", ParseCoreAsync, cancellationToken);

    private static async IAsyncEnumerable<ParsedItem> ParseCoreAsync(
        Stream content,
        IngestionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var bytes = await ReadAllAsync(content, cancellationToken).ConfigureAwait(false);
        PdfNesting.EnsureShallowFile(bytes);
        using var pdf = Open(bytes, options.MaxUnpackedCharacters);
        pdf.AddPageFactory<PdfPageLimits.Measured, PdfPageLimits>();
        var chunk = 0;
        var pageNumber = 0;
        while (pageNumber < pdf.NumberOfPages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            pageNumber++;

            // Measured from its raw objects first: loading a page is what builds its letters, and it cannot be stopped.
            pdf.GetPage<PdfPageLimits.Measured>(pageNumber);
            var page = pdf.GetPage(pageNumber);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["page"] = pageNumber.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var text in TextSplitter.Split(ContentOrderTextExtractor.GetText(page, Paragraphs), options.MaxItemCharacters))
            {
                yield return new ParsedItem(string.Create(CultureInfo.InvariantCulture, $"chunk-{++chunk}"), text, null, metadata);
            }
        }

        if (chunk == 0 && pageNumber > 0)
        {
            throw new DocumentRejectedException(
                string.Create(CultureInfo.InvariantCulture, $"The PDF has {pageNumber} page(s) but no text layer; it is probably scanned. Run OCR on it and upload it again."));
        }
    }

    // A blank line where the text is likely to start a new paragraph (a gap larger than the lines' spacing), so each
    // paragraph of a page is an item of its own, as in the other formats, rather than the page's text one item.
    private static readonly ContentOrderTextExtractor.Options Paragraphs = new() { SeparateParagraphsWithDoubleNewline = true };

    private static PdfDocument Open(byte[] bytes, long maxUnpacked)
    {
        try
        {
            return PdfDocument.Open(bytes, new ParsingOptions { FilterProvider = new UnpackBudget(maxUnpacked) });
        }
        catch (DocumentRejectedException)
        {
            throw;
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new DocumentRejectedException("The PDF is password-protected. Remove the password and upload it again.", ex);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            // PdfPig reports corrupt input through many exception types; all mean the same to the uploader.
            throw new DocumentRejectedException($"The file is not a readable PDF ({ex.GetType().Name}); it may be corrupt or truncated.", ex);
        }
    }

    internal static async Task<byte[]> ReadAllAsync(Stream content, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
