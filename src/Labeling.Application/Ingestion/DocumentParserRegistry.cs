namespace Labeling.Application.Ingestion;

/// <summary>Chooses the parser for an uploaded file by its extension, case-insensitively.</summary>
public sealed class DocumentParserRegistry
{
    private readonly Dictionary<string, IDocumentParser> _byExtension = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a registry over the given parsers.</summary>
    /// <param name="parsers">Parsers whose extensions do not overlap.</param>
    /// <exception cref="ArgumentException">Two parsers claim the same extension.</exception>
    public DocumentParserRegistry(IEnumerable<IDocumentParser> parsers)
    {
        ArgumentNullException.ThrowIfNull(parsers);
        foreach (var parser in parsers)
        {
            foreach (var extension in parser.Extensions)
            {
                if (!_byExtension.TryAdd(extension, parser))
                {
                    throw new ArgumentException(
                        $"Extension '{extension}' is claimed by both {_byExtension[extension].GetType().Name} and {parser.GetType().Name}.",
                        nameof(parsers));
                }
            }
        }

        SupportedExtensions = [.. _byExtension.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>The extensions with a parser, lower case with the dot, sorted.</summary>
    public IReadOnlyList<string> SupportedExtensions { get; }

    /// <summary>A registry with every built-in parser: txt, md, csv, jsonl, json, html, htm, pdf, docx.</summary>
    /// <returns>A new registry.</returns>
    public static DocumentParserRegistry CreateDefault() => new(
    [
        new PlainTextDocumentParser(),
        new CsvDocumentParser(),
        new JsonLinesDocumentParser(),
        new JsonDocumentParser(),
        new HtmlDocumentParser(),
        new PdfDocumentParser(),
        new DocxDocumentParser(),
    ]);

    /// <summary>Finds the parser for <paramref name="fileName"/>'s extension.</summary>
    /// <param name="fileName">A file name or path; only the extension matters.</param>
    /// <param name="parser">The parser, when there is one.</param>
    /// <returns>Whether the extension is supported.</returns>
    public bool TryGetParser(string fileName, out IDocumentParser? parser)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return _byExtension.TryGetValue(Path.GetExtension(fileName), out parser);
    }

    /// <summary>Finds the parser for <paramref name="fileName"/>'s extension.</summary>
    /// <param name="fileName">A file name or path; only the extension matters.</param>
    /// <returns>The parser.</returns>
    /// <exception cref="DocumentRejectedException">No parser reads that extension; the reason lists those that are read.</exception>
    public IDocumentParser GetParser(string fileName)
    {
        if (TryGetParser(fileName, out var parser))
        {
            return parser!;
        }

        var extension = Path.GetExtension(fileName);
        var what = extension.Length == 0 ? "Files without an extension are" : $"'{extension}' files are";
        throw new DocumentRejectedException(
            $"{what} not supported. Supported: {string.Join(", ", SupportedExtensions)}.",
            fileName,
            innerException: null);
    }

    /// <summary>Parses a file with the parser for its extension.</summary>
    /// <param name="fileName">The file's name; its extension picks the parser.</param>
    /// <param name="content">The raw bytes; read once, not disposed.</param>
    /// <param name="options">Column and field names, size limits.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The file's items, in document order.</returns>
    /// <exception cref="DocumentRejectedException">The extension is unsupported or the file cannot be parsed.</exception>
    public IAsyncEnumerable<ParsedItem> ParseAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        CancellationToken cancellationToken = default) =>
        GetParser(fileName).ParseAsync(fileName, content, options, cancellationToken);
}
