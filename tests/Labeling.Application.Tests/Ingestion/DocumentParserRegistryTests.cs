using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class DocumentParserRegistryTests
{
    private readonly DocumentParserRegistry _registry = DocumentParserRegistry.CreateDefault();

    [Theory]
    [InlineData("Comments.CSV", typeof(CsvDocumentParser))]
    [InlineData("a/b/notes.Md", typeof(PlainTextDocumentParser))]
    [InlineData("page.HTM", typeof(HtmlDocumentParser))]
    [InlineData("feed.jsonl", typeof(JsonLinesDocumentParser))]
    [InlineData("feed.json", typeof(JsonDocumentParser))]
    [InlineData("scan.PDF", typeof(PdfDocumentParser))]
    [InlineData("memo.docx", typeof(DocxDocumentParser))]
    public void GetParser_ExtensionInAnyCase_ParserForThatFormat(string fileName, Type expected)
    {
        Assert.IsType(expected, _registry.GetParser(fileName));
    }

    [Fact]
    public void GetParser_UnknownExtension_ReasonListsSupportedExtensions()
    {
        var rejected = Assert.Throws<DocumentRejectedException>(() => _registry.GetParser("budget.xlsx"));

        Assert.Equal("'.xlsx' files are not supported. Supported: .csv, .docx, .htm, .html, .json, .jsonl, .md, .pdf, .txt.", rejected.Reason);
        Assert.Equal("budget.xlsx", rejected.FileName);
    }

    [Theory]
    [InlineData("x.exe", "'.exe' files are not supported.")]
    [InlineData("setup.EXE", "'.EXE' files are not supported.")]
    [InlineData("archive.tar.gz", "'.gz' files are not supported.")]
    public void GetParser_UnsupportedExtension_ReasonNamesItAndListsSupported(string fileName, string start)
    {
        var rejected = Assert.Throws<DocumentRejectedException>(() => _registry.GetParser(fileName));

        Assert.StartsWith(start, rejected.Reason, StringComparison.Ordinal);
        Assert.EndsWith("Supported: .csv, .docx, .htm, .html, .json, .jsonl, .md, .pdf, .txt.", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GetParser_NoExtension_Rejected()
    {
        var rejected = Assert.Throws<DocumentRejectedException>(() => _registry.GetParser("README"));

        Assert.StartsWith("Files without an extension are not supported.", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_TwoParsersForOneExtension_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DocumentParserRegistry([new CsvDocumentParser(), new CsvDocumentParser()]));
    }

    [Fact]
    public async Task ParseAsync_SeekableFileOverMaxBytes_RejectedBeforeReading()
    {
        using var stream = new MemoryStream(Utf8(new string('a', 2048)));

        var rejected = await Assert.ThrowsAsync<DocumentRejectedException>(() =>
            CollectAsync(_registry.ParseAsync("big.txt", stream, Options(o => o.MaxFileBytes = 1024))));

        Assert.Equal("The file is larger than the 1 KB limit. Split it into smaller files or raise Ingestion:MaxFileBytes.", rejected.Reason);
        Assert.Equal(0, stream.Position);
    }

    [Fact]
    public async Task ParseAsync_ForwardOnlyStreamOverMaxBytes_RejectedWhileReading()
    {
        var csv = "text\n" + string.Concat(Enumerable.Repeat("a comment\n", 1000));
        using var stream = new NonSeekableStream(Utf8(csv));

        var rejected = await Assert.ThrowsAsync<DocumentRejectedException>(() =>
            CollectAsync(_registry.ParseAsync("big.csv", stream, Options(o => o.MaxFileBytes = 4096))));

        Assert.Contains("Ingestion:MaxFileBytes", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal("big.csv", rejected.FileName);
    }

    [Fact]
    public void ParseAsync_InvalidOptions_ThrowsArgumentExceptionNotRejection()
    {
        using var stream = new MemoryStream(Utf8("hello"));

        var error = Assert.Throws<ArgumentException>(() =>
            _registry.ParseAsync("a.txt", stream, Options(o => o.MaxItemCharacters = 0)));

        Assert.Contains("MaxItemCharacters", error.Message, StringComparison.Ordinal);
    }
}
