using System.Globalization;
using System.IO.Packaging;
using System.Runtime.CompilerServices;
using System.Xml;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Labeling.Application.Ingestion;

/// <summary>Reads <c>.docx</c> files: the text of each paragraph in the main document, cut by <see cref="TextSplitter"/>.</summary>
/// <remarks>
/// Every top-level Word paragraph, including those in table cells, is a paragraph for the splitting rule,
/// so each non-empty one becomes at least one item; a paragraph nested in another (a text box) is part of
/// its outer paragraph's text. Headers, footers, comments and footnotes are not read. Legacy <c>.doc</c>
/// files are not supported. Items are <c>chunk-N</c>. The package (at most
/// <see cref="IngestionOptions.MaxFileBytes"/>) is loaded whole, but the main document is read as a stream,
/// one paragraph at a time, and rejected once its XML passes <see cref="IngestionOptions.MaxUnpackedCharacters"/>:
/// a zip bomb is quarantined instead of exhausting memory. Before the package is opened, <see cref="DocxPackageLimits"/>
/// refuses one with too many zip entries or too much relationship and content-type XML (a relationship flood).
/// Before the SDK loads any of it, the main document is scanned once with a plain <see cref="System.Xml.XmlReader"/>
/// and rejected when its elements nest deeper than <see cref="MaxElementDepth"/> or a paragraph holds more than
/// <see cref="MaxParagraphElements"/> of them.
/// </remarks>
public sealed class DocxDocumentParser : IDocumentParser
{
    /// <summary>
    /// Deepest element nesting accepted in the main document, 256. Word's own documents nest a few dozen levels
    /// (body, tables in tables, text boxes, runs). The Open XML SDK builds a loaded element's tree by recursion,
    /// so deeper markup could overflow the stack, which ends the process rather than throwing; about 30,000
    /// levels of paragraphs did on a thread-pool thread.
    /// </summary>
    public const int MaxElementDepth = 256;

    /// <summary>
    /// Most XML elements one paragraph may hold, 200,000, counting all that it contains (runs, their properties, text,
    /// a text box's paragraphs). Each paragraph is loaded whole as a tree of the Open XML SDK's objects, about 150 bytes an
    /// element: one paragraph of 4,000,000 empty runs, a 36 KB upload, took 605 MB and 11 s, and the nesting limit
    /// does not bound a paragraph's width. A paragraph of 2,000 words each formatted on its own holds about 20,000; a
    /// whole table in a text box a few tens of thousands. At the limit a paragraph costs about 30 MB.
    /// </summary>
    public const int MaxParagraphElements = 200_000;

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
        EnsureSmallPackage(buffer, options.MaxUnpackedCharacters, cancellationToken);
        using var document = Open(buffer, options.MaxUnpackedCharacters);
        var main = document.MainDocumentPart
            ?? throw new DocumentRejectedException("The .docx file has no document body. Open and re-save it in Word.");
        EnsureShallow(main, options.MaxUnpackedCharacters, cancellationToken);

        var chunk = 0;
        var sawBody = false;
        using var reader = Read(main, options.MaxUnpackedCharacters);
        while (Next(reader, options.MaxUnpackedCharacters))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!reader.IsStartElement)
            {
                continue;
            }

            if (reader.ElementType == typeof(Body))
            {
                sawBody = true;
            }
            else if (reader.ElementType == typeof(Paragraph))
            {
                // The paragraph alone becomes a small tree (its runs); the reader moves past it.
                var paragraph = Load(reader, options.MaxUnpackedCharacters);
                foreach (var text in TextSplitter.SplitParagraph(VisibleText(paragraph), options.MaxItemCharacters))
                {
                    yield return new ParsedItem(string.Create(CultureInfo.InvariantCulture, $"chunk-{++chunk}"), text, null, ParsedItem.NoMetadata);
                }
            }
        }

        if (!sawBody)
        {
            throw new DocumentRejectedException("The .docx file has no document body. Open and re-save it in Word.");
        }
    }

    /// <summary>
    /// The text Word shows for a paragraph: its <c>w:t</c> runs, with a tab, line break or carriage return read as a
    /// space (a paragraph's <c>InnerText</c> glues the words on either side together), a paragraph nested in it (a text
    /// box's) set off by spaces, and a non-breaking hyphen as <c>-</c>. Left out: deleted and moved-away text of tracked
    /// changes (<c>w:delText</c>, <c>w:moveFrom</c>), field instructions (<c>w:instrText</c>, such as <c>HYPERLINK "…"</c>
    /// or <c>PAGE</c>; the field's shown result is kept), and the fallback copy of content Word stores twice (<c>mc:Fallback</c> beside <c>mc:Choice</c>, as for text boxes).
    /// </summary>
    /// <remarks>Recursive over the paragraph's elements, whose depth <see cref="EnsureShallow"/> has bounded.</remarks>
    internal static string VisibleText(OpenXmlElement paragraph)
    {
        var text = new System.Text.StringBuilder();
        Append(paragraph, text);
        return text.ToString();

        static void Append(OpenXmlElement element, System.Text.StringBuilder text)
        {
            foreach (var child in element.ChildElements)
            {
                // By name, not type: markup the SDK does not expect where it stands (a paragraph in a paragraph) loads as
                // unknown elements, whose text is still the document's.
                var name = child.NamespaceUri switch
                {
                    WordNamespace => child.LocalName,
                    MarkupCompatibilityNamespace when child.LocalName == "Fallback" => "Fallback",
                    _ => null,
                };
                switch (name)
                {
                    case "t":
                        text.Append(child.InnerText);
                        break;
                    case "p":
                        // A paragraph inside this one (a text box's) is a paragraph of its own on the page: spaces keep
                        // its words off those of its neighbours.
                        text.Append(' ');
                        Append(child, text);
                        text.Append(' ');
                        break;
                    case "tab" or "ptab" or "br" or "cr":
                        text.Append(' ');
                        break;
                    case "noBreakHyphen":
                        text.Append('-');
                        break;
                    case "delText" or "instrText" or "delInstrText" or "del" or "moveFrom" or "Fallback":
                        break;
                    default:
                        Append(child, text);
                        break;
                }
            }
        }
    }

    private const string WordNamespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    private const string StrictWordNamespace = "http://purl.oclc.org/ooxml/wordprocessingml/main";
    private const string MarkupCompatibilityNamespace = "http://schemas.openxmlformats.org/markup-compatibility/2006";

    private static WordprocessingDocument Open(Stream buffer, long maxCharacters)
    {
        try
        {
            return WordprocessingDocument.Open(buffer, isEditable: false, new OpenSettings { MaxCharactersInPart = maxCharacters });
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            throw Invalid(ex, maxCharacters);
        }
    }

    private static void EnsureSmallPackage(Stream buffer, long maxCharacters, CancellationToken cancellationToken)
    {
        try
        {
            DocxPackageLimits.Ensure(buffer, cancellationToken);
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            throw Invalid(ex, maxCharacters);
        }
    }

    // XmlReader keeps its open elements in a list, not on the call stack, so it can measure any depth safely, and it
    // holds nothing of what it has passed, so it can count a paragraph's elements before the SDK loads them.
    private static void EnsureShallow(OpenXmlPart part, long maxCharacters, CancellationToken cancellationToken)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = maxCharacters };
        try
        {
            using var stream = part.GetStream(FileMode.Open, FileAccess.Read);
            using var xml = XmlReader.Create(stream, settings);
            var read = 0;
            var paragraphDepth = -1;
            var paragraphElements = 0;
            while (xml.Read())
            {
                if ((++read & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                if (xml.NodeType == XmlNodeType.EndElement && xml.Depth == paragraphDepth)
                {
                    paragraphDepth = -1;
                }

                if (xml.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                if (xml.Depth >= MaxElementDepth)
                {
                    throw new DocumentRejectedException(
                        $"The .docx file's document nests its XML elements more than {MaxElementDepth} levels deep; Word documents nest a few dozen. "
                        + "The file is damaged or built to crash parsers. Open and re-save it in Word, or simplify it.");
                }

                if (paragraphDepth >= 0 && ++paragraphElements > MaxParagraphElements)
                {
                    throw new DocumentRejectedException(
                        $"The .docx file has a paragraph of more than {MaxParagraphElements.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} XML elements (runs, their formatting and text); "
                        + "Word's longest paragraphs hold a few tens of thousands. The file is damaged or built to exhaust memory. "
                        + "Split the paragraph, or open and re-save the file in Word.");
                }

                // The outermost paragraph is the one loaded whole; one nested in it (a text box's) counts toward it.
                if (paragraphDepth < 0 && !xml.IsEmptyElement && xml.LocalName == "p" && xml.NamespaceURI is WordNamespace or StrictWordNamespace)
                {
                    paragraphDepth = xml.Depth;
                    paragraphElements = 0;
                }
            }
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            throw Invalid(ex, maxCharacters);
        }
    }

    private static OpenXmlReader Read(OpenXmlPart part, long maxCharacters)
    {
        try
        {
            return OpenXmlReader.Create(part);
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            throw Invalid(ex, maxCharacters);
        }
    }

    private static bool Next(OpenXmlReader reader, long maxCharacters)
    {
        try
        {
            return reader.Read();
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            throw Invalid(ex, maxCharacters);
        }
    }

    private static OpenXmlElement Load(OpenXmlReader reader, long maxCharacters)
    {
        try
        {
            return reader.LoadCurrentElement() ?? throw new DocumentRejectedException("The .docx file's document ends inside a paragraph.");
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            throw Invalid(ex, maxCharacters);
        }
    }

    private static bool IsUnreadable(Exception ex) =>
        ex is OpenXmlPackageException or FileFormatException or InvalidDataException or IOException or InvalidOperationException or XmlException;

    private static DocumentRejectedException Invalid(Exception ex, long maxCharacters) =>
        ex is XmlException { Message: var message } && message.Contains("MaxCharactersInDocument", StringComparison.Ordinal)
            ? new DocumentRejectedException(
                string.Create(CultureInfo.InvariantCulture, $"The .docx file's document unpacks to more than {maxCharacters:N0} characters of XML (Ingestion:MaxUnpackedCharacters). ")
                + "Split it into smaller files, or raise the limit if the file is genuine.",
                ex)
            : new DocumentRejectedException(
                $"The file is not a valid .docx (a Word zip package) ({ex.GetType().Name}). Legacy .doc files must be saved as .docx first.",
                ex);
}
